"""Typed errors of the conversation store (all ``AdvisorError``: Japanese and English messages)."""

from __future__ import annotations

from bot.errors import AdvisorError, InputError


class SessionNotFoundError(AdvisorError):
    """No session has this id."""

    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"指定された会話が見つかりません（ID: {session_id}）。新しい会話を始めてください",
            f"Conversation not found (id: {session_id}); please start a new conversation",
        )
        self.session_id = session_id


class MessageNotFoundError(AdvisorError):
    """No message of this session has this id."""

    code = "message_not_found"

    def __init__(self, session_id: str, message_id: str) -> None:
        super().__init__(
            f"指定されたメッセージがこの会話にありません（ID: {message_id}）",
            f"Message {message_id} is not part of conversation {session_id}",
        )
        self.session_id = session_id
        self.message_id = message_id


class SessionKeyTakenError(AdvisorError):
    """Another session already has this external key."""

    code = "session_key_taken"

    def __init__(self, external_key: str) -> None:
        super().__init__(
            f"この外部キーの会話はすでにあります（{external_key}）",
            f"A conversation with external key '{external_key}' already exists",
        )
        self.external_key = external_key


class StoreInputError(InputError):
    """A value the store cannot keep (empty, too long, wrong kind, not JSON)."""

    code = "invalid_store_input"


class StoreUnavailableError(AdvisorError):
    """The database cannot be opened or reached, or stayed locked too long."""

    code = "store_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"会話データベースに接続できません。しばらくしてから再度お試しください（{detail}）",
            f"The conversation database is unavailable; please try again later ({detail})",
        )
