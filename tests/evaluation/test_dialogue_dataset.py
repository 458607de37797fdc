"""The gold dialogue dataset eval/datasets/dialogue.yaml: it loads through the schema, is large
and varied enough (cases, multi-turn, every kind and programme), and everything it names exists
in the knowledge base — gold citation sections in their source documents, follow-up facts among
the programme's declared inputs. Also the schema's own checks on small hand-made files."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from bot.evaluation import CASE_KINDS, Case, Dataset, DatasetError, Turn, load_dataset
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.knowledge.models import RateCapCalculation
from bot.knowledge.sections import split_sections

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "eval" / "datasets" / "dialogue.yaml"
HELDOUT = ROOT / "eval" / "datasets" / "heldout"
KNOWLEDGE_DIR = ROOT / "knowledge"

MIN_CASES = 200  # the evaluation suite promises at least 200 cases
MIN_MULTI_TURN = 25


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="module")
def dataset(kb: KnowledgeBase) -> Dataset:
    return load_dataset(DATASET, kb.programmes)


def _turns(dataset: Dataset) -> list[tuple[Case, int, Turn]]:
    return [(case, index, turn) for case in dataset.cases for index, turn in enumerate(case.turns)]


# --- the dataset -----------------------------------------------------------------------------


def test_dataset_loads_with_enough_cases(dataset: Dataset) -> None:
    assert dataset.version == 1
    assert len(dataset.cases) >= MIN_CASES


def test_enough_multi_turn_cases(dataset: Dataset) -> None:
    multi = [case for case in dataset.cases if case.multi_turn]
    assert len(multi) >= MIN_MULTI_TURN


def test_case_ids_are_unique(dataset: Dataset) -> None:
    repeated = [case_id for case_id, n in Counter(c.id for c in dataset.cases).items() if n > 1]
    assert repeated == []


def test_every_kind_is_covered(dataset: Dataset, kb: KnowledgeBase) -> None:
    heldout = [load_dataset(path, kb.programmes) for path in sorted(HELDOUT.glob("*.yaml"))]
    assert {d.split for d in heldout} == {"heldout"} and dataset.split == "dev"
    kinds = {case.kind for d in [dataset, *heldout] for case in d.cases}
    assert set(CASE_KINDS) <= kinds


def test_the_heldout_split_has_the_promised_cases(kb: KnowledgeBase) -> None:
    cases = [c for path in sorted(HELDOUT.glob("*.yaml")) for c in load_dataset(path, kb.programmes).cases]
    kinds = Counter(case.kind for case in cases)
    assert len(cases) >= 150 and sum(case.lang == "en" for case in cases) >= 40
    assert kinds["discovery"] + kinds["coverage"] >= 30 and kinds["yes_no"] >= 30
    assert sum(len(case.turns) > 1 for case in cases) >= 30


def test_every_programme_is_covered(dataset: Dataset, kb: KnowledgeBase) -> None:
    assert set(kb.programmes) <= {case.programme for case in dataset.cases}


def test_a_programme_the_knowledge_does_not_have_is_an_error(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = _cases(tmp_path, VALID_CASE.replace("programme: tokyo-carbon-credit-promotion", "programme: nope"))
    assert load_dataset(path).cases[0].programme == "nope"  # on its own, the schema cannot know
    with pytest.raises(DatasetError, match="unknown programme ids"):
        load_dataset(path, kb.programmes)


def test_every_gold_citation_names_an_existing_section(dataset: Dataset, kb: KnowledgeBase) -> None:
    sections = {sid: {path for path, _ in split_sections(doc.body)} for sid, doc in kb.sources.items()}
    missing = [
        f"{case.id} turn {index + 1}: {gold.source_id} / {gold.section}"
        for case, index, turn in _turns(dataset)
        for gold in turn.expect.citations
        if gold.section not in sections.get(gold.source_id, set())
    ]
    assert missing == []


def test_follow_up_facts_are_declared_inputs(dataset: Dataset, kb: KnowledgeBase) -> None:
    wrong: list[str] = []
    for case, index, turn in _turns(dataset):
        if not turn.expect.follow_up_about:
            continue
        programmes = {*([case.programme] if case.programme else []), *(turn.expect.programmes or [])}
        declared = {spec.name for pid in programmes for spec in kb.programme(pid).inputs}
        unknown = sorted(set(turn.expect.follow_up_about) - declared)
        if not programmes or unknown:
            wrong.append(f"{case.id} turn {index + 1}: {unknown or 'no programme to check against'}")
    assert wrong == []


def test_follow_up_cases_ask(dataset: Dataset) -> None:
    for case in dataset.cases:
        if case.kind == "follow_up":
            assert any(turn.expect.follow_up for turn in case.turns), case.id


def test_amounts_are_positive_ints(dataset: Dataset) -> None:
    for case, index, turn in _turns(dataset):
        for amount in turn.expect.amounts_yen:
            assert type(amount) is int and amount > 0, f"{case.id} turn {index + 1}: {amount!r}"


def test_amounts_do_not_exceed_the_largest_cap(dataset: Dataset, kb: KnowledgeBase) -> None:
    """A cheap guard against a mistyped amount (an extra zero) in a capped programme."""
    for case, index, turn in _turns(dataset):
        if case.programme is None:
            continue
        calc = kb.programme(case.programme).calculation
        if not isinstance(calc, RateCapCalculation):
            continue
        caps = [category.cap_yen for category in calc.categories]
        if any(cap is None for cap in caps):
            continue
        largest = max(cap for cap in caps if cap is not None)
        assert all(a <= largest for a in turn.expect.amounts_yen), f"{case.id} turn {index + 1}"


def test_amount_cases_expect_an_amount_or_a_reason_for_none(dataset: Dataset) -> None:
    for case in dataset.cases:
        if case.kind == "amount":
            assert any(
                t.expect.amounts_yen or t.expect.no_amounts or t.expect.follow_up for t in case.turns
            ), case.id


def test_the_action_plan_is_never_given_an_amount(dataset: Dataset) -> None:
    """meti-cn-action-plan is not a grant: no expected amounts, and 'how much' gets no_amounts."""
    for case, index, turn in _turns(dataset):
        if case.programme == "meti-cn-action-plan":
            assert turn.expect.amounts_yen == [], f"{case.id} turn {index + 1}"
    meti_amount = [c for c in dataset.cases if c.programme == "meti-cn-action-plan" and c.kind == "amount"]
    assert meti_amount
    assert all(turn.expect.no_amounts for case in meti_amount for turn in case.turns)


def test_out_of_scope_cases_expect_a_refusal_without_amounts(dataset: Dataset) -> None:
    for case in dataset.cases:
        if case.kind == "out_of_scope":
            assert case.programme is None, case.id
            assert all(t.expect.refusal and t.expect.no_amounts for t in case.turns), case.id


def test_answers_about_a_programme_have_gold_citations(dataset: Dataset) -> None:
    uncited = [
        f"{case.id} turn {index + 1}"
        for case, index, turn in _turns(dataset)
        if case.programme is not None and not turn.expect.refusal and not turn.expect.citations
    ]
    assert uncited == []


def test_dates_span_before_during_and_after_windows(dataset: Dataset) -> None:
    deadline_dates = {case.as_of.isoformat() for case in dataset.cases if case.kind == "deadline"}
    assert "2026-11-24" in deadline_dates
    assert len(deadline_dates) >= 8


# --- the schema --------------------------------------------------------------------------------

VALID_CASE = """
  - id: one
    kind: amount
    programme: tokyo-carbon-credit-promotion
    as_of: 2026-11-24
    turns:
      - user: "中小企業でプロモーション費150万円。いくら？"
        expect:
          amounts_yen: [1000000]
          citations:
            - {source_id: tokyo-carbon-credit-promotion, section: "事業概要 > 対象経費"}
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "dialogue.yaml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def _cases(tmp_path: Path, cases_yaml: str) -> Path:
    return _write(tmp_path, "version: 1\ncases:\n" + cases_yaml)


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    data = load_dataset(_cases(tmp_path, VALID_CASE))
    case = data.case("one")
    assert case.as_of.isoformat() == "2026-11-24"
    assert case.turns[0].expect.amounts_yen == [1000000]
    assert not case.multi_turn


def test_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\ncases: [\n  - id: x\n")
    with pytest.raises(DatasetError, match=r"dialogue\.yaml:\d+: .*invalid YAML"):
        load_dataset(path)


def test_the_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="expected a mapping"):
        load_dataset(_write(tmp_path, "- id: x\n"))


def test_unknown_fields_are_refused_with_case_and_line(tmp_path: Path) -> None:
    body = VALID_CASE.replace("amounts_yen: [1000000]", "amounts_yen: [1000000]\n          colour: red")
    path = _cases(tmp_path, body)
    line = next(
        n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "colour" in text
    )
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert "case 'one'" in info.value.message_en
    assert "colour" in info.value.message_en
    assert f"dialogue.yaml:{line}:" in info.value.message_en


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="duplicate case ids: \\['one'\\]"):
        load_dataset(_cases(tmp_path, VALID_CASE + VALID_CASE))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("programme: tokyo-carbon-credit-promotion", "programme: tokyo-carbon", "unknown programme"),
        (
            "amounts_yen: [1000000]",
            "amounts_yen: [1000000]\n          programmes: [zeroemi]",
            "unknown programme",
        ),
        ("amounts_yen: [1000000]", "amounts_yen: [0]", "greater than 0"),
        ("amounts_yen: [1000000]", "amounts_yen: [1000000]\n          no_amounts: true", "contradict"),
        ("amounts_yen: [1000000]", "follow_up_about: [is_sme]", "follow_up"),
        ("amounts_yen: [1000000]", "required: [[]]", "empty phrase set"),
        ("amounts_yen: [1000000]", 'required: [["17:00"]]\n          forbidden: ["17"]', "never match"),
        ("amounts_yen: [1000000]", "required: [[17:00]]", "string"),
        ("amounts_yen: [1000000]", "programmes_exact: true", "programmes_exact"),
        ("kind: amount", "kind: chit_chat", "kind"),
        ("as_of: 2026-11-24", "as_of: someday", "as_of"),
        ("id: one", "id: One Case", "id"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, kb: KnowledgeBase, old: str, new: str, message: str) -> None:
    assert old in VALID_CASE
    with pytest.raises(DatasetError, match=message):
        load_dataset(_cases(tmp_path, VALID_CASE.replace(old, new)), kb.programmes)


def test_a_case_needs_a_turn(tmp_path: Path) -> None:
    body = """
  - id: empty
    kind: fact
    as_of: 2026-11-24
    turns: []
"""
    with pytest.raises(DatasetError, match="turns"):
        load_dataset(_cases(tmp_path, body))


def test_a_folder_loads_every_dataset_file_in_it(tmp_path: Path) -> None:
    from bot.evaluation.runner import load_datasets

    folder = tmp_path / "split"
    folder.mkdir()
    _cases(folder, VALID_CASE)
    (folder / "second.yaml").write_text(
        (folder / "dialogue.yaml").read_text(encoding="utf-8").replace("id: one", "id: two"), encoding="utf-8"
    )
    loaded = load_datasets([folder])
    assert [name for name, _ in loaded] == ["dialogue", "second"]
    assert [case.id for _, data in loaded for case in data.cases] == ["one", "two"]


def test_an_empty_folder_is_a_dataset_error(tmp_path: Path) -> None:
    from bot.evaluation.runner import load_datasets

    with pytest.raises(DatasetError, match=r"No dataset files"):
        load_datasets([tmp_path])
