"""Direct answers to yes/no questions: はい／いいえ／条件によります first, then the reason.

:func:`is_yes_no` reads whether a message asks a polar question (「大企業も申請できる？」,
"Can a sole proprietor apply?") rather than an open one (「いくら？」「いつまで？」, "How much …?").
The verdict comes from the most exact source that decides it — the eligibility check on the
applicant's facts, the application status on the turn's date, or the programme's rulings (the
document's answer to that question, :mod:`bot.agent.offline.rulings`) — and is written as the
first sentence of the section that gives the reason (:func:`with_lead`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from bot.agent.offline.render import quote, render
from bot.agent.offline.router import language as language_of
from bot.agent.offline.rulings import RulingMatch
from bot.agent.offline.situation import Section, Situation, cite
from bot.knowledge.intents import Language

Verdict = Literal["yes", "no", "depends", "not_stated"]

_SENTENCES = re.compile(r"[^。！？!?\n]+[。！？!?]*")
# An open question asks for a value, a list or an explanation: not a yes/no question.
_OPEN_JA = re.compile(
    r"いくら|何|なに|なん(で|の|円|パーセント|%|割|日|回|社|件|人)|いつ|どこ|どれ|どの|どう(し|な|やっ|すれ|いう|いった)|"
    r"どんな|どちら|どっち|誰|だれ|なぜ|どのくらい|どれくらい|どれだけ|教えて|について|一覧|とは|方法|手順|流れ|違い"
)
# 「締切は？」「SAFのほうは？」 ask about a topic; 「先着？抽選？」「AですかBですか」 offer alternatives.
_TOPIC_OR_CHOICE_JA = re.compile(
    r"(は|って|とかは|のほうは|の方は)[?？]$|それとも|[?？]\s*\S{1,12}[?？]$|ですか\S{1,12}ですか"
)
_POLAR_JA = re.compile(
    r"(か|かな|かね|の|ん|でしょう|ですかね)?[?？]$|(ます|です|でしょう|ません|でした|ました)か[。]?$|"
    r"(でき|いい|よい|良い|大丈夫|必要|ダメ|だめ|本当|ほんと|可能|ある|いる|なる|出る|もらえる|使える|受けられる)[?？。]?$"
)
_CHOICE_EN = re.compile(r"\b(or|either)\b")  # "Is it first come or by lottery?" offers alternatives
_POLAR_EN = re.compile(
    r"^(can|could|may|might|is|are|am|was|were|do|does|did|will|would|should|shall|must|has|have|had)\b"
)


def last_question(message: str) -> str:
    """The last sentence that asks something (ends with ？/?/か), else the last sentence."""
    text = unicodedata.normalize("NFKC", message).strip()
    sentences: list[str] = [str(s).strip() for s in _SENTENCES.findall(text) if str(s).strip()]
    asking = [s for s in sentences if s.endswith(("?", "か", "か。"))]
    return (asking or sentences or [text])[-1]


def is_yes_no(message: str, language: Language) -> bool:
    """Whether the message's question is a polar one (answered by yes or no)."""
    question = last_question(message)
    if language == "en":
        lowered = question.lower()
        return bool(_POLAR_EN.match(lowered)) and not _CHOICE_EN.search(lowered)
    text = unicodedata.normalize("NFKC", message).strip()
    if _OPEN_JA.search(question) or _TOPIC_OR_CHOICE_JA.search(text):
        return False
    return bool(_POLAR_JA.search(question))


_NOW = re.compile(r"(今|いま|現在|まだ|もう|今から|いまから|これから|今年度|今期)")
_APPLYING = re.compile(r"申請|応募|申し?込|受付|募集|出せ")
_NOW_EN = re.compile(r"\b(now|still|currently|yet|at the moment|today|this year)\b")
_APPLYING_EN = re.compile(r"\b(apply|open|accept\w*|submit)\b")


def asks_status(message: str) -> bool:
    """Whether the question is about applying now (「今申請できる？」「まだ応募できる？」)."""
    text = unicodedata.normalize("NFKC", message).lower()
    return bool(
        (_NOW.search(text) and _APPLYING.search(text)) or (_NOW_EN.search(text) and _APPLYING_EN.search(text))
    )


def with_lead(section: Section, verdict: Verdict, language: Language = "ja") -> Section:
    """The section with the verdict as its first sentence (after its heading, if any)."""
    lead = render(f"verdict.{verdict}", lang=language)
    text = section.text
    if text.startswith("#"):
        heading, _, body = text.partition("\n")
        text = f"{heading}\n\n{lead}\n\n{body.lstrip()}"
    else:
        text = f"{lead}\n\n{text}"
    return Section(text, follow_up=section.follow_up, pending_fact=section.pending_fact)


def ruling_section(s: Situation, match: RulingMatch, language: Language = "ja") -> Section:
    """The document's answer to the question: the verdict, the reason and the passage."""
    ruling = match.ruling
    statement = ruling.statement_en if language == "en" and ruling.statement_en else ruling.statement
    passage = ""
    if ruling.source is not None:
        cite(s.toolkit, [ruling.source])
        passage = quote(ruling.source.quote)
    body = render(
        "verdict.ruling",
        lang=language,
        programme_name=s.name,
        question=_asked(ruling.asks, language),
        statement=statement,
        passage=passage,
    )
    return with_lead(Section(body), ruling.answer, language)


def _asked(asks: list[str], language: Language) -> str:
    """The ruling's first phrasing in the message's language: the question the answer answers
    (a heading, so that a reader sees which question the はい／いいえ belongs to)."""
    same = [ask for ask in asks if language_of(ask) == language]
    return (same or asks)[0].rstrip("?？")
