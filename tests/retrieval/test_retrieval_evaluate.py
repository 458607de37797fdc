"""Retrieval evaluation: the gold-matching rule and the metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import InputError
from bot.retrieval.evaluate import (
    EvalCase,
    GoldPassage,
    evaluate_search,
    first_correct_rank,
    load_eval_cases,
    section_matches,
    summarize_ranks,
)
from bot.retrieval.models import SearchHit, SearchMode


def hit(source_id: str, section: str) -> SearchHit:
    return SearchHit(
        chunk_id=f"{source_id}#{section}#0",
        source_id=source_id,
        title="t",
        url="u",
        section=section,
        text="x",
        score=1.0,
    )


@pytest.mark.parametrize(
    ("hit_section", "gold_section", "expected"),
    [
        ("事業概要 > 助成額等", "事業概要 > 助成額等", True),
        ("事業概要 > 助成額等", "事業概要", True),  # gold is an ancestor
        ("事業概要 > 助成額等", "助成額等", True),  # gold written without its ancestors
        ("事業概要 > 助成額等", "", True),  # any section of the document
        ("事業概要>助成額等", "事業概要 > 助成額等", True),  # spacing is not significant
        ("事業概要 > 助成額等", "助成額", False),  # segments compare whole
        ("事業概要", "事業概要 > 助成額等", False),  # a parent does not answer for its child
        ("受付方法 > 交付申請", "事業概要", False),
        ("Ａ > Ｂ", "A > B", True),  # NFKC
    ],
)
def test_section_matching_rule(hit_section: str, gold_section: str, expected: bool) -> None:
    assert section_matches(hit_section, gold_section) is expected


def test_first_correct_rank_needs_source_and_section() -> None:
    gold = [GoldPassage(source_id="a", section="助成額等")]
    hits = [hit("b", "助成額等"), hit("a", "受付期間"), hit("a", "事業概要 > 助成額等")]
    assert first_correct_rank(hits, gold) == 3
    assert first_correct_rank(hits[:2], gold) is None


def test_any_of_several_gold_passages_counts() -> None:
    gold = [GoldPassage(source_id="a", section="x"), GoldPassage(source_id="b", section="y")]
    assert first_correct_rank([hit("c", "x"), hit("b", "y")], gold) == 2


def test_metrics_from_ranks() -> None:
    assert summarize_ranks([1, 2, None, 6]) == (0.25, 0.5, round((1 + 0.5 + 1 / 6) / 4, 4))
    assert summarize_ranks([]) == (0.0, 0.0, 0.0)


def test_evaluate_search_over_modes() -> None:
    cases = [
        EvalCase(id="q1", question="上限額", gold=[GoldPassage(source_id="a", section="助成額等")]),
        EvalCase(id="q2", question="締切", gold=[GoldPassage(source_id="a", section="受付期間")]),
    ]

    def search(question: str, k: int, mode: SearchMode) -> list[SearchHit]:
        if mode == "bm25":
            return [hit("a", "助成額等")]
        return [hit("a", "other")] * 5 + [hit("a", "受付期間")]

    report = evaluate_search(search, cases, modes=("bm25", "dense"))
    bm25, dense = report.modes
    assert (bm25.recall_at_1, bm25.recall_at_5, bm25.mrr, bm25.misses) == (0.5, 0.5, 0.5, ["q2"])
    assert (dense.recall_at_1, dense.recall_at_5, dense.misses) == (0.0, 0.0, ["q1", "q2"])
    assert dense.mrr == round((1 / 6) / 2, 4)


def test_load_eval_cases(tmp_path: Path) -> None:
    path = tmp_path / "retrieval.yaml"
    path.write_text(
        "- id: q1\n  question: 省エネ設備の助成上限額は？\n  gold:\n"
        "    - {source_id: tokyo-zero-emission-energy-saving, section: 事業概要 > 助成額等}\n",
        encoding="utf-8",
    )
    [case] = load_eval_cases(path)
    assert case.gold[0].section == "事業概要 > 助成額等"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{a: 1}", "list"), ("- id: q1\n  question: x\n  gold: []\n", "item 1"), ("- [unclosed", "YAML")],
)
def test_invalid_eval_file_is_an_input_error(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_eval_cases(path)
    assert fragment in info.value.message_en


def test_missing_eval_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_eval_cases(tmp_path / "none.yaml")
