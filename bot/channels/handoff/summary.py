"""The hand-off summary: what a staff member needs to pick up a website conversation.

``build_summary`` is pure: it reads only the records it is given (the session, its messages,
slots and tool calls, as the store returns them) and the programme files, and returns a
:class:`HandoffSummary` — the user's questions with the advisor's answers in a line, the facts
collected, the programmes involved, the amounts the calculator computed (its ``amount_yen``)
and what the advisor still needed to know (the last answer's ``follow_up``).
``bot.channels.handoff.render`` turns it into Block Kit.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.knowledge.models import Programme
from bot.store.records import Message, Session, ToolCallRecord
from bot.tools.parsing import format_yen

MAX_EXCHANGES = 5  # the latest questions shown; older ones are counted
MAX_AMOUNTS = 5
MAX_MISSING = 5
ANSWER_CHARS = 120
QUESTION_CHARS = 300
ELLIPSIS = "…"

# Slots that are the engine's bookkeeping, not facts the user gave.
INTERNAL_SLOTS = frozenset({"programme_id"})
INTERNAL_PREFIXES = ("pending_", "last_")
# Labels of the facts every programme shares (programme files label their own inputs).
GENERIC_LABELS: Mapping[str, str] = {
    "eligible_cost_yen": "対象経費",
    "costs": "経費の内訳",
    "additional_costs": "追加の経費",
    "category": "申請区分",
    "capital_yen": "資本金",
    "employees": "従業員数",
    "industry": "業種",
    "org_type": "申請者の種類",
    "is_sme": "中小企業者に該当するか",
    "sme_company": "中小企業（会社）か",
    "sole_proprietor": "個人事業主か",
    "public_interest_association": "公益法人等か",
}
YEN_SLOTS = frozenset({"total_project_cost", "donations_income", "eligible_cost_planned"})

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)\)")
_MARKS = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class Exchange:
    """A question and the advisor's answer to it in a line ('' when it was not answered)."""

    question: str
    answer: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class ProgrammeRef:
    programme_id: str
    name: str
    url: str


@dataclass(frozen=True)
class Amount:
    """A grant amount the calculator computed (never an amount written by a model)."""

    programme: str
    category: str
    amount_yen: int
    eligible_cost_yen: int | None
    rate: str | None
    cap_yen: int | None
    capped: bool


def case_reference(session_id: str) -> str:
    """The case number (相談番号) staff see for a hand-off, e.g. ``HO-7K3FQ9P2``.

    The conversation id is the customer's credential for ``/api/chat`` and its message history,
    so it never goes to Slack; the case number is a one-way digest of it (the id cannot be
    recovered from it) that staff can quote on the phone and that stays the same for the
    whole conversation."""
    digest = hashlib.sha256(f"grant-advisor case:{session_id}".encode()).digest()
    return "HO-" + base64.b32encode(digest).decode("ascii")[:8]


@dataclass(frozen=True)
class HandoffSummary:
    session_id: str
    case_ref: str
    started_at: dt.datetime
    exchanges: tuple[Exchange, ...]
    earlier_questions: int  # questions before the ones shown
    facts: tuple[Fact, ...]
    programmes: tuple[ProgrammeRef, ...]
    amounts: tuple[Amount, ...]
    missing: tuple[str, ...]


def build_summary(
    session: Session,
    messages: Sequence[Message],
    slots: Mapping[str, Any],
    tool_calls: Sequence[ToolCallRecord],
    programmes: Mapping[str, Programme],
) -> HandoffSummary:
    """The summary of ``session`` from its stored records (pure)."""
    exchanges = list(_exchanges(messages))
    shown = exchanges[-MAX_EXCHANGES:]
    involved = _programme_ids(messages, slots, tool_calls, programmes)
    return HandoffSummary(
        session_id=session.session_id,
        case_ref=case_reference(session.session_id),
        started_at=session.created_at,
        exchanges=tuple(shown),
        earlier_questions=len(exchanges) - len(shown),
        facts=tuple(_facts(slots, [programmes[pid] for pid in involved], programmes)),
        programmes=tuple(
            ProgrammeRef(pid, programmes[pid].name.value, programmes[pid].url.value) for pid in involved
        ),
        amounts=tuple(_amounts(tool_calls, programmes)),
        missing=tuple(_missing(messages)),
    )


# --- questions and answers ------------------------------------------------------------------


def _exchanges(messages: Sequence[Message]) -> Iterable[Exchange]:
    question: str | None = None
    for message in messages:
        if message.role == "user":
            if question is not None:
                yield Exchange(question, "")
            question = shorten(message.content, QUESTION_CHARS)
        elif message.role == "assistant" and question is not None:
            yield Exchange(question, short_answer(message.content))
            question = None
    if question is not None:
        yield Exchange(question, "")


def short_answer(markdown: str, limit: int = ANSWER_CHARS) -> str:
    """The answer in a line: its first sentence(s) of body text, led by the topic of its heading.

    ``## 〇〇助成事業：助成額の試算`` + ``**区分3の助成額は 800万円 です。**`` →
    ``〔助成額の試算〕区分3の助成額は 800万円 です。``
    """
    topic = ""
    for raw in markdown.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            topic = topic or heading.group(1).rsplit("：", 1)[-1].strip()
            continue
        if not line or _RULE.match(line) or line.startswith((">", "|")):
            continue
        text = _MARKS.sub("", _LINK.sub(r"\1", _BULLET.sub("", line))).strip()
        if text:
            body = shorten_sentences(text, limit)
            return f"〔{topic}〕{body}" if topic else body
    return shorten(topic, limit)


def shorten_sentences(text: str, limit: int) -> str:
    """``text`` cut after its last full sentence within ``limit`` characters (else hard, with …)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("。", 0, limit)
    if cut > 0:
        return text[: cut + 1]
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters (whitespace squeezed, ending in … when cut)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + ELLIPSIS


# --- programmes, facts, amounts, missing facts -----------------------------------------------


def _programme_ids(
    messages: Sequence[Message],
    slots: Mapping[str, Any],
    tool_calls: Sequence[ToolCallRecord],
    programmes: Mapping[str, Programme],
) -> list[str]:
    """The programmes the conversation touched, in order of first mention."""
    seen: list[str] = []

    def note(value: object) -> None:
        if isinstance(value, str) and value in programmes and value not in seen:
            seen.append(value)

    for message in messages:
        if message.role == "assistant" and message.answer_json:
            for pid in message.answer_json.get("programmes") or []:
                note(pid)
    for call in tool_calls:
        note(call.arguments.get("programme_id"))
    note(slots.get("programme_id"))
    return seen


def _facts(
    slots: Mapping[str, Any], involved: Sequence[Programme], programmes: Mapping[str, Programme]
) -> Iterable[Fact]:
    labels: dict[str, str] = dict(GENERIC_LABELS)
    choices: dict[str, Mapping[str, str]] = {}
    # The programmes of this conversation label their inputs first; then any other programme.
    for programme in [*involved, *(p for p in programmes.values() if p not in involved)]:
        for spec in programme.inputs:
            labels.setdefault(spec.name, spec.label)
            if spec.choices:
                choices.setdefault(spec.name, spec.choices)
    for name, value in slots.items():
        if name in INTERNAL_SLOTS or name.startswith(INTERNAL_PREFIXES) or value in (None, "", [], {}):
            continue
        yield Fact(labels.get(name, name), format_value(name, value, choices.get(name)))


def format_value(name: str, value: Any, choices: Mapping[str, str] | None = None) -> str:
    """A slot's value for people: はい/いいえ, amounts in yen, choice labels, lists joined."""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int) and value >= 0 and (name.endswith("_yen") or name in YEN_SLOTS):
        return format_yen(value)
    if choices and isinstance(value, str) and value in choices:
        return choices[value]
    if isinstance(value, Mapping):
        return "、".join(
            f"{key} {format_yen(item) if isinstance(item, int) and not isinstance(item, bool) else item}"
            for key, item in value.items()
        )
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if name.endswith("_pct"):
        return f"{value}%"
    return str(value)


def _amounts(tool_calls: Sequence[ToolCallRecord], programmes: Mapping[str, Programme]) -> list[Amount]:
    """The distinct amounts ``calculate_grant`` computed, latest last (at most MAX_AMOUNTS)."""
    found: dict[tuple[Any, ...], Amount] = {}
    for call in tool_calls:
        result = call.result
        amount = result.get("amount_yen")
        if call.name != "calculate_grant" or not isinstance(amount, int) or isinstance(amount, bool):
            continue
        pid = str(result.get("programme_id") or call.arguments.get("programme_id") or "")
        name = str(result.get("programme_name") or (programmes[pid].name.value if pid in programmes else pid))
        category = result.get("category") or {}
        label = str(category.get("label") or "") + _quoted(category.get("name"))
        entry = Amount(
            programme=name,
            category=label,
            amount_yen=amount,
            eligible_cost_yen=_int_or_none(result.get("eligible_cost_yen")),
            rate=str(result["rate"]) if result.get("rate") else None,
            cap_yen=_int_or_none(result.get("cap_yen")),
            capped=result.get("capped") is True,
        )
        key = (pid, label, amount, entry.eligible_cost_yen)
        found.pop(key, None)  # a repeated calculation moves to the end
        found[key] = entry
    return list(found.values())[-MAX_AMOUNTS:]


def _quoted(value: object) -> str:
    return f"「{value}」" if isinstance(value, str) and value else ""


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _missing(messages: Sequence[Message]) -> list[str]:
    """The questions the advisor's last answer still had for the user."""
    for message in reversed(messages):
        if message.role == "assistant":
            follow_up = (message.answer_json or {}).get("follow_up") or []
            return [shorten(str(q), QUESTION_CHARS) for q in follow_up if str(q).strip()][:MAX_MISSING]
    return []
