"""The guard: every figure of an answer must be stated by evidence about the same subject.

A claim (:mod:`~bot.agent.grounding.claims`) is grounded when some evidence
(:mod:`~bot.agent.grounding.evidence`) has its value (4,500万円 = 45,000,000円; 3/4 = 75%; 666万円
for 6,666,666円 rounded to 万円; 12月25日 for 2026-12-25) and is about

* the programme the sentence attaches it to (evidence from a document about no programme, such
  as a law, and the as-of date are about every programme);
* its category, when the sentence names one — evidence without a category counts unless other
  evidence gives that value to another category; likewise the application round of a date;
* a compatible field (a cap is grounded by a cap, not by a cost or a subtotal);
* and, for a yen amount stated as the grant, a calculator's amount for a category whose
  conditions are not known to fail (unless the sentence itself says they are not met).

Independently, a cap or a rate stated with a definite word (上限, 助成率) for a programme whose
categories are known must be one of those categories' caps or rates (of the category named).

A denied figure (「6,000万円ではなく」) needs only to appear somewhere in the evidence; a figure only a
calculation step states (cost × rate before the cap) must be presented as one (=, ×, 3/4 …).
Every rejected figure is logged with its reason and counted in :data:`GUARD_COUNTS`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from bot.agent.base import EngineReply
from bot.agent.grounding.catalogue import Catalogue, catalogue_for, catalogue_from_results
from bot.agent.grounding.claims import Claim, find_claims
from bot.agent.grounding.evidence import Evidence, EvidenceSet, collect_evidence
from bot.knowledge.loader import KnowledgeBase
from bot.tools.figures import Figure

log = logging.getLogger("bot.agent.grounding")

REASONS = {
    "not_in_evidence": "no tool result or cited passage states this figure",
    "wrong_programme": "the evidence states this figure for another programme",
    "wrong_category": "the evidence states this figure for another category",
    "wrong_round": "the evidence states this date for another application round",
    "wrong_field": "the evidence states this figure as something else (e.g. a cost, not a cap)",
    "intermediate": "only a calculation step (cost × rate before the cap) states it; the sentence does not",
    "not_a_grant": "stated as the grant, but no calculator returned it as the grant",
    "conditions_not_met": "a calculator amount for a category whose conditions are not met",
    "contradicts_facts": "contradicts the programme's rate or cap for that category",
}
_COMPATIBLE = {"subtotal": None}  # a subtotal (cost × rate = …) may restate any computed value
ARITHMETIC = re.compile(r"[×=＝]|掛け|乗じ|計算|\d\s*/\s*\d|分の|割|%|％")
GUARD_COUNTS: Counter[str] = Counter()
"""What the guard did since start: ``reason:<reason>`` per rejected figure and
``action:<action>`` per answer (``llm_replaced``, ``offline_lines_removed``). Read it with
:func:`guard_counts`."""
_COUNTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Finding:
    """A rejected figure: the claim and why."""

    claim: Claim
    reason: str

    @property
    def figure(self) -> Figure:
        return self.claim.figure


@dataclass(frozen=True)
class GroundingReport:
    """Which figures of an answer are not backed by evidence about the same subject."""

    figures: list[Figure]
    ungrounded: list[Figure]
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.ungrounded


def check_grounding(
    reply: EngineReply,
    as_of: dt.date,
    knowledge: KnowledgeBase | None = None,
    question: str = "",
) -> GroundingReport:
    """Check every figure in ``reply.answer`` against the reply's own evidence.

    ``knowledge`` names the programmes and their categories (without it, the tool results'
    names are used); ``question`` (the user's message) only narrows which programme an answer
    that names none is about — it is never evidence.
    """
    catalogue = (
        catalogue_for(knowledge)
        if knowledge is not None
        else catalogue_from_results(call.result for call in reply.tool_calls)
    )
    claims = find_claims(reply.answer, catalogue, reply.programmes, question)
    if not claims:
        return GroundingReport(figures=[], ungrounded=[])
    evidence = collect_evidence(reply, as_of, catalogue)
    findings = [Finding(c, reason) for c in claims if (reason := judge(c, evidence, catalogue)) is not None]
    for finding in findings:
        log.warning(
            "ungrounded figure %r (%s: %s) in %r",
            finding.figure.text,
            finding.reason,
            REASONS[finding.reason],
            finding.claim.sentence[:120],
        )
    return GroundingReport(
        figures=[c.figure for c in claims],
        ungrounded=[f.figure for f in findings],
        findings=findings,
    )


def judge(claim: Claim, evidence: EvidenceSet, catalogue: Catalogue) -> str | None:
    """None when ``claim`` is grounded, else the reason (a key of :data:`REASONS`)."""
    pool = evidence.find(claim.figure.kind, claim.figure.value)
    if not pool:
        return "not_in_evidence"
    if claim.negated:
        return None
    veto = contradicts_facts(claim, catalogue)
    if veto:
        return veto
    pool = [
        e for e in pool if claim.programmes is None or e.programme is None or e.programme in claim.programmes
    ]
    if not pool:
        return "wrong_programme"
    pool = [e for e in pool if _same_category(claim, e, pool)]
    if not pool:
        return "wrong_category"
    pool = [e for e in pool if _same_round(claim, e, pool)]
    if not pool:
        return "wrong_round"
    if not claim.grant:
        pool = [e for e in pool if compatible(claim.field, e.field)]
        if not pool:
            return "wrong_field"
        if all(e.field == "subtotal" for e in pool) and not _shows_arithmetic(claim):
            return "intermediate"
        return None
    if any(e.grant for e in pool):
        return None
    failed = any(e.failed for e in pool)
    if failed and claim.conditions_not_met:
        return None
    return "conditions_not_met" if failed else "not_a_grant"


def _same_category(claim: Claim, item: Evidence, pool: Sequence[Evidence]) -> bool:
    if claim.category is None or item.category == claim.category:
        return True
    if item.category is not None:
        return False
    return not any(
        other.category not in (None, claim.category) and compatible(claim.field, other.field)
        for other in pool
    )


def _shows_arithmetic(claim: Claim) -> bool:
    """The sentence presents the figure as a step of a calculation (=, ×, 3/4, 計算)."""
    return claim.field == "subtotal" or ARITHMETIC.search(claim.sentence) is not None


def _same_round(claim: Claim, item: Evidence, pool: Sequence[Evidence]) -> bool:
    if claim.round is None or item.round == claim.round:
        return True
    return item.round is None and not any(other.round not in (None, claim.round) for other in pool)


def compatible(claimed: str | None, stated: str | None) -> bool:
    """Whether evidence stated as ``stated`` can back a figure claimed as ``claimed``."""
    if claimed is None or stated is None or claimed == stated:
        return True
    return claimed in _COMPATIBLE


def contradicts_facts(claim: Claim, catalogue: Catalogue) -> str | None:
    """「contradicts_facts」 when a definite cap or rate is none of the categories' caps or rates
    (of the category the sentence names, if it names one)."""
    if not claim.strong or claim.programmes is None or claim.field not in ("cap", "rate"):
        return None
    allowed: set[object] = set()
    for pid in claim.programmes:
        info = catalogue.programmes.get(pid)
        if info is None:
            continue
        categories = [info.category(claim.category)] if claim.category else list(info.categories)
        for category in categories:
            if category is not None:
                allowed.add(category.cap if claim.field == "cap" else category.rate)
    allowed.discard(None)
    if not allowed:
        return None
    value = claim.figure.value
    if claim.figure.kind == "percent" and isinstance(value, Fraction):
        value = value / 100
    if claim.field == "cap" and claim.figure.kind != "yen":
        return None
    if claim.field == "rate" and claim.figure.kind not in ("rate", "percent"):
        return None
    return None if value in allowed else "contradicts_facts"


def remove_ungrounded_lines(answer: str, ungrounded: Iterable[Figure]) -> str:
    """Drop every line that states an ungrounded figure (the offline engine's last resort)."""
    bad = [f.text for f in ungrounded]
    kept = [line for line in answer.splitlines() if not any(text in line for text in bad)]
    return "\n".join(kept)


def count(report: GroundingReport, action: str) -> None:
    """Record what the guard did with an answer: the action and each rejected figure's reason."""
    with _COUNTS_LOCK:
        GUARD_COUNTS[f"action:{action}"] += 1
        for finding in report.findings:
            GUARD_COUNTS[f"reason:{finding.reason}"] += 1


def guard_counts() -> dict[str, int]:
    """A snapshot of :data:`GUARD_COUNTS` (for a health or metrics endpoint)."""
    with _COUNTS_LOCK:
        return dict(GUARD_COUNTS)
