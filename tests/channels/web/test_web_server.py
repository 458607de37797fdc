"""The app under a real uvicorn server on 127.0.0.1: client disconnects and ``advisor serve``."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.channels.web import create_app
from bot.deps import Deps
from bot.knowledge.loader import KnowledgeBase
from bot.retrieval.embeddings import Embedder

from .conftest import AS_OF, GRANT_QUESTION, web_settings


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live_server(
    web_data_dir: Path, web_knowledge: KnowledgeBase, web_embedder: Embedder
) -> Iterator[tuple[str, Deps]]:
    """``create_app`` under uvicorn in a thread; yields the base URL and the deps."""
    deps = Deps(settings=web_settings(web_data_dir), knowledge=web_knowledge, embedder=web_embedder)
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(deps), log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", deps
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        deps.close()


def test_a_client_that_disconnects_mid_stream_does_not_hurt_the_server(
    live_server: tuple[str, Deps], caplog: pytest.LogCaptureFixture
) -> None:
    base, deps = live_server
    sessions: list[str] = []
    with caplog.at_level(logging.WARNING), httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(5):
            with client.stream(
                "POST", "/api/chat/stream", json={"message": GRANT_QUESTION, "as_of": AS_OF}
            ) as r:
                assert r.status_code == 200
                first = next(r.iter_lines())
                assert first.startswith("event: ")
            # leaving the block closes the connection before the stream ends
        assert client.get("/healthz").json() == {"status": "ok"}
        with client.stream("POST", "/api/chat/stream", json={"message": GRANT_QUESTION, "as_of": AS_OF}) as r:
            text = r.read().decode("utf-8")
        final = text.rsplit("event: final\ndata: ", 1)[1].strip()
        sessions.append(json.loads(final)["session_id"])
    assert deps.store.list_messages(sessions[0])[-1].role == "assistant"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_advisor_serve_runs_the_app(web_data_dir: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "ADVISOR_DATA_DIR": str(web_data_dir), "ADVISOR_RATE_LIMIT_PER_IP": "1000"}
    env.pop("ADVISOR_LLM", None)  # offline
    command = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "advisor serve exited"
            assert time.monotonic() < deadline, "advisor serve did not start"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        answer = httpx.post(f"{base}/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}, timeout=30)
        assert answer.status_code == 200 and "800万円" in answer.json()["answer"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    log = stderr.decode("utf-8")
    access = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    chat = next(record for record in access if record["path"] == "/api/chat")
    assert chat["status"] == 200 and chat["session_id"] == answer.json()["session_id"]
    assert GRANT_QUESTION not in log
