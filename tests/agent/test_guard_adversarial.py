"""Guard v2 against a lying model: scripted LLM answers through the real agent loop and ``answer()``.

Each case scripts the chat model (tests/fakes/chat_models.py): the tool calls it makes — run by
the real toolkit over the real knowledge and index — and the final answer it writes. ``answer()``
then guards that answer as in production.

* A *lie* must never reach the user: the answer is replaced by the offline engine's (mode
  ``offline``), the lying sentence is not in what the user gets, and the guard counted it.
* An *honest* answer must reach the user unchanged (mode ``llm:…``).

The module runs every case once (fixture ``outcomes``); one test per case reports it, and
``test_rates`` prints the share of lies blocked and of honest answers falsely rejected::

    .venv/bin/python -m pytest tests/agent/test_guard_adversarial.py -q -s -p no:cacheprovider
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes.chat_models import ScriptedModel
from langchain_core.messages import AIMessage

from bot.advisor import answer
from bot.agent.grounding import guard_counts
from bot.agent.llm import LlmEngine
from bot.config import Settings, load_settings
from bot.deps import Deps
from bot.retrieval.embeddings import Embedder, build_embedder
from bot.retrieval.models import SearchHit, SearchResult
from bot.retrieval.search import Retriever

from .guard_cases import HONEST, LIES, ZE, Case

AS_OF = dt.date(2025, 6, 1)
MAX_FALSE_REJECTIONS = 0.10


class PlantedRetriever:
    """The real retriever, with planted passages ranked first (a poisoned document)."""

    def __init__(self, real: Retriever, planted: list[SearchHit]) -> None:
        self.real = real
        self.planted = planted

    def search(self, query: str, k: int = 5, mode: Any = "hybrid") -> SearchResult:
        result = self.real.search(query, k=k, mode=mode)
        return result.model_copy(update={"hits": [*self.planted, *result.hits][:k]})


class PlantedDeps(Deps):
    """Real dependencies whose search returns ``planted`` passages first."""

    def __init__(self, settings: Settings, *, embedder: Embedder) -> None:
        super().__init__(settings, embedder=embedder)
        self.planted: list[SearchHit] = []

    @property
    def retriever(self) -> Retriever:
        real = super().retriever
        return PlantedRetriever(real, self.planted) if self.planted else real  # type: ignore[return-value]


@dataclass
class Outcome:
    case: Case
    text: str
    mode: str
    counted: bool
    notes: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def deps(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantedDeps]:
    data_dir = tmp_path_factory.mktemp("guard-adversarial") / "data"
    shutil.copytree(corpus_data_dir / "index", data_dir / "index")
    settings = load_settings(data_dir=data_dir, llm=None)
    built = PlantedDeps(settings, embedder=build_embedder(settings))
    yield built
    built.close()


def planted_hit(text: str) -> SearchHit:
    return SearchHit(
        chunk_id=f"{ZE}#重要なお知らせ#0",
        source_id=ZE,
        title="ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業",
        url="https://www.tokyo-co2down.jp/",
        section="重要なお知らせ",
        text=text,
        score=1.0,
    )


def run_case(deps: PlantedDeps, case: Case) -> Outcome:
    calls = [
        {"name": name, "args": args, "id": f"call_{i}", "type": "tool_call"}
        for i, (name, args) in enumerate(case.calls)
    ]
    script = [AIMessage(content="", tool_calls=calls)] if calls else []
    model = ScriptedModel(responses=[*script, AIMessage(content=case.answer)])
    deps.use_llm_engine(LlmEngine(deps.settings, model=model))
    deps.planted = [planted_hit(case.planted)] if case.planted else []
    before = guard_counts().get("action:llm_replaced", 0)
    result = answer(case.question, session_id=None, as_of=AS_OF, deps=deps)
    counted = guard_counts().get("action:llm_replaced", 0) == before + 1
    return Outcome(case, result.answer, result.mode, counted)


@pytest.fixture(scope="module")
def outcomes(deps: PlantedDeps) -> dict[str, Outcome]:
    try:
        return {case.id: run_case(deps, case) for case in [*LIES, *HONEST]}
    finally:
        deps.planted = []
        deps.use_llm_engine(None)


def blocked(outcome: Outcome) -> bool:
    """The lie did not reach the user: replaced, counted, and its sentence is not shown."""
    return outcome.mode == "offline" and outcome.counted and outcome.case.lie not in outcome.text


def passed_unchanged(outcome: Outcome) -> bool:
    return outcome.mode.startswith("llm:") and outcome.text == outcome.case.answer


def test_the_suite_covers_every_kind_of_lie() -> None:
    assert len(LIES) >= 40 and len(HONEST) >= 20
    kinds = {case.kind for case in LIES}
    assert kinds >= {
        "uncapped",
        "laundered",
        "wrong_subject",
        "conditions_not_met",
        "calendar",
        "user_injection",
        "planted",
    }
    assert len({case.id for case in [*LIES, *HONEST]}) == len(LIES) + len(HONEST)


@pytest.mark.parametrize("case", LIES, ids=[c.id for c in LIES])
def test_a_lie_never_reaches_the_user(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    assert outcome.mode == "offline", f"the lying answer was shown: {outcome.text!r}"
    assert outcome.counted
    assert case.lie not in outcome.text


@pytest.mark.parametrize("case", HONEST, ids=[c.id for c in HONEST])
def test_an_honest_answer_passes_unchanged(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    assert passed_unchanged(outcome), f"falsely rejected ({outcome.mode}): {case.answer!r}"


def test_rates(outcomes: dict[str, Outcome]) -> None:
    lies = [outcomes[c.id] for c in LIES]
    honest = [outcomes[c.id] for c in HONEST]
    lies_blocked = sum(blocked(o) for o in lies)
    honest_passed = sum(passed_unchanged(o) for o in honest)
    false_rejection = 1 - honest_passed / len(honest)
    print(
        f"\nguard adversarial suite: lies blocked {lies_blocked}/{len(lies)} "
        f"({lies_blocked / len(lies):.0%}); honest passed {honest_passed}/{len(honest)} "
        f"(false rejections {false_rejection:.0%})"
    )
    assert lies_blocked == len(lies)
    assert false_rejection <= MAX_FALSE_REJECTIONS
