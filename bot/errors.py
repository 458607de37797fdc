"""Typed errors that carry a Japanese and an English message.

Every error a user can cause is an ``AdvisorError``: channels render ``message_ja``
(and ``message_en`` where English is asked for) and never a stack trace.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: a user-facing error with a Japanese and an English message."""

    code = "advisor_error"

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message_ja": self.message_ja, "message_en": self.message_en}


class InputError(AdvisorError):
    """The user's input cannot be used (empty, malformed, out of range)."""

    code = "invalid_input"


class KnowledgeError(AdvisorError):
    """A knowledge file (source document or programme facts) is invalid."""

    code = "invalid_knowledge"


class IndexMissingError(AdvisorError):
    """The search index is missing or unreadable."""

    code = "index_missing"

    def __init__(self, detail: str = "") -> None:
        suffix_ja = f"（{detail}）" if detail else ""
        suffix_en = f" ({detail})" if detail else ""
        super().__init__(
            f"検索インデックスがありません。`advisor index` を実行してください{suffix_ja}",
            f"The search index is missing or corrupt; run `advisor index`{suffix_en}",
        )
        self.detail = detail


class UnknownProgrammeError(AdvisorError):
    """A programme id that is not in the knowledge base."""

    code = "unknown_programme"

    def __init__(self, programme_id: str, known: list[str]) -> None:
        listed = ", ".join(known)
        super().__init__(
            f"制度ID「{programme_id}」は登録されていません。利用できるID: {listed}",
            f"Unknown programme id '{programme_id}'. Known ids: {listed}",
        )


class DocumentError(AdvisorError):
    """A document given to ``advisor knowledge add`` cannot be read or converted."""

    code = "invalid_document"


class UnsupportedDocumentError(DocumentError):
    """A document of a type the converter does not handle."""

    code = "unsupported_document"


class TargetExistsError(AdvisorError):
    """A file would be overwritten without ``--force``."""

    code = "target_exists"
