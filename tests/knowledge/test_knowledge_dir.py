"""Where the knowledge is: ``ADVISOR_KNOWLEDGE_DIR`` or the default, and a clear stop when the
folder is missing, empty or invalid — never an advisor that knows nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import PROJECT_ROOT, default_knowledge_dir, load_settings

COMMANDS = (["ask", "補助金の上限は？"], ["index"], ["serve", "--port", "0"])


def test_the_default_in_a_checkout_is_its_knowledge_folder() -> None:
    assert default_knowledge_dir() == PROJECT_ROOT / "knowledge"


def test_the_environment_selects_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(tmp_path))
    assert load_settings().knowledge_dir == tmp_path


def _broken(kind: str, root: Path) -> Path:
    folder = root / "knowledge"
    if kind == "missing":
        return folder
    if kind == "empty":
        folder.mkdir()
        return folder
    shutil.copytree(PROJECT_ROOT / "knowledge", folder)
    path = folder / "programmes" / "tokyo-carbon-credit-promotion.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: grant", "kind: gift"), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "知識フォルダが見つかりません"),
        ("empty", "知識フォルダに sources/*.md がありません"),
        ("invalid", "tokyo-carbon-credit-promotion.yaml:5"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_bad_folder_stops_the_command_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    message: str,
    command: list[str],
) -> None:
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(_broken(kind, tmp_path)))
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))

    assert main(command) != 0

    err = capsys.readouterr().err
    assert message in err and "Error:" in err and "Traceback" not in err
