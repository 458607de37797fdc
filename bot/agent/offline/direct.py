"""The direct answer to a yes/no question: which source decides the verdict.

:func:`direct_answer` replaces the first section of an answer to a yes/no question by one that
leads with はい／いいえ／条件によります, taken from the most exact source that decides it: the
status on the turn's date (「今申請できる？」), the one cost item the question names
(「消費税も対象？」), the eligibility check when the applicant's stated facts decide it, then the
document's answer to that question (the programme's rulings) when one matches with confidence.
Otherwise the section stays as it is: no verdict rather than a guessed one.
"""

from __future__ import annotations

import logging
import re
from typing import cast

from bot.agent.offline import answers, english, english_info, info
from bot.agent.offline.claims import claim_verdict
from bot.agent.offline.info import APPLICANT_FACTS
from bot.agent.offline.rulings import (
    CONVERSATIONAL,
    GENERIC,
    RulingMatch,
    content_words,
    english_words,
    ruling_index,
)
from bot.agent.offline.situation import Section, Situation
from bot.agent.offline.verdicts import (
    Verdict,
    asks_status,
    cost_item_section,
    last_question,
    not_mentioned,
    round_state_question,
    round_state_verdict,
    ruling_section,
    with_lead,
)
from bot.knowledge.intents import Language
from bot.tools.figures import extract_figures, same_figure

log = logging.getLogger(__name__)

# Intents whose answer is a figure, a list or a calculation: a yes/no wording does not change it.
NO_VERDICT_INTENTS = frozenset(
    {
        "amount",
        "comparison",
        "rate_cap",
        "programmes",
        "find",
        "greeting",
        "out_of_scope",
        "clarify",
        "coverage",
        "chatter",
    }
)
# Intents a question confirming a rate or a cap (「上限は2,500万円で合ってる？」) may read as.
CLAIM_INTENTS = frozenset({"rate_cap", "general", "overview", "eligibility", "eligible_costs", "fact"})
# Verdicts of the eligibility check that decide a question; ``depends`` only says what is missing.
DECIDED = frozenset({"yes", "no"})
# Intents a yes/no question about one cost item or the applicant reads as (「消費税も対象？」).
COST_VERDICT_INTENTS = frozenset({"eligible_costs", "eligibility", "general", "overview"})
# Figures that measure something (an amount, a rate, a share, tonnes, a period, a round, a
# date): a question stating one (「60日以内でOK？」「4分の3で合ってる？」「第1回より遅い？」) is
# answered by a ruling only when the ruling's statement gives that same figure; counts and years
# (「2店舗」「2025年度も」) do not change which question is asked.
MEASURES = frozenset(
    {"yen", "rate", "percent", "tonnes", "duration", "round", "date", "month_day", "year_month"}
)
# A question whether something pays money (asked of a programme that is not a grant).
_MONEY = re.compile(
    r"お金|補助金|助成金|補助|助成|給付|支給|(?<![a-z])(grant|subsid|money|funding|paid|pay)", re.IGNORECASE
)
# 「電子じゃなくて郵送でもいける？」 asks about 郵送: the alternative it sets aside is not the question.
_NOT_ASKED = re.compile(r"[^、。？?!！\s]{1,12}(じゃなくて|じゃなく|ではなくて|ではなく|でなく|以外で)")
# 「60日以内でOK？」: a question about figures is for the calculators and facts


def direct_answer(
    first: tuple[str, Section], s: Situation, language: Language, given: set[str], masked: str
) -> tuple[str, Section]:
    """The first (intent, section) of the answer, led by its verdict where a source decides it.
    ``given``: the facts the message states; ``masked``: the message with programme names masked."""
    intent, section = first
    costs_known = any(s.slots.get(k) for k in ("costs", "eligible_cost_yen"))
    claimable = intent in CLAIM_INTENTS or (intent == "amount" and not costs_known)
    if claimable and (verdict := claim_verdict(s, last_question(masked))) is not None:
        # 「区分2の上限は2,500万円で合ってる？」: the categories' rates and caps decide it
        table = english.rate_cap(s) if language == "en" else answers.rate_cap(s)
        return "rate_cap", with_lead(table, verdict, language)
    if intent in NO_VERDICT_INTENTS:
        return first
    if s.programme is not None and s.programme.kind != "grant" and _MONEY.search(last_question(masked)):
        # 「アクションプランを作ったら補助金は出る？」: what the thing is, and that it pays nothing
        plan = english.not_a_grant(s) if language == "en" else answers.not_a_grant(s)
        return "overview", with_lead(plan, "no", language)
    round_asked = round_state_question(s.message)  # 「第1回ってもう終わった？」
    if round_asked is not None:
        windows = sorted(s.toolkit.application_status(s.pid).windows, key=lambda w: w.start)
        verdict = round_state_verdict({w.round: w.state for w in windows if w.round is not None}, round_asked)
        if verdict is not None:
            status = english_info.deadline(s) if language == "en" else info.deadline(s)
            return "deadline", with_lead(status, verdict, language)
    if asks_status(s.message):  # 「今でも応募できる？」 whatever else the message reads as
        status = english_info.deadline(s) if language == "en" else info.deadline(s)
        if status.verdict:
            return "deadline", with_lead(status, cast(Verdict, status.verdict), language)
    costs = cost_item_section(s, language) if intent in COST_VERDICT_INTENTS else None
    if costs is not None:
        return "eligible_costs", costs
    if intent != "eligibility" and given & APPLICANT_FACTS and intent in COST_VERDICT_INTENTS:
        # 「医療法人は助成対象者に含まれますか」 reads as costs or an overview, but asks who may apply
        intent, section = "eligibility", english.eligibility(s) if language == "en" else info.eligibility(s)
    # The document's answer to the very question asked comes first: the applicant's facts a
    # question mentions may be beside its point (「2024年度に参加した荷主ですが、今年度もまた参加
    # できますか」 is not asking whether a shipper is the grant's recipient).
    question = last_question(masked)
    # 「(several facts) 対象になりますか？」 asks the eligibility check, not a ruling on one of the facts
    general = intent == "eligibility" and len(given) >= 2 and not _asked_words(question, language, _names(s))
    match = None if general else _ruling(s, masked)
    decided = intent == "eligibility" and section.verdict in DECIDED and bool(given)
    # With the same verdict, the check names the condition that decides it; a ruling that says
    # «it depends» is decided by the facts the applicant gave.
    overrides = match is not None and (
        not decided or (match.ruling.answer in DECIDED and match.ruling.answer != section.verdict)
    )
    if (
        match is not None
        and overrides
        and match.confident
        and _states_the_figures(match, last_question(s.message))
    ):
        return "ruling", ruling_section(s, match, language)
    if decided:  # the applicant's own facts decide it (「大企業でも申請できる？」)
        return intent, with_lead(section, cast(Verdict, section.verdict), language)
    unknown = tuple(w for w in match.unknown if w in question) if match is not None else ()
    if unknown and not _near_the_vocabulary(unknown, s):
        # 「中古の設備も対象？」: the question itself turns on a word the document never uses (the
        # words that describe the applicant before it, 「歯科クリニックです」, are not the question)
        return intent, not_mentioned(section, unknown, language)
    if intent == "eligibility" and section.verdict:  # what is still missing
        return intent, with_lead(section, cast(Verdict, section.verdict), language)
    return first


def _ruling(s: Situation, masked: str) -> RulingMatch | None:
    """The programme's ruling nearest the question (its name masked: the programme is known, its
    name only blurs which question is asked)."""
    deps = s.toolkit.deps
    try:
        index = ruling_index(deps.embedder, deps.knowledge, deps.settings.data_dir / "cache")
    except Exception as exc:  # an embedder failure costs the direct answer, never the answer
        log.warning("rulings unavailable: %s", exc)
        return None
    return index.match(s.pid, _NOT_ASKED.sub("", masked))


def _states_the_figures(match: RulingMatch, question: str) -> bool:
    """Whether the ruling's statement gives every measured figure the question states."""
    asked = [f for f in extract_figures(question) if f.kind in MEASURES]
    if not asked:
        return True
    stated = extract_figures(match.ruling.statement)
    return all(any(same_figure(a, b) for b in stated) for a in asked)


def _asked_words(question: str, language: Language, names: frozenset[str]) -> set[str]:
    """The question's own content words, besides the programme's name and the words every
    question about a grant has (「対象になりますか」「Do we qualify?」 have none)."""
    if language == "en":
        return english_words(question) - names
    return content_words(question, nouns_only=True) - GENERIC - CONVERSATIONAL - names


def _names(s: Situation) -> frozenset[str]:
    """The words of the programme's names, in Japanese and English."""
    p = s.programme
    if p is None:
        return frozenset()
    names = " ".join([p.name.value, p.short_name, *p.aliases, p.english.name if p.english else ""])
    return frozenset(content_words(names) | english_words(names))


def _near_the_vocabulary(words: tuple[str, ...], s: Situation) -> bool:
    """Whether a word shares two kanji in a row with the document (「冷蔵庫」 and 「冷凍冷蔵設備」):
    then the document may well speak of it in other words, and silence is not claimed."""
    document = _document_text(s)
    return any(word[i : i + 2] in document for word in words for i in range(len(word) - 1))


def _document_text(s: Situation) -> str:
    source = s.toolkit.deps.knowledge.sources.get(s.pid)
    return source.body if source else ""
