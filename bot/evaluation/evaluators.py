"""Evaluators: each checks one aspect of the advisor's answer to one turn against its ``Expect``.

Every evaluator is a small class with ``evaluate(case, turn, answer, context) -> list[Check]``;
it returns no check when the turn expects nothing of its kind (a turn without gold citations
gets no citation checks). A :class:`Check` is a named pass/fail result with a reason, and a
score where there is one (citation precision, latency, a judge's 1–5 rating). Checks with
``gating=False`` are reported but do not decide whether the turn passes (the LLM judge).

Text comparisons (required facts, forbidden claims, follow-up questions, refusal phrases)
are on NFKC-normalised text on both sides, so 「３ｔ」 matches 「3t」. Amounts compare as
integers of yen parsed from the answer text in any Japanese notation (「4,500万円」,
「45,000,000円」, 「四千五百万円」, 「¥45,000,000」 …).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.agent.base import EngineReply
from bot.agent.grounding import check_grounding
from bot.evaluation.dataset import Case, GoldSection, Turn
from bot.evaluation.thresholds import TurnBudgets
from bot.knowledge.loader import KnowledgeBase
from bot.models import Answer, Citation
from bot.retrieval.evaluate import section_matches
from bot.tools.parsing import find_yen_mentions

REFUSAL_PHRASES: tuple[str, ...] = (
    "対象外",
    "お答えできません",
    "お答えできかねます",
    "回答できません",
    "扱っていません",
    "扱っておりません",
    "取り扱っていません",
    "ご案内できません",
    "対応していません",
    "対応しておりません",
    "範囲外",
    "お手伝いできません",
    "cannot help",
    "can't help",
    "not able to help",
    "outside the scope",
    "do not cover",
    "does not cover",
)
"""Phrases by which an answer declines a question outside the advisor's scope."""

COVERAGE_PHRASES: tuple[str, ...] = (
    "ご案内しています",
    "についてご案内",
    "脱炭素",
    "補助金",
    "助成金",
    "decarbonisation",
    "decarbonization",
    "grants",
)
"""Phrases by which a refusal says what the advisor does cover (besides naming a programme)."""


class Check(BaseModel):
    """One named result: passed or not, why, and a score where the check has one."""

    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    reason: str = ""
    score: float | None = None
    gating: bool = True


@dataclass(frozen=True)
class EvalContext:
    """What the evaluators need besides the case, the turn and the answer."""

    knowledge: KnowledgeBase
    latency_s: float = 0.0
    budgets: TurnBudgets = field(default_factory=TurnBudgets)


class Evaluator(Protocol):
    """Checks one aspect of an answer."""

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]: ...


def normalise(text: str) -> str:
    """NFKC, the form both sides of every phrase comparison are in."""
    return unicodedata.normalize("NFKC", text)


def contains(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` after NFKC normalisation of both."""
    return normalise(phrase) in normalise(text)


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _yen_list(amounts: Iterable[int]) -> str:
    shown = [_yen(a) for a in amounts]
    return "、".join(shown) if shown else "なし"


# --- programmes ------------------------------------------------------------------------------


class ProgrammeMatch:
    """``answer.programmes`` ⊇ the expected programmes (== with ``programmes_exact``)."""

    name = "programmes"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        expected = turn.expect.programmes
        if expected is None:
            return []
        got = list(dict.fromkeys(answer.programmes))
        missing = [pid for pid in expected if pid not in got]
        extra = [pid for pid in got if pid not in expected]
        passed = not missing and not (extra and turn.expect.programmes_exact)
        reasons = []
        if missing:
            reasons.append(f"missing {missing}")
        if extra and turn.expect.programmes_exact:
            reasons.append(f"unexpected {extra}")
        reason = "; ".join(reasons) + f" (answer: {got})" if reasons else f"answer: {got}"
        return [Check(name=self.name, passed=passed, reason=reason)]


# --- amounts ---------------------------------------------------------------------------------


class AmountExactness:
    """Every expected yen amount appears in the answer text; ``no_amounts``: no yen amount at all."""

    name = "amounts"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        expect = turn.expect
        if not expect.amounts_yen and not expect.no_amounts:
            return []
        found = [m.value for m in find_yen_mentions(answer.answer)]
        if expect.no_amounts:
            texts = [m.text for m in find_yen_mentions(answer.answer)]
            if texts:
                return [
                    Check(name=self.name, passed=False, reason=f"no amount expected, answer states {texts}")
                ]
            return [Check(name=self.name, passed=True, reason="no yen amount stated")]
        missing = [a for a in expect.amounts_yen if a not in found]
        if missing:
            reason = f"missing {_yen_list(missing)}; answer states {_yen_list(dict.fromkeys(found))}"
            return [Check(name=self.name, passed=False, reason=reason)]
        return [Check(name=self.name, passed=True, reason=f"states {_yen_list(expect.amounts_yen)}")]


# --- required and forbidden phrases ----------------------------------------------------------


class RequiredFacts:
    """Every any-of phrase set has at least one phrase in the answer (NFKC on both sides)."""

    name = "required"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        groups = turn.expect.required
        if not groups:
            return []
        unmet = [group for group in groups if not any(contains(answer.answer, p) for p in group)]
        if unmet:
            shown = "; ".join(" / ".join(f"「{p}」" for p in group) for group in unmet)
            return [Check(name=self.name, passed=False, reason=f"none of {shown}")]
        return [Check(name=self.name, passed=True, reason=f"{len(groups)} phrase set(s) found")]


class ForbiddenClaims:
    """No forbidden phrase occurs in the answer (NFKC on both sides)."""

    name = "forbidden"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        phrases = turn.expect.forbidden
        if not phrases:
            return []
        present = [p for p in phrases if contains(answer.answer, p)]
        if present:
            return [
                Check(name=self.name, passed=False, reason="states " + "、".join(f"「{p}」" for p in present))
            ]
        return [Check(name=self.name, passed=True, reason="no forbidden phrase")]


# --- citations -------------------------------------------------------------------------------


def citation_matches(source_id: str, section: str, gold: GoldSection) -> bool:
    """Same document and the section equal to, inside (descendant) or around (ancestor) the gold one.

    Uses the retrieval evaluation's segment-wise matcher in both directions; a citation of a
    document's preamble (empty section) matches only an empty gold section.
    """
    if source_id != gold.source_id:
        return False
    if section_matches(section, gold.section):
        return True
    return bool(section.strip()) and section_matches(gold.section, section)


def cited_sections(citations: Sequence[Citation]) -> list[tuple[str, str]]:
    """The distinct (source_id, section) pairs an answer cites, in order."""
    return list(dict.fromkeys((c.source_id, c.section) for c in citations))


class CitationPrecision:
    """Share of the answer's distinct cited sections that match a gold section.

    Passes when at least the per-turn ``citation_precision`` budget; an answer that cites
    nothing has precision 0.
    """

    name = "citation_precision"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        gold = turn.expect.citations
        if not gold:
            return []
        cited = cited_sections(answer.citations)
        if not cited:
            return [Check(name=self.name, passed=False, reason="no citation", score=0.0)]
        relevant = [c for c in cited if any(citation_matches(c[0], c[1], g) for g in gold)]
        precision = round(len(relevant) / len(cited), 4)
        minimum = context.budgets.citation_precision
        passed = precision >= minimum and bool(relevant)
        off = [f"{sid} § {sec}" for sid, sec in cited if (sid, sec) not in relevant]
        reason = f"{len(relevant)}/{len(cited)} cited sections are gold (min {minimum:.2f})"
        if not passed and off:
            reason += "; not gold: " + "; ".join(off[:5]) + (" …" if len(off) > 5 else "")
        return [Check(name=self.name, passed=passed, reason=reason, score=precision)]


class CitationRecall:
    """Share of the gold sections the answer cites; passes when it cites at least one.

    Gold sections are passages a correct answer *may* cite (any one suffices, as in the
    retrieval evaluation); the score still counts how many of them were cited.
    """

    name = "citation_recall"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        gold = turn.expect.citations
        if not gold:
            return []
        cited = cited_sections(answer.citations)
        hit = [g for g in gold if any(citation_matches(sid, sec, g) for sid, sec in cited)]
        recall = round(len(hit) / len(gold), 4)
        if hit:
            reason = f"{len(hit)}/{len(gold)} gold sections cited"
        else:
            wanted = "; ".join(f"{g.source_id} § {g.section}" for g in gold)
            reason = f"none of the gold sections cited ({wanted})"
        return [Check(name=self.name, passed=bool(hit), reason=reason, score=recall)]


# --- groundedness ----------------------------------------------------------------------------


class Groundedness:
    """Every figure in the answer is backed by its tool calls or cited passages (check_grounding)."""

    name = "grounded"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        reply = EngineReply(
            answer=answer.answer,
            programmes=answer.programmes,
            citations=answer.citations,
            tool_calls=answer.tool_calls,
        )
        report = check_grounding(reply, answer.as_of, context.knowledge, turn.user)
        if report.ungrounded:
            texts = [f.text for f in report.ungrounded]
            return [Check(name=self.name, passed=False, reason=f"ungrounded figures {texts}")]
        return [Check(name=self.name, passed=True, reason=f"{len(report.figures)} figure(s), all grounded")]


# --- follow-up -------------------------------------------------------------------------------


class FollowUp:
    """``follow_up: true`` → the answer asks (and asks about each ``follow_up_about`` fact);
    ``follow_up: false`` → it asks nothing.

    A fact counts as asked when its input's question or label (from the programme's
    ``inputs``) occurs in the answer's follow-up questions.
    """

    name = "follow_up"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        wanted = turn.expect.follow_up
        if wanted is None:
            return []
        if wanted is False:
            if answer.follow_up:
                return [Check(name=self.name, passed=False, reason=f"asks again: {answer.follow_up[:3]}")]
            return [Check(name=self.name, passed=True, reason="asks nothing")]
        if not answer.follow_up:
            return [
                Check(name=self.name, passed=False, reason="asks nothing (a follow-up question was expected)")
            ]
        asked = "\n".join(answer.follow_up)
        programmes = [
            *([case.programme] if case.programme else []),
            *(turn.expect.programmes or []),
            *answer.programmes,
        ]
        not_asked = [
            name
            for name in turn.expect.follow_up_about
            if not any(
                contains(asked, phrase) for phrase in _input_phrases(context.knowledge, programmes, name)
            )
        ]
        if not_asked:
            return [Check(name=self.name, passed=False, reason=f"does not ask about {not_asked}")]
        about = f" incl. {list(turn.expect.follow_up_about)}" if turn.expect.follow_up_about else ""
        return [Check(name=self.name, passed=True, reason=f"asks {len(answer.follow_up)} question(s){about}")]


def _input_phrases(knowledge: KnowledgeBase, programmes: Sequence[str], name: str) -> list[str]:
    """The question and label of input ``name`` (Japanese, and English where the programme has
    them) in the first of ``programmes`` that declares it."""
    for pid in dict.fromkeys(programmes):
        programme = knowledge.programmes.get(pid)
        if programme is None:
            continue
        english = programme.english.inputs.get(name) if programme.english else None
        for spec in programme.inputs:
            if spec.name == name:
                # an English answer asks with the programme's English question
                return [spec.question, spec.label, *([english.question, english.label] if english else [])]
    return [name]


# --- refusal ---------------------------------------------------------------------------------


class Refusal:
    """A refusal names no programme, states no amount, says it cannot help with that, and says
    what the advisor does cover (a programme's name or a coverage phrase)."""

    name = "refusal"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        if not turn.expect.refusal:
            return []
        problems: list[str] = []
        if answer.programmes:
            problems.append(f"names programmes {answer.programmes}")
        amounts = [m.text for m in find_yen_mentions(answer.answer)]
        if amounts:
            problems.append(f"states amounts {amounts}")
        if not any(contains(answer.answer, p) for p in REFUSAL_PHRASES):
            problems.append("no refusal phrase (対象外 / お答えできません / 扱っていません …)")
        if not _mentions_coverage(answer.answer, context.knowledge):
            problems.append("does not say what the advisor covers")
        if problems:
            return [Check(name=self.name, passed=False, reason="; ".join(problems))]
        return [Check(name=self.name, passed=True, reason="declines and says what is covered")]


def _mentions_coverage(text: str, knowledge: KnowledgeBase) -> bool:
    names = [p.name.value for p in knowledge.programmes.values()]
    names += [alias for p in knowledge.programmes.values() for alias in p.aliases]
    return any(contains(text, phrase) for phrase in [*names, *COVERAGE_PHRASES])


# --- latency ---------------------------------------------------------------------------------


class Latency:
    """The turn's wall-clock time, against the budget for the answer's mode."""

    name = "latency"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        budget = context.budgets.latency_budget(answer.mode)
        seconds = round(context.latency_s, 3)
        passed = seconds <= budget
        return [
            Check(
                name=self.name, passed=passed, reason=f"{seconds:.2f} s (budget {budget:g} s)", score=seconds
            )
        ]


# --- LLM as judge (optional) -----------------------------------------------------------------

JUDGE_PROMPT = """あなたは日本の中小企業向け補助金アドバイザーの回答を評価する審査員です。
次の「質問」に対する「回答」を、二つの観点で 1〜5 の整数で採点してください。

- fluency: 日本語として自然で読みやすいか（5: 非常に自然、1: 読めない）
- helpfulness: 質問に的確に答え、次に何をすればよいか分かるか（5: 非常に役立つ、1: 役に立たない）

出力は JSON のみ: {{"fluency": <1-5>, "helpfulness": <1-5>, "reason": "<短い理由>"}}

## 質問
{question}

## 回答
{answer}
"""
JUDGE_ASPECTS = ("fluency", "helpfulness")
JUDGE_PASS = 3
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class LlmJudge:
    """Fluency and helpfulness (1–5) rated by a chat model; reported, never gating.

    ``model`` is a LangChain chat model (``invoke(str)`` returning a message). The runner
    builds one only when an LLM is configured (``ADVISOR_LLM``); without one this evaluator
    is simply not used. A judge that fails or answers nonsense yields a non-gating failed check.
    """

    name = "judge"

    def __init__(self, model: Any) -> None:
        self.model = model

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        prompt = JUDGE_PROMPT.format(question=turn.user, answer=answer.answer)
        try:
            reply = self.model.invoke(prompt)
            ratings = parse_judgement(_message_text(reply))
        except Exception as exc:  # a judge failure must never break the evaluation
            reason = f"judge failed: {type(exc).__name__}: {exc}"[:300]
            return [
                Check(name=f"judge_{aspect}", passed=False, reason=reason, gating=False)
                for aspect in JUDGE_ASPECTS
            ]
        why = str(ratings.get("reason", ""))[:200]
        checks: list[Check] = []
        for aspect in JUDGE_ASPECTS:
            value = int(ratings[aspect])
            checks.append(
                Check(
                    name=f"judge_{aspect}",
                    passed=value >= JUDGE_PASS,
                    reason=f"{value}/5 {why}".strip(),
                    score=float(value),
                    gating=False,
                )
            )
        return checks


def parse_judgement(text: str) -> dict[str, Any]:
    """The judge's JSON object; ValueError unless both ratings are integers 1–5."""
    match = _JSON_OBJECT.search(text)
    if match is None:
        raise ValueError(f"no JSON object in the judge's reply: {text[:120]!r}")
    data = json.loads(match.group(0))
    if not isinstance(data, dict):
        raise ValueError("the judge's reply is not a JSON object")
    for aspect in JUDGE_ASPECTS:
        value = data.get(aspect)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 5:
            raise ValueError(f"{aspect} is not a rating 1–5: {value!r}")
        data[aspect] = int(value)
    return data


def _message_text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


# --- the default set -------------------------------------------------------------------------


def default_evaluators() -> list[Evaluator]:
    """Every deterministic evaluator, in report order."""
    from bot.evaluation.answer_checks import LanguageCheck, StatusCheck, VerdictCheck

    return [
        ProgrammeMatch(),
        AmountExactness(),
        RequiredFacts(),
        ForbiddenClaims(),
        VerdictCheck(),
        StatusCheck(),
        LanguageCheck(),
        CitationPrecision(),
        CitationRecall(),
        Groundedness(),
        FollowUp(),
        Refusal(),
        Latency(),
    ]


def evaluate_turn(
    case: Case,
    turn: Turn,
    answer: Answer,
    context: EvalContext,
    evaluators: Sequence[Evaluator] | None = None,
) -> list[Check]:
    """All checks of one answered turn."""
    checks: list[Check] = []
    for evaluator in evaluators if evaluators is not None else default_evaluators():
        checks.extend(evaluator.evaluate(case, turn, answer, context))
    return checks


def turn_passed(checks: Iterable[Check]) -> bool:
    """A turn passes when every gating check passes."""
    return all(check.passed for check in checks if check.gating)


__all__ = [
    "COVERAGE_PHRASES",
    "REFUSAL_PHRASES",
    "AmountExactness",
    "Check",
    "CitationPrecision",
    "CitationRecall",
    "EvalContext",
    "Evaluator",
    "FollowUp",
    "ForbiddenClaims",
    "Groundedness",
    "Latency",
    "LlmJudge",
    "ProgrammeMatch",
    "Refusal",
    "RequiredFacts",
    "citation_matches",
    "contains",
    "default_evaluators",
    "evaluate_turn",
    "normalise",
    "parse_judgement",
    "turn_passed",
]
