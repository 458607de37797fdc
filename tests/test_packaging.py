"""A plain ``pip install .`` (a wheel, not the editable checkout) serves the same programmes:
the knowledge and the prompts ship with the package.

The wheel is installed into a fresh virtualenv outside the checkout; its dependencies come from
the test run's own environment (a ``.pth`` line), so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

pytestmark = pytest.mark.slow
QUESTION = "省エネ設備の助成上限額は？"


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_an_installed_wheel_answers_with_citations_outside_the_checkout(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVISOR_", "PYTHON"))}
    wheels = tmp_path / "wheels"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(PROJECT_ROOT)],
        tmp_path,
        env,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("grant_advisor-*.whl")

    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    [site_dir] = (target / "lib").glob("python3*/site-packages")
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (site_dir / "deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    python = target / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], tmp_path, env)
    assert installed.returncode == 0, installed.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    env["ADVISOR_DATA_DIR"] = str(work / "data")
    where = run(
        [
            str(python),
            "-c",
            "import bot, bot.config as c; print(bot.__file__); print(c.load_settings().knowledge_dir)",
        ],
        work,
        env,
    )
    module, knowledge = where.stdout.split()
    assert str(target) in module and not module.startswith(str(PROJECT_ROOT))
    assert Path(knowledge) == target / "share" / "grant-advisor" / "knowledge"

    advisor = str(target / "bin" / "advisor")
    indexed = run([advisor, "index"], work, env)
    assert indexed.returncode == 0, indexed.stderr
    asked = run([advisor, "ask", "--json", "--as-of", "2026-12-03", QUESTION], work, env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["citations"] and answer["citations"][0]["url"].startswith("https://")
    assert answer["programmes"]
