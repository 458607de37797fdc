"""Input checks done before anything is written; each failure is a ``StoreInputError``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

from bot.store.errors import StoreInputError

MAX_ID_CHARS = 64
MAX_KEY_CHARS = 255
MAX_NAME_CHARS = 100
MAX_JSON_DEPTH = 64

_T = TypeVar("_T", bound=str)


def check_session_id(session_id: str) -> str:
    """A non-empty id of at most ``MAX_ID_CHARS`` characters."""
    if not isinstance(session_id, str) or not session_id.strip():
        raise StoreInputError("会話IDが空です", "The session id is empty")
    if len(session_id) > MAX_ID_CHARS:
        raise StoreInputError(
            f"会話IDが長すぎます（{MAX_ID_CHARS}文字まで）",
            f"The session id is longer than {MAX_ID_CHARS} characters",
        )
    return session_id


def check_message_id(message_id: str) -> str:
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > MAX_ID_CHARS:
        raise StoreInputError("メッセージIDが不正です", "The message id is empty or malformed")
    return message_id


def check_choice(value: str, allowed: tuple[_T, ...], what_ja: str, what_en: str) -> _T:
    """``value`` if it is one of ``allowed`` (a Literal's values), else an input error."""
    for choice in allowed:
        if value == choice:
            return choice
    listed = ", ".join(allowed)
    raise StoreInputError(
        f"{what_ja}「{value}」は使えません（{listed}）", f"Invalid {what_en} '{value}' (allowed: {listed})"
    )


def check_text(text: str, max_chars: int, what_ja: str, what_en: str) -> str:
    """Non-blank text within ``max_chars`` that every backend can store (no NUL, valid UTF-8)."""
    if not isinstance(text, str) or not text.strip():
        raise StoreInputError(f"{what_ja}が空です", f"The {what_en} is empty")
    if len(text) > max_chars:
        raise StoreInputError(
            f"{what_ja}が長すぎます（{len(text)}文字、上限{max_chars}文字）",
            f"The {what_en} is too long ({len(text)} characters, limit {max_chars})",
        )
    check_storable(text, what_ja, what_en)
    return text


def check_optional_text(text: str | None, max_chars: int, what_ja: str, what_en: str) -> str | None:
    """Like ``check_text`` but ``None`` or blank text means "no text"."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return check_text(text, max_chars, what_ja, what_en)


def check_storable(text: str, what_ja: str, what_en: str) -> None:
    """PostgreSQL text cannot hold NUL; no backend can encode lone surrogates."""
    if "\x00" in text:
        raise StoreInputError(
            f"{what_ja}にNUL文字が含まれています", f"The {what_en} contains a NUL character"
        )
    check_unicode(text, what_ja, what_en)


def check_unicode(text: str, what_ja: str, what_en: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoreInputError(
            f"{what_ja}に不正な文字が含まれています", f"The {what_en} is not valid Unicode text"
        ) from exc


def check_json_object(value: Mapping[str, Any], what_en: str) -> dict[str, Any]:
    """A plain JSON object (str keys; str, finite numbers, bool, None, lists, objects) as a new dict."""
    if not isinstance(value, Mapping):
        raise StoreInputError(
            f"{what_en} はJSONオブジェクトではありません", f"{what_en} is not a JSON object"
        )
    checked = check_json_value(value, what_en)
    assert isinstance(checked, dict)
    return checked


def check_json_value(value: object, path: str, depth: int = 0) -> Any:
    """A deep copy of ``value`` as plain JSON data, or an input error naming the offending path."""
    if depth > MAX_JSON_DEPTH:
        raise _json_error(path, f"入れ子が深すぎます（{MAX_JSON_DEPTH}段まで）", "nested too deeply")
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str):
            check_unicode(value, path, path)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _json_error(path, "NaN や無限大は保存できません", "NaN and infinity are not JSON")
        return value
    if isinstance(value, Mapping):
        return {
            _check_json_key(key, path): check_json_value(item, f"{path}.{key}", depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [check_json_value(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
    kind = type(value).__name__
    raise _json_error(path, f"{kind} 型はJSONにできません", f"a {kind} is not JSON")


def _check_json_key(key: object, path: str) -> str:
    if not isinstance(key, str):
        raise _json_error(path, "キーが文字列ではありません", "an object key is not a string")
    check_unicode(key, path, path)
    return key


def _json_error(path: str, reason_ja: str, reason_en: str) -> StoreInputError:
    return StoreInputError(f"{path}: {reason_ja}", f"{path}: {reason_en}")


def check_name(name: str, what_ja: str, what_en: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """A short non-blank label (channel, tool name, external key, staff reference)."""
    return check_text(name, max_chars, what_ja, what_en)
