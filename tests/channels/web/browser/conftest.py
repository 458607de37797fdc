"""Browser tests of the chat widget: the REAL app (``create_app(build_deps(...))``) under uvicorn
in a background thread, driven by Playwright with Debian's Chromium.

The server is session-scoped: one data dir with a copy of the session's real index (built once
by ``corpus_data_dir`` in ``tests/conftest.py``), its own SQLite store, the offline engine and
no rate limits (the 429 path is tested with ``page.route``). Chromium
is never downloaded: a missing ``/usr/bin/chromium`` fails the tests with a clear message
(they are never skipped).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page

from bot.channels.web import create_app
from bot.config import PROJECT_ROOT, load_settings
from bot.deps import Deps, build_deps

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "widget"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "img" / "widget.png"
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium (never a downloaded one)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the widget's browser tests need it. Install it with "
            "`sudo apt-get install -y chromium fonts-noto-cjk` (or set CHROMIUM_PATH); "
            "do not run `playwright install`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo", "viewport": DESKTOP}


HOST_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>別サイトに埋め込んだウィジェット</p>
<script src="{api}/widget.js" data-title="脱炭素補助金アドバイザー" defer></script>
</body></html>"""


class HostSite(ThreadingHTTPServer):
    """Another web site (its own origin) that embeds the widget from the API's origin."""

    api_url = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class HostPageHandler(BaseHTTPRequestHandler):
    server: HostSite

    def do_GET(self) -> None:
        body = HOST_PAGE.format(title="○○信用金庫 経営サポート", api=self.server.api_url).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class HostSites:
    allowed: HostSite  # its origin is in ADVISOR_ALLOWED_ORIGINS
    other: HostSite  # its origin is not


@pytest.fixture(scope="session")
def host_sites() -> Iterator[HostSites]:
    sites = HostSites(
        allowed=HostSite(("127.0.0.1", 0), HostPageHandler), other=HostSite(("127.0.0.1", 0), HostPageHandler)
    )
    threads = [
        threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for site in (sites.allowed, sites.other)
    ]
    for thread in threads:
        thread.start()
    yield sites
    for site in (sites.allowed, sites.other):
        site.shutdown()
        site.server_close()


@pytest.fixture(scope="session")
def widget_deps(
    corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, host_sites: HostSites
) -> Iterator[Deps]:
    """Real dependencies over a copy of the session's real index (``tests/conftest.py``): offline
    engine, its own SQLite store, no rate limits, one other site allowed by CORS."""
    data_dir = tmp_path_factory.mktemp("widget-browser") / "data"
    shutil.copytree(corpus_data_dir / "index", data_dir / "index")
    deps = build_deps(
        load_settings(
            data_dir=data_dir,
            llm=None,
            rate_limit_per_ip=0,
            rate_limit_per_session=0,
            allowed_origins=[host_sites.allowed.origin],
        )
    )
    yield deps
    deps.close()


@pytest.fixture(scope="session")
def server_url(widget_deps: Deps) -> Iterator[str]:
    """``create_app`` served by uvicorn on a free 127.0.0.1 port for the whole session."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(widget_deps), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web app did not start under uvicorn", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture
def cross_site(host_sites: HostSites, server_url: str) -> HostSites:
    """The two other sites, embedding the widget from the API's origin."""
    host_sites.allowed.api_url = host_sites.other.api_url = server_url
    return host_sites


@pytest.fixture
def demo(page: Page, server_url: str) -> Iterator[Page]:
    """The demo page (a hostile host page with the one-tag embed), widget mounted, closed."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server_url + "/")
    page.wait_for_function("() => !!window.GrantAdvisorWidget")
    page.locator(".launcher").wait_for()
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots land in tests/artifacts/widget/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
