"""``knowledge/intents.yaml``: the example utterances of the offline engine's intents.

The real file is valid, covers every intent in both languages and is loaded (and snapshotted)
with the rest of the knowledge; a broken copy fails with a ``file:line: field`` error naming
that one problem, in the loader and in ``advisor knowledge check``.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from bot.agent.offline.detect import Intent as EngineIntent
from bot.config import PROJECT_ROOT
from bot.errors import KnowledgeError
from bot.knowledge.check import check_knowledge
from bot.knowledge.intents import INTENTS, INTENTS_FILE, IntentExamples, load_intents, parse_intents
from bot.knowledge.loader import load_knowledge

KNOWLEDGE = PROJECT_ROOT / "knowledge"
REAL = KNOWLEDGE / INTENTS_FILE


def test_the_real_file_covers_every_intent_in_both_languages() -> None:
    intents = load_intents(REAL)
    counts = Counter((e.intent, e.language) for e in intents.examples)
    assert set(intents.intents()) == set(INTENTS)
    for intent in INTENTS:
        assert 10 <= counts[(intent, "ja")] <= 25, intent
        assert 8 <= counts[(intent, "en")] <= 15, intent
    assert all(e.line > 0 and e.text.strip() for e in intents.examples)


def test_the_engine_intents_are_the_files_intents() -> None:
    from typing import get_args

    assert get_args(EngineIntent) == INTENTS


def test_the_loader_reads_it_and_records_it_for_index_snapshots() -> None:
    knowledge = load_knowledge(KNOWLEDGE)
    assert knowledge.intents == load_intents(REAL)
    assert knowledge.files[INTENTS_FILE] == REAL.read_text(encoding="utf-8")


def test_a_folder_without_the_file_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    (folder / INTENTS_FILE).unlink()
    knowledge = load_knowledge(folder)
    assert knowledge.intents is None
    assert INTENTS_FILE not in knowledge.files
    assert check_knowledge(folder) == []


def test_the_digest_ignores_comments_and_layout() -> None:
    text = "version: 1\nintents:\n  deadline:\n    ja: [締切は？]\n    en: ['deadline?']\n"
    reformatted = "# a comment\nversion: 1\nintents:\n  deadline:\n"
    reformatted += "    ja:\n      - 締切は？\n    en:\n      - deadline?\n"
    first, second = parse_intents(Path("a.yaml"), text), parse_intents(Path("b.yaml"), reformatted)
    assert first == second and first.digest == second.digest
    other = parse_intents(Path("c.yaml"), text.replace("deadline?", "when?"))
    assert other.digest != first.digest


GOOD = """\
version: 1
intents:
  amount:
    ja:
      - いくらもらえますか
    en:
      - how much can we get
  deadline:
    ja:
      - 締切はいつ？
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("  deadline:\n", "  deadlines:\n", 8, "intents.deadlines", "unknown intent 'deadlines'"),
        ("    ja:\n      - 締切はいつ？\n", "    ja: []\n", 9, "intents.deadline.ja", "no examples"),
        ("    ja:\n      - 締切はいつ？\n", "", 8, "intents.deadline", "no examples"),
        ("      - 締切はいつ？\n", "      - ''\n", 10, "intents.deadline.ja", "blank"),
        ("      - 締切はいつ？\n", "      - 42\n", 10, "intents.deadline.ja", "not text"),
        ("      - 締切はいつ？\n", "      - いくらもらえますか\n", 10, "intents.deadline.ja", "listed twice"),
        ("    en:\n", "    fr:\n", 6, "intents.amount.fr", "unknown language 'fr'"),
        ("version: 1\n", "version: 2\n", 1, "version", "must be 1"),
        ("version: 1\n", "version: 1\nextra: true\n", 2, "extra", "unknown field 'extra'"),
        ("  amount:\n", "  amount: [oops\n", 4, "(file)", "invalid YAML"),
    ],
)
def test_a_broken_file_names_the_line_and_the_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in GOOD
    path = tmp_path / INTENTS_FILE
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_intents(path)
    assert caught.value.message_en.startswith(f"{path}:{line}: {field}: ")
    assert message in caught.value.message_en
    assert caught.value.message_ja.startswith(f"{path}:{line}: ")


def test_the_good_file_parses() -> None:
    intents = parse_intents(Path(INTENTS_FILE), GOOD)
    assert isinstance(intents, IntentExamples)
    assert [(e.intent, e.language, e.line) for e in intents.examples] == [
        ("amount", "ja", 5),
        ("amount", "en", 7),
        ("deadline", "ja", 10),
    ]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    return folder


def edit(folder: Path, old: str, new: str) -> int:
    """Replace the first ``old`` of the intents file; the line it was on."""
    path = folder / INTENTS_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_knowledge_check_reports_an_unknown_intent(copy: Path) -> None:
    line = edit(copy, "  contact:\n", "  contacts:\n")
    problems = check_knowledge(copy)
    assert [(p.path.name, p.line, p.field) for p in problems] == [(INTENTS_FILE, line, "intents.contacts")]
    assert "unknown intent 'contacts'" in problems[0].message_en
    assert "不明な意図" in problems[0].message_ja
    assert problems[0].render().endswith(problems[0].message_en)


def test_knowledge_check_reports_an_intent_without_examples(copy: Path) -> None:
    # the examples that followed now belong to another key: the first problem is reported
    line = edit(copy, "  greeting:\n", "  greeting: {}\n  unused:\n")
    problems = check_knowledge(copy)
    assert [(p.line, p.field) for p in problems] == [(line, "intents.greeting")]
    assert problems[0].message_en == "no examples"


def test_knowledge_check_reports_an_example_naming_a_programme(copy: Path) -> None:
    knowledge = load_knowledge(copy)
    programme = next(iter(knowledge.programmes.values()))
    line = edit(
        copy, "      - 締め切りはいつですか\n", f"      - {programme.name.value}の締め切りはいつですか\n"
    )
    problems = check_knowledge(copy)
    assert [(p.line, p.field) for p in problems] == [(line, "intents.deadline.ja")]
    assert programme.id in problems[0].message_en


def test_knowledge_check_reports_a_todo(copy: Path) -> None:
    line = edit(copy, "      - 締め切りはいつですか\n", "      - TODO 例文を書く\n")
    assert [(p.line, p.field) for p in check_knowledge(copy)] == [(line, "TODO")]
