"""bot/tools stays pure: no heavy frameworks imported, no I/O, no clock."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

TOOLS_DIR = PROJECT_ROOT / "bot" / "tools"
FORBIDDEN_PACKAGES = (
    "langchain",
    "langgraph",
    "chromadb",
    "fastapi",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
)
FORBIDDEN_CALLS = {
    "open(": re.compile(r"(?<![\w.])open\("),
    "Path(": re.compile(r"\bPath\("),
    "read_text / write_text": re.compile(r"\.(read|write)_(text|bytes)\("),
    "requests": re.compile(r"\bimport requests\b|\brequests\."),
    "httpx": re.compile(r"\bhttpx\b"),
    "urllib": re.compile(r"\burllib\b"),
    "socket": re.compile(r"\bimport socket\b"),
    "subprocess": re.compile(r"\bsubprocess\b"),
    "today()": re.compile(r"\.today\("),
    "now()": re.compile(r"\bdatetime\.now\(|\bdt\.datetime\.now\("),
    "os.environ": re.compile(r"\bos\.environ\b|\bgetenv\("),
}

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import bot.tools
names = sorted(m.name for m in pkgutil.iter_modules(bot.tools.__path__))
for name in names:
    importlib.import_module(f"bot.tools.{name}")
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def _tool_sources() -> list[Path]:
    return sorted(TOOLS_DIR.glob("*.py"))


def test_importing_every_tool_module_pulls_in_no_framework() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    report = json.loads(completed.stdout)
    assert {"conditions", "grant", "worksheet", "eligibility", "status", "schemas"} <= set(report["modules"])
    heavy = [name for name in report["loaded"] if name.split(".")[0] in FORBIDDEN_PACKAGES]
    assert heavy == []


def test_tool_sources_make_no_io_or_clock_calls() -> None:
    offences = [
        f"{path.name}:{number}: {label}"
        for path in _tool_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for label, pattern in FORBIDDEN_CALLS.items()
        if pattern.search(line)
    ]
    assert offences == []


def test_the_patterns_catch_what_they_should() -> None:
    samples = {
        "open(": "x = open('f')",
        "Path(": "p = Path('x')",
        "read_text / write_text": "p.read_text()",
        "requests": "import requests",
        "httpx": "import httpx",
        "urllib": "from urllib import request",
        "socket": "import socket",
        "subprocess": "import subprocess",
        "today()": "dt.date.today()",
        "now()": "dt.datetime.now()",
        "os.environ": "os.environ['X']",
    }
    assert all(FORBIDDEN_CALLS[label].search(text) for label, text in samples.items())
    assert not FORBIDDEN_CALLS["open("].search('state == "open"')
