"""Retrieval evaluation: recall@1, recall@5 and MRR of ranked hits against gold passages.

Dataset (``eval/retrieval.yaml``): a YAML list of
``{id, question, gold: [{source_id, section}]}``.

A hit is **correct** for a gold entry when its ``source_id`` is equal and its section
(heading path, segments separated by ``>``) matches the gold section segment-wise, after
NFKC normalisation and trimming each segment:

* the gold section is empty (any passage of the document counts), or
* the paths are equal, or
* the gold path is a prefix of the hit's path (the hit is inside a subsection of the gold
  section: gold ``事業概要`` matches ``事業概要 > 助成額等``), or
* the gold path is a suffix of the hit's path (gold written without its ancestors: gold
  ``助成額等`` matches ``事業概要 > 助成額等``).

Segments compare whole: gold ``助成額`` does not match ``助成額等``.

Per question, the rank of the first correct hit among the top ``depth`` (default 10) is kept.
**recall@k** is the share of questions with a correct hit in the top k (success@k; any one
gold passage suffices); **MRR** is the mean of 1/rank (0 when none in the top ``depth``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import InputError
from bot.retrieval.models import SearchHit, SearchMode


class GoldPassage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source_id: str
    section: str = ""


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str = Field(min_length=1)
    gold: list[GoldPassage] = Field(min_length=1)


class ModeMetrics(BaseModel):
    mode: SearchMode
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[str] = Field(description="ids of questions with no correct hit in the top 5")


class EvalReport(BaseModel):
    file: str
    depth: int
    modes: list[ModeMetrics]


def load_eval_cases(path: Path) -> list[EvalCase]:
    """Parse and validate the dataset; InputError naming the file and the bad item."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"評価データがありません: {path}", f"Evaluation file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: YAML が不正です（{exc}）", f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: 質問のリストが必要です", f"{path}: expected a list of questions")
    cases: list[EvalCase] = []
    for index, item in enumerate(data):
        try:
            cases.append(EvalCase.model_validate(item))
        except ValidationError as exc:
            where = f"{path}: item {index + 1}"
            first = exc.errors()[0]
            detail = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
            raise InputError(f"{where}: 不正な項目です — {detail}", f"{where}: {detail}") from None
    return cases


def _segments(section: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", section)
    return tuple(part.strip() for part in text.split(">") if part.strip())


def section_matches(hit_section: str, gold_section: str) -> bool:
    """Segment-wise: equal, gold is a prefix, or gold is a suffix (empty gold: any)."""
    hit, gold = _segments(hit_section), _segments(gold_section)
    if not gold:
        return True
    n = len(gold)
    return len(hit) >= n and (hit[:n] == gold or hit[-n:] == gold)


def is_correct(source_id: str, section: str, gold: Sequence[GoldPassage]) -> bool:
    return any(source_id == g.source_id and section_matches(section, g.section) for g in gold)


def first_correct_rank(hits: Sequence[SearchHit], gold: Sequence[GoldPassage]) -> int | None:
    """1-based rank of the first correct hit, or None."""
    for rank, hit in enumerate(hits, start=1):
        if is_correct(hit.source_id, hit.section, gold):
            return rank
    return None


def summarize_ranks(ranks: Sequence[int | None]) -> tuple[float, float, float]:
    """(recall@1, recall@5, MRR) from first-correct ranks (None: not found)."""
    if not ranks:
        return 0.0, 0.0, 0.0
    n = len(ranks)
    recall_1 = sum(1 for r in ranks if r is not None and r <= 1) / n
    recall_5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1.0 / r for r in ranks if r is not None) / n
    return round(recall_1, 4), round(recall_5, 4), round(mrr, 4)


Search = Callable[[str, int, SearchMode], Sequence[SearchHit]]


def evaluate_search(
    search: Search, cases: Sequence[EvalCase], modes: Sequence[SearchMode], depth: int = 10, file: str = ""
) -> EvalReport:
    """Run every question in every mode through ``search(question, depth, mode)``."""
    results: list[ModeMetrics] = []
    for mode in modes:
        ranks = [first_correct_rank(search(case.question, depth, mode), case.gold) for case in cases]
        recall_1, recall_5, mrr = summarize_ranks(ranks)
        misses = [case.id for case, rank in zip(cases, ranks, strict=True) if rank is None or rank > 5]
        results.append(
            ModeMetrics(
                mode=mode,
                questions=len(cases),
                recall_at_1=recall_1,
                recall_at_5=recall_5,
                mrr=mrr,
                misses=misses,
            )
        )
    return EvalReport(file=file, depth=depth, modes=results)
