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

from bot.agent.offline import english
from bot.agent.offline.detect import normalise
from bot.agent.offline.render import bullets, escape, quote, render
from bot.agent.offline.router import language as language_of
from bot.agent.offline.rulings import RulingMatch
from bot.agent.offline.situation import Section, Situation, cite
from bot.agent.offline.slots import item_patterns
from bot.agent.offline.slots_en import ITEM_WORDS_EN
from bot.knowledge.intents import Language
from bot.knowledge.models import RateCapCalculation
from bot.tools.grant_models import category_label

Verdict = Literal["yes", "no", "depends", "not_stated"]

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")
# An open question asks for a value, a list or an explanation: not a yes/no question.
_OPEN_JA = re.compile(
    r"いくら|何|なに|なん(で(?!す)|の|円|パーセント|%|割|日|回|社|件|人)|いつ|どこ|どれ|どの|どう(し|な|やっ|すれ|いう|いった)|"
    r"どんな|どちら|どっち|誰|だれ|なぜ|どのくらい|どれくらい|どれだけ|教えて|について|一覧|(?<!こ)とは|方法|手順|流れ|(?<!間)違い"
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
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
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
_APPLYING_EN = re.compile(r"\b(apply|applications?|open|accept\w*|submit|taking|receiving)\b")


def asks_status(message: str) -> bool:
    """Whether the question is about applying now (「今申請できる？」「まだ応募できる？」); read in the
    asking sentence («We still owe tax. Can we apply?» is not)."""
    text = unicodedata.normalize("NFKC", last_question(message)).lower()
    return bool(
        (_NOW.search(text) and _APPLYING.search(text)) or (_NOW_EN.search(text) and _APPLYING_EN.search(text))
    )


_ROUND_JA = re.compile(r"第\s*(\d+)\s*回|(\d+)\s*回目")
_ROUND_EN = re.compile(r"\b(?:round|call)\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)\s+(?:round|call)\b")
_ENDED = re.compile(r"終わ|終了|締め?切(られ|っ|り)|過ぎ|閉ま|\b(over|ended|closed|finished)\b")
RoundQuestion = tuple[int, Literal["ended", "open"]]
_OPENED = re.compile(r"始ま|開始|受付中|開いて|申し?込め|申請でき|出せ|\b(open|started|begun)\b")


def round_state_question(message: str) -> RoundQuestion | None:
    """The round a question asks about and what it asks: 「第1回ってもう終わった？」 → (1, ended),
    「第3回は始まってる？」 → (3, open); None when the question names no round or asks neither."""
    text = unicodedata.normalize("NFKC", last_question(message)).lower()
    found = _ROUND_JA.search(text) or _ROUND_EN.search(text)
    if found is None:
        return None
    number = int(next(group for group in found.groups() if group))
    if _ENDED.search(text):
        return number, "ended"
    if _OPENED.search(text):
        return number, "open"
    return None


def round_state_verdict(states: dict[int, str], asked: RoundQuestion) -> Verdict | None:
    """はい／いいえ for :func:`round_state_question` from the rounds' states on the turn's date
    (``states``: round → open / upcoming / closed); None when the round is not in the document."""
    number, question = asked
    state = states.get(number)
    if state is None:
        return None
    if question == "ended":
        return "yes" if state == "closed" else "no"
    return "yes" if state == "open" else "no"


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


def not_mentioned(section: Section, words: tuple[str, ...], language: Language = "ja") -> Section:
    """The section led by «the documents do not say», naming the words of the question the
    programme's documents never use; what they do say follows."""
    named = "」「".join(escape(w) for w in words) if language == "ja" else ", ".join(escape(w) for w in words)
    note = render("verdict.not_mentioned", lang=language, words=named)
    led = with_lead(section, "not_stated", language)
    parts = led.text.split("\n\n")
    at = 2 if parts[0].startswith("#") else 1  # after the heading and the lead
    text = "\n\n".join([*parts[:at], note, *parts[at:]])
    return Section(text, follow_up=led.follow_up, pending_fact=led.pending_fact)


def ruling_section(s: Situation, match: RulingMatch, language: Language = "ja") -> Section:
    """The document's answer to the question: the verdict, the reason and the passage."""
    ruling = match.ruling
    statement = ruling.statement_en if language == "en" and ruling.statement_en else ruling.statement
    passage = ""
    if ruling.source is not None:
        cite(s.toolkit, [ruling.source])
        passage = quote(ruling.source.quote)
    # 「出さなくてもいいんだよね？」 asks the ruling's question the other way round: the Japanese
    # answer agrees or disagrees with the question as put (はい、出さなくていい／いいえ、必要です)
    flipped = language == "ja" and negated(last_question(s.message)) != _negated_asks(ruling.asks)
    body = render(
        "verdict.ruling_negated" if flipped else "verdict.ruling",
        lang=language,
        programme_name=english.name(s.programme) if language == "en" and s.programme else s.name,
        question=_asked(ruling.asks, language),
        statement=statement,
        passage=passage,
    )
    answer = ruling.answer
    if flipped and answer in ("yes", "no"):
        answer = "no" if answer == "yes" else "yes"
    return with_lead(Section(body), answer, language)


_NEGATED = re.compile(
    r"[ぁ-ゖ](なくても|なくて|ないで)(いい|良い|よい|大丈夫|ok|平気|構わ|問題な)"
    r"|[ぁ-ゖ](ない|ません|なかった)(ん(だ|です)?|の|です|んでしょう|でしょう)?(よね|か|かな|かね|の|ね)?[?？。!！]*$"
)
_POLITE_TAIL = re.compile(r"(ですか|でしょうか|ですよね|よね)[?？。]*$")


def negated(question: str) -> bool:
    """Whether a Japanese question is put negatively: 「出さなくてもいい？」「かからないの？」
    「取らないんだよね？」 (a negation inside the sentence, 「中小企業じゃないけど申請できる？」, is not)."""
    text = unicodedata.normalize("NFKC", question).strip().lower()
    return bool(_NEGATED.search(text))


def _negated_asks(asks: list[str]) -> bool:
    """Whether the ruling's Japanese asks are mostly put negatively (「診断を受けなくても申請できる？」)."""
    japanese = [a for a in asks if not a.isascii()]
    return sum(negated(a) for a in japanese) * 2 > len(japanese)


def _asked(asks: list[str], language: Language) -> str:
    """The ruling's first phrasing in the message's language: the question the answer answers
    (a heading, so that a reader sees which question the はい／いいえ belongs to)."""
    same = [ask for ask in asks if language_of(ask) == language]
    return (same or asks)[0].rstrip("?？")


# The item is what the question asks about: 「消費税も対象？」「算定にかかる費用って…対象？」, not
# an aside (「PRするんだけど、対象になる？」 asks about the applicant).
_ASKED_AS_COST = r"[^。？?、,]{0,24}?(対象|助成され|補助され|出る|出ます|出して|含ま|認め|計上|経費に入)"


_ASKED_AS_COST_EN = r"[^.?!,;]{0,40}?\b(covered|eligible|count|counted|included|paid|funded|reimbursed)\b"


def cost_item_section(s: Situation, language: Language) -> Section | None:
    """「消費税も対象？」「大企業でも算定費は出る？」: whether the one cost item the message names is
    paid — いいえ for an excluded cost (with the document's reason), else by the categories that
    count it: はい when every category the applicant may be in counts it, いいえ when none does,
    条件によります (listed by category) otherwise. None when the message names no single item."""
    programme = s.programme
    calc = programme.calculation if programme else None
    if programme is None or not isinstance(calc, RateCapCalculation):
        return None
    text = normalise(last_question(s.message)).lower()
    if language == "en":
        ids = {i.id for i in calc.cost_items} | {c.id for c in calc.excluded_costs}
        patterns = [(item, pattern) for item, pattern in ITEM_WORDS_EN.items() if item in ids]
        asked = _ASKED_AS_COST_EN
    else:
        patterns, asked = item_patterns(programme), _ASKED_AS_COST
    named = {item for item, pattern in patterns if re.search(f"(?:{pattern}){asked}", text)}
    if len(named) != 1:
        return None
    item = named.pop()
    excluded = {cost.id: cost for cost in calc.excluded_costs}
    translated = english.texts(programme) if language == "en" else None
    names = translated.cost_items if translated else {}
    reasons = translated.excluded_reasons if translated else {}
    title = english.name(programme) if language == "en" else s.name
    if item in excluded:
        cite(s.toolkit, [excluded[item].source])
        body = render(
            "verdict.excluded_cost",
            lang=language,
            programme_name=title,
            item=names.get(item, excluded[item].name),
            reason=reasons.get(item, excluded[item].reason).rstrip("。."),
            passage=quote(excluded[item].source.quote),
        )
        return with_lead(Section(body), "no", language)
    result = s.toolkit.recommend_category(s.pid, facts=s.facts)
    possible = [o.category.id for o in result.options if o.status != "not_met"] or [
        c.id for c in calc.categories
    ]
    categories = [c for c in calc.categories if c.id in possible]
    counting = [c for c in categories if item in c.eligible_items]
    name = names.get(item) or next(i.name for i in calc.cost_items if i.id == item)
    cite(s.toolkit, [c.source for c in categories])
    lines = bullets(
        render(
            "verdict.category_counts" if c in counting else "verdict.category_excludes",
            lang=language,
            category=english.category_name(programme, c) if language == "en" else category_label(c),
            item=name,
        )
        for c in categories
    )
    verdict: Verdict = "yes" if len(counting) == len(categories) else "no" if not counting else "depends"
    body = render("verdict.cost_item", lang=language, programme_name=title, item=name, lines=lines)
    return with_lead(Section(body), verdict, language)
