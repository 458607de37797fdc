"""The offline engine: a deterministic dialogue manager over the toolkit.

Per turn: detect the programme (name/alias → keywords → the session's programme → retrieval)
and the intents (keyword rules, and the semantic router over ``knowledge/intents.yaml`` where
the rules do not decide; an unclear message gets one clarifying question), read the facts the
message states (merged into the session's slots; a short reply answers the question asked last
turn), then answer each intent with the tools and the templates, asking one follow-up question
when a fact is missing. Numbers only ever come from
tool results or sourced programme facts; the user's text is never echoed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.agent.base import EngineReply, TurnContext
from bot.agent.offline import answers, coverage, discovery, english_info, info
from bot.agent.offline.basis import basis
from bot.agent.offline.clarify import clarify
from bot.agent.offline.detect import Detection, detect, mask_programmes, normalise
from bot.agent.offline.direct import direct_answer
from bot.agent.offline.editions import named_editions
from bot.agent.offline.language import only_asks_for_a_language, turn_language
from bot.agent.offline.memory import update_slots
from bot.agent.offline.policy import COST_SLOTS, condition_facts, named_category, prune
from bot.agent.offline.render import bullets, join_sections, render, sources_block
from bot.agent.offline.router import IntentRouter, intent_router
from bot.agent.offline.situation import Section, Situation, programme_facts, related, safe_search
from bot.agent.offline.slots import PRETEND, Extraction, answer_pending, extract, implied_facts
from bot.agent.offline.slots_en import answer_pending_english, extract_english
from bot.agent.offline.verdicts import (
    is_yes_no,
)
from bot.agent.toolkit import Toolkit
from bot.knowledge.intents import Intent
from bot.knowledge.models import Programme, RateCapCalculation, WorksheetCalculation
from bot.retrieval.models import SearchHit

MAX_INTENTS = 3
SHORT_REPLY = 12  # characters: 「はい、受けました」 answers the question asked; a longer question does not
PROGRAMME_INTENTS: frozenset[str] = frozenset(
    {
        "amount",
        "comparison",
        "rate_cap",
        "eligible_costs",
        "eligibility",
        "deadline",
        "how_to_apply",
        "contact",
        "overview",
        "general",
    }
)
RELATED_INTENTS = frozenset(
    {"eligibility", "deadline", "how_to_apply", "contact", "overview", "eligible_costs", "rate_cap"}
)
ASKS_WITH_COSTS = frozenset({"eligibility", "eligible_costs", "rate_cap", "general"})
CARRY_INTENTS = ("amount", "comparison", "eligibility")
TRANSIENT_SLOTS = ("pending_intent", "pending_fact", "last_intent", "previous_intent", "programme_id", "lang")
_BETWEEN = re.compile(r"((?<!間)違い|比較|比べ|どっちの制度|どちらの制度)(?!.*区分)")
_CONTENT = re.compile(
    r"[一-龥々]{2,}|[ァ-ヶー]{2,}|[a-z]{4,}", re.IGNORECASE
)  # words documents could contain
WHICH_PROGRAMME_EXAMPLES = 3
CLARIFY = "clarify"  # not an intent of the examples: the engine's answer to an unclear message
log = logging.getLogger(__name__)


class OfflineEngine:
    """The default engine when no LLM is configured, and the fallback when the LLM fails."""

    @property
    def mode(self) -> str:
        return "offline"

    def respond(self, ctx: TurnContext, toolkit: Any) -> EngineReply:
        return _Turn(ctx, toolkit).run()


@dataclass
class _Plan:
    intents: list[str]
    programme: Programme | None
    others: list[str] = field(default_factory=list)


class _Turn:
    def __init__(self, ctx: TurnContext, toolkit: Toolkit) -> None:
        self.ctx = ctx
        self.toolkit = toolkit
        for edition in named_editions(toolkit, ctx.message):
            toolkit.use_edition(edition.id)
        self.programmes = toolkit.programmes
        self.slots: dict[str, Any] = {k: v for k, v in ctx.slots.items() if v is not None}
        self.hits: list[SearchHit] | None = None
        self.others: list[str] = []
        self.topical: list[str] = []
        self.given: set[str] = set()  # the facts this message states
        self.uncovered = ""  # the topic no programme covers (「太陽光」), in the advisor's words
        self.uncovered_region = False
        self.lang = turn_language(ctx.message, self.programmes, ctx.slots.get("lang"))

    # --- the turn --------------------------------------------------------------------------

    def run(self) -> EngineReply:
        det = detect(self.programmes, self.ctx.message, self._router(), lang=self.lang)
        self.topical = det.programmes
        previous = self.slots.get("programme_id")
        previous = previous if previous in self.programmes else None
        pid = det.programmes[0] if det.programmes else previous
        ext = extract(self.ctx.message, self.programmes[pid] if pid else None)
        if self.lang == "en":
            extract_english(self.ctx.message, self.programmes[pid] if pid else None, ext)
        implied_facts(self.ctx.message, ext)
        category = named_category(self.ctx.message, self.programmes[pid] if pid else None)
        if category is not None:
            ext.changes["category"] = category
        answered = self._answer_pending(ext, pid, det)
        given = {k for k in ext.changes if k not in TRANSIENT_SLOTS}
        self.given = given
        plan = self._plan(det, ext, pid, previous, given, answered)
        self._update_slots(ext, plan, previous)
        return self._reply(det, ext, plan)

    def _router(self) -> IntentRouter | None:
        """The intent router over the served knowledge's examples (None: keyword rules only)."""
        deps = self.toolkit.deps
        try:
            return intent_router(deps.embedder, deps.knowledge.intents, deps.settings.data_dir / "cache")
        except Exception as exc:  # an embedder failure costs the router, never the answer
            log.warning("intent router unavailable, keyword rules only: %s", exc)
            return None

    def _answer_pending(self, ext: Extraction, pid: str | None, det: Detection) -> bool:
        fact = self.slots.get("pending_fact")
        if not fact or fact in ext.changes or (det.programmes and pid != self.slots.get("programme_id")):
            return False
        if len(self.ctx.message) > SHORT_REPLY and (det.intents or det.routed):
            return False  # a new question, not an answer to the last one
        if fact == "eligible_cost_yen":
            kind = "yen"
        else:
            specs = {s.name: s for p in self.programmes.values() for s in p.inputs}
            spec = specs.get(fact)
            if spec is None:
                return False
            kind = spec.type
        read = answer_pending_english if self.lang == "en" else answer_pending
        value = read(self.ctx.message, kind)
        if value is None:
            return False
        ext.changes[fact] = value
        if fact == "eligible_cost_yen":
            ext.changes["costs"] = None
        return True

    def _plan(
        self,
        det: Detection,
        ext: Extraction,
        pid: str | None,
        previous: str | None,
        given: set[str],
        answered: bool,
    ) -> _Plan:
        intents: list[str] = list(det.intents)
        if only_asks_for_a_language(self.ctx.message) and self.slots.get("previous_intent") and pid:
            # 「さっきのやつ、English please」: the last answer again, in the language asked for
            return _Plan([str(self.slots["previous_intent"])], self.programmes[pid])
        if det.elsewhere:
            self.uncovered = det.elsewhere_topic or ""
            self.uncovered_region = det.elsewhere_region
            return _Plan(["coverage"], None)
        if (det.off_topic and not det.in_domain) or det.creative:
            return _Plan(["chatter"], None)
        if det.capabilities and not det.programmes:
            return _Plan(["greeting"], None)
        if not intents:
            intents = [self._implicit_intent(det, ext, pid, given, answered)]
        intents = prune(intents, det, self.slots | ext.changes, self.ctx.message)
        money = self._money_facts(pid)
        named = intents == ["find"] and bool(det.programmes)  # «J-VER: cost 10M, donations 2.5M …?»
        if given & money and "amount" not in intents and (set(intents) <= ASKS_WITH_COSTS or named):
            # 「消費税込みの220万が対象になる？」「補助対象経費は1,900万円の間違いでした」: the amount
            intents = ["amount", *(i for i in intents if i != "find")]
        if intents[0] in ("greeting", "out_of_scope", "coverage", CLARIFY):
            return _Plan(intents[:1], None)
        if intents == ["find"]:
            return _Plan(intents, None)
        if "comparison" in intents and (
            len(det.programmes) > 1 and (det.named or _BETWEEN.search(self.ctx.message))
        ):
            self.others = det.programmes[1:]
            return _Plan(["programmes"], self.programmes[det.programmes[0]], self.others)
        if pid is None:
            pid = self._retrieve_programme(det)
        programme = self.programmes[pid] if pid else None
        if programme is not None and not isinstance(programme.calculation, RateCapCalculation):
            # no categories to compare (a worksheet or no calculation): 「どっちに当たる？」 is a question
            # for the documents
            intents = ["general" if i == "comparison" else i for i in intents]
        return _Plan(list(dict.fromkeys(intents))[:MAX_INTENTS], programme)

    def _implicit_intent(
        self, det: Detection, ext: Extraction, pid: str | None, given: set[str], answered: bool
    ) -> str:
        pending = self.slots.get("pending_intent")
        last = self.slots.get("last_intent")
        if det.greeting and not given:
            return "greeting"
        if answered and pending:
            return str(pending)
        if given & self._money_facts(pid):
            return "amount"
        if given and pending:
            return str(pending)
        if given and pid and not (given & (self._calculation_facts(pid) | set(COST_SLOTS))):
            return "eligibility"  # only requirement facts (都内か, 羽田・成田の割合 …): check them
        if pid and given & self._calculation_facts(pid) and any(self.slots.get(k) for k in COST_SLOTS):
            return "amount"  # 「大企業ならどう？」 with costs known: the amount changes
        if given and last in CARRY_INTENTS:
            return str(last)
        if det.find:
            return "find"
        if det.routed is not None:
            return det.routed  # no rule fired; the router is confident
        if det.programmes and not given:
            return "overview"
        if given and pid:
            return "eligibility"
        if given:
            return "find"
        if self.slots.get("programme_id") and det.unclear and not det.programmes:
            return self._follow_up_intent(det)
        if det.in_domain or self.slots.get("programme_id"):
            # ask rather than guess, unless the message says enough to search the documents for
            return CLARIFY if det.unclear and not det.specific else "general"
        return "out_of_scope"

    def _follow_up_intent(self, det: Detection) -> str:
        """A short follow-up about the session's programme (「次は？」「平日のお昼は？」「登録先は？」):
        the topic of the last answer when the router ranks it among its two best readings, else
        the documents are searched for the message's words; only a message with no words to
        search on gets a clarifying question."""
        previous = self.slots.get("previous_intent")
        ranked = det.routing.top(2) if det.routing else []
        if previous in ranked and previous in PROGRAMME_INTENTS:
            return str(previous)
        return "general" if _CONTENT.search(mask_programmes(self.programmes, self.ctx.message)) else CLARIFY

    def _money_facts(self, pid: str | None) -> set[str]:
        """The amounts a calculation of the programme reads: costs, or its worksheet's lines."""
        calc = self.programmes[pid].calculation if pid else None
        if not isinstance(calc, WorksheetCalculation):
            return set(COST_SLOTS)
        return set(COST_SLOTS) | {line.input for line in calc.lines if line.input}

    def _calculation_facts(self, pid: str) -> set[str]:
        """The facts that choose a category or fill a worksheet line of the programme."""
        calc = self.programmes[pid].calculation
        names: set[str] = {"is_sme", "org_type", "capital_yen", "employees", "industry"}
        if isinstance(calc, RateCapCalculation):
            for category in calc.categories:
                names |= condition_facts(category.when)
        elif isinstance(calc, WorksheetCalculation):
            names |= {line.input for line in calc.lines if line.input}
        return names

    def _retrieve_programme(self, det: Detection) -> str | None:
        self.hits = safe_search(self.toolkit, self.ctx.message, k=5)
        return next((h.source_id for h in self.hits if h.source_id in self.programmes), None)

    def _update_slots(self, ext: Extraction, plan: _Plan, previous: str | None) -> None:
        pid = plan.programme.id if plan.programme else previous
        update_slots(self.slots, ext, pid, previous, self.ctx.message, self.lang)

    # --- answering ---------------------------------------------------------------------------

    def _reply(self, det: Detection, ext: Extraction, plan: _Plan) -> EngineReply:
        situation = Situation(
            toolkit=self.toolkit,
            message=self.ctx.message,
            programme=plan.programme,
            slots=self.slots,
            facts=programme_facts(plan.programme, self.slots) if plan.programme else {},
            costs=self._costs(plan.programme),
            eligible_cost_yen=self.slots.get("eligible_cost_yen"),
            claimed_percents=ext.claimed_percents,
            claimed_yen=ext.claimed_yen,
            hits=self.hits,
            category=self.slots.get("category") if "comparison" not in plan.intents else None,
            given=self.given,
            lang=self.lang,
        )
        sections: list[tuple[str, Section]] = []
        programmes: list[str] = []
        for intent in plan.intents:
            section, ids = self._answer(intent, situation, det)
            sections.append((intent, section))
            programmes += [pid for pid in ids if pid not in programmes]
        lang = self.lang
        if sections and plan.programme is not None and is_yes_no(self.ctx.message, lang):
            sections[0] = direct_answer(
                sections[0], situation, lang, self.given, mask_programmes(self.programmes, self.ctx.message)
            )
        parts = [render("common.injection", lang=lang)] if det.injection else []
        if PRETEND.search(normalise(self.ctx.message)):
            parts.append(render("common.pretend", lang=lang))
        parts += [section.text for _, section in sections]
        if plan.programme is not None and set(plan.intents) & RELATED_INTENTS:
            parts.append(english_info.related(situation) if lang == "en" else related(situation))
        if ext.approximate:
            parts.append(render("common.approximate", lang=lang))
        if ext.bounded:
            parts.append(render("common.bounded", lang=lang))
        if plan.programme is not None and set(plan.intents) & PROGRAMME_INTENTS:
            closed_note = "deadline" not in plan.intents
            if lang == "en":
                parts.append(english_info.basis(self.toolkit, plan.programme, closed_note))
            else:
                parts.append(basis(self.toolkit, plan.programme, closed_note))
        asking = next(((intent, s) for intent, s in sections if s.follow_up), None)
        self._remember(plan, asking)
        return EngineReply(
            answer=join_sections(*parts, sources_block(self.toolkit.citations, lang)),
            lang=lang,
            programmes=programmes,
            citations=self.toolkit.citations,
            tool_calls=self.toolkit.calls,
            follow_up=asking[1].follow_up if asking else [],
            slot_changes=self._slot_changes(),
        )

    def _answer(self, intent: str, s: Situation, det: Detection) -> tuple[Section, list[str]]:
        if intent in ("chatter", "out_of_scope"):
            return coverage.chatter(self.lang), []
        if intent == "coverage":
            return coverage.not_covered(s, self.uncovered, self._ordered(), self.uncovered_region), []
        if self.lang == "en":
            return self._answer_english(intent, s, det)
        if intent == CLARIFY:
            return self._clarify(det), []
        if intent == "out_of_scope":
            return Section(render("out_of_scope", programmes=self._programme_list())), []
        if intent == "greeting":
            thanks = re.search(r"ありがとう|助かり|thank", normalise(self.ctx.message))
            name = "greeting.thanks" if thanks else "greeting.hello"
            return Section(render(name, programmes=self._programme_list())), []
        if intent == "find":
            return discovery.find(s, self.topical)
        if intent == "programmes":
            return self._compare_programmes(s), [s.pid, *self.others]
        if s.programme is None:
            if intent == "general":
                return info.general(s), sorted(
                    {c.source_id for c in self.toolkit.citations} & set(self.programmes)
                )
            question = self._which_programme()
            text = render("common.follow_up", question=question) + "\n\n" + self._programme_list()
            return Section(text, follow_up=[question]), []
        handler = {
            "amount": answers.amount,
            "comparison": answers.comparison,
            "rate_cap": answers.rate_cap,
            "eligible_costs": answers.eligible_costs,
            "eligibility": info.eligibility,
            "deadline": info.deadline,
            "how_to_apply": info.how_to_apply,
            "contact": info.contact,
            "overview": info.overview,
            "general": info.general,
        }[intent]
        return handler(s), [s.pid]

    def _answer_english(self, intent: str, s: Situation, det: Detection) -> tuple[Section, list[str]]:
        if intent == CLARIFY:
            pid = self.slots.get("programme_id")
            ranked = [i for i, _ in det.routing.scores] if det.routing else []
            return english_info.clarify(ranked, self.programmes.get(pid) if pid else None), []
        thanks = bool(re.search(r"thank|ありがとう", normalise(self.ctx.message)))
        return english_info.answer(
            intent,
            s,
            self.programmes,
            thanks=thanks,
            topical=self.topical,
            others=self.others,
        )

    def _clarify(self, det: Detection) -> Section:
        pid = self.slots.get("programme_id")
        return clarify(det, self.programmes.get(pid) if pid else None)

    def _compare_programmes(self, s: Situation) -> Section:
        texts = []
        for pid in [s.pid, *self.others]:
            other = Situation(self.toolkit, s.message, self.programmes[pid], self.slots, {}, {}, None)
            texts.append(info.overview(other, short=True).text)
        return Section(render("overview.comparison", sections="\n\n".join(texts)))

    def _remember(self, plan: _Plan, asking: tuple[str, Section] | None) -> None:
        for key in ("pending_intent", "pending_fact"):
            self.slots.pop(key, None)
        if asking is not None and asking[1].pending_fact:
            self.slots["pending_intent"] = asking[0]
            self.slots["pending_fact"] = asking[1].pending_fact
        if plan.intents and plan.intents[0] in CARRY_INTENTS:
            self.slots["last_intent"] = plan.intents[0]
        if plan.intents and plan.intents[0] in PROGRAMME_INTENTS:
            self.slots["previous_intent"] = plan.intents[0]  # what the last answer was about

    def _slot_changes(self) -> dict[str, Any]:
        before = {k: v for k, v in self.ctx.slots.items() if v is not None}
        changes: dict[str, Any] = {k: v for k, v in self.slots.items() if before.get(k) != v}
        changes.update({k: None for k in before if k not in self.slots})
        return changes

    def _costs(self, programme: Programme | None) -> dict[str, int]:
        costs = self.slots.get("costs") or {}
        if programme is None or not isinstance(costs, dict):
            return {}
        calc = programme.calculation
        ids = {i.id for i in getattr(calc, "cost_items", [])} | {
            i.id for i in getattr(calc, "excluded_costs", [])
        }
        return {k: int(v) for k, v in sorted(costs.items()) if k in ids}

    def _ordered(self) -> list[Programme]:
        return sorted(self.programmes.values(), key=lambda p: (p.vocabulary.order, p.id))

    def _which_programme(self) -> str:
        """「どの制度についてのご質問ですか？（例: …）」 with the first programmes' short names."""
        examples = "、".join(p.short_name for p in self._ordered()[:WHICH_PROGRAMME_EXAMPLES])
        return f"どの制度についてのご質問ですか？（例: {examples} など）"

    def _programme_list(self) -> str:
        return bullets(f"{p.name.value}（{p.publisher.value}）" for p in self._ordered())


__all__ = ["Intent", "OfflineEngine"]
