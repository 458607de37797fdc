"""``advisor knowledge check``: the real folder passes; a copy broken in one way fails with a
``file:line: field:`` message naming that one problem (one case per kind of message)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.knowledge.check import check_knowledge

KNOWLEDGE = PROJECT_ROOT / "knowledge"
CC = "programmes/tokyo-carbon-credit-promotion.yaml"
SAF = "programmes/tokyo-saf-air-cargo.yaml"


def test_the_knowledge_folder_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_knowledge(KNOWLEDGE) == []
    assert main(["knowledge", "check"]) == 0
    assert "問題はありません" in capsys.readouterr().out


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(folder))
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "field", "message"),
    [
        (
            CC,
            "  - クレジット活用助成\n",
            "  - TODO 通称を書く\n",
            CC,
            "TODO",
            "TODO が残っています",
        ),
        (
            CC,
            "    doc: tokyo-carbon-credit-promotion\n",
            "    doc: nowhere\n",
            CC,
            "source.doc",
            "文書 'nowhere' がありません",
        ),
        (
            CC,
            "section: 事業概要 > 申請手続き",
            "section: 事業概要 > 存在しない節",
            CC,
            "source.section",
            "節 '事業概要 > 存在しない節' がありません",
        ),
        (
            CC,
            'quote: "東京都産業労働局産業・エネルギー政策部計画課"',
            'quote: "架空の部署"',
            CC,
            "source.quote",
            "引用が節",
        ),
        (CC, 'rate: "2/3"', 'rate: "0.6667"', CC, "rate", "率は分数で書いてください"),
        (
            CC,
            "cap_yen: 2000000",
            "cap_yen: 2.0e6",
            CC,
            "calculation.rate_cap.categories.0.cap_yen",
            "値が不正です",
        ),
        (SAF, "start: 2025-06-16", "start: 2025-05-01", SAF, "windows", "重なっています"),
        (
            SAF,
            "  - SAF活用促進\n",
            "  - クレジット活用助成\n",
            SAF,
            "aliases",
            "名称 'クレジット活用助成' は tokyo-carbon-credit-promotion でも",
        ),
        (CC, "kind: grant", "kind: gift", CC, "kind", "値が不正です"),
        (
            "sources/tokyo-saf-air-cargo.md",
            "programmes: [tokyo-saf-air-cargo]",
            "programmes: [tokyo-saf-air-cargo, ghost-programme]",
            "sources/tokyo-saf-air-cargo.md",
            "programmes",
            "ghost-programme",
        ),
    ],
    ids=[
        "todo",
        "doc",
        "section",
        "quote",
        "decimal-rate",
        "float-yen",
        "overlap",
        "alias",
        "schema",
        "unknown-programme",
    ],
)
def test_each_problem_is_reported_at_its_file_and_line(
    copy: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    old: str,
    new: str,
    where: str,
    field: str,
    message: str,
) -> None:
    edit(copy, name, old, new)

    assert main(["knowledge", "check"]) == 1

    err = capsys.readouterr().err
    [line] = [row for row in err.splitlines() if message in row]
    path, number, shown_field, text = line.split(":", 3)
    assert Path(path) == copy / where and int(number) >= 1
    assert shown_field.strip() == field
    assert " / " in text  # Japanese, then English
    problems = check_knowledge(copy)
    # A shared name is reported at both programmes; every other problem once.
    assert len(problems) == (2 if field == "aliases" else 1), [p.render() for p in problems]
    [problem] = [p for p in problems if p.path == copy / where]
    shown = (copy / where).read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert new.strip().split("\n")[-1].strip() in shown or (field == "windows" and "id:" in shown), shown


def test_a_missing_folder_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(tmp_path / "none"))
    assert main(["knowledge", "check"]) == 1
