"""Web load test: simulated users chatting with a running ``advisor serve`` over loopback.

    .venv/bin/python bench/load.py                      # 50 users, 60 s, starts its own server
    .venv/bin/python bench/load.py --users 10 --duration 15
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # an already running server

Without ``--url`` the script starts ``advisor serve`` (offline engine, rate limits off via
ADVISOR_RATE_LIMIT_PER_IP=0 / ADVISOR_RATE_LIMIT_PER_SESSION=0) on a free 127.0.0.1 port
with a throwaway data dir (a copy of .advisor/index, or a fresh ``advisor index``), and stops
it at the end. Against ``--url`` the server's own rate limits apply: raise them for the run.

Each simulated user holds conversations of ``--turns`` messages (a question, then follow-ups
in the same session), alternating ``POST /api/chat`` and ``POST /api/chat/stream``, and pauses
``--think-min``..``--think-max`` seconds between messages (a person reading the answer and
typing). Reported: throughput, p50/p95/p99 latency of /api/chat, time to the first SSE event
and to the final event of /api/chat/stream, and errors (non-2xx, transport errors, ``event:
error``, a stream without ``final``). Every loop is bounded by the deadline; the script ends
by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-01-20"
CONVERSATIONS: list[list[str]] = [
    [
        "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？",
        "経費が2,000万円なら？",
        "受付期間はいつまで？",
    ],
    ["中小企業が使える脱炭素の補助金は？", "ゼロエミの対象経費は？", "申請の締切は？"],
    ["SAFの補助金の対象者は？", "中小企業です。SAFの追加費用が100万円ならいくら？", "問い合わせ先は？"],
    ["カーボンクレジットの補助金はありますか", "対象になる条件は？", "受付期間は？"],
]


@dataclass
class Stats:
    chat_ms: list[float] = field(default_factory=list)
    stream_first_ms: list[float] = field(default_factory=list)
    stream_total_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def requests(self) -> int:
        return len(self.chat_ms) + len(self.stream_total_ms) + sum(self.errors.values())


@dataclass(frozen=True)
class Phase:
    """Who talks for how long: ``users`` in parallel, ``think_*`` seconds between messages."""

    users: int
    duration: float
    think_min: float
    think_max: float


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values, default=0.0), 1),
    }


async def chat(client: httpx.AsyncClient, body: dict[str, Any], stats: Stats) -> str | None:
    started = time.perf_counter()
    try:
        response = await client.post("/api/chat", json=body)
    except httpx.HTTPError as exc:
        stats.error(f"chat {type(exc).__name__}")
        return None
    if response.status_code != 200:
        stats.error(f"chat HTTP {response.status_code}")
        return None
    stats.chat_ms.append((time.perf_counter() - started) * 1000)
    session: str = response.json()["session_id"]
    return session


async def chat_stream(client: httpx.AsyncClient, body: dict[str, Any], stats: Stats) -> str | None:
    started = time.perf_counter()
    first: float | None = None
    event = ""
    final: dict[str, Any] | None = None
    try:
        async with client.stream("POST", "/api/chat/stream", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                stats.error(f"stream HTTP {response.status_code}")
                return None
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                    if first is None:
                        first = time.perf_counter()
                elif line.startswith("data:") and event == "final":
                    final = json.loads(line.removeprefix("data:"))
                elif line.startswith("data:") and event == "error":
                    stats.error("stream event: error")
                    return None
    except httpx.HTTPError as exc:
        stats.error(f"stream {type(exc).__name__}")
        return None
    if final is None or first is None:
        stats.error("stream without final")
        return None
    stats.stream_first_ms.append((first - started) * 1000)
    stats.stream_total_ms.append((time.perf_counter() - started) * 1000)
    session: str = final["session_id"]
    return session


async def user(
    number: int,
    client: httpx.AsyncClient,
    deadline: float,
    phase: Phase,
    args: argparse.Namespace,
    stats: Stats,
) -> None:
    rng = random.Random(args.seed * 1000 + number)
    await asyncio.sleep(rng.uniform(0, phase.think_max))  # users do not all arrive at once
    turn = number  # alternate chat / stream, differently per user
    while time.monotonic() < deadline:
        conversation = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))][: args.turns]
        session: str | None = None
        for message in conversation:
            if time.monotonic() >= deadline:
                return
            body: dict[str, Any] = {"message": message, "as_of": AS_OF}
            if session:
                body["session_id"] = session
            send = chat_stream if turn % 2 else chat
            turn += 1
            session = await send(client, body, stats) or session
            await asyncio.sleep(
                min(rng.uniform(phase.think_min, phase.think_max), max(0.0, deadline - time.monotonic()))
            )


async def run_phase(base_url: str, phase: Phase, args: argparse.Namespace) -> tuple[Stats, float]:
    stats = Stats()
    size = phase.users + 10  # idle connections are dropped after 5 s, before the server's 30 s
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=5.0)
    timeout = httpx.Timeout(args.timeout)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        started = time.monotonic()
        deadline = started + phase.duration
        tasks = [
            asyncio.create_task(user(n, client, deadline, phase, args, stats)) for n in range(phase.users)
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=phase.duration + args.timeout + 30)
        elapsed = time.monotonic() - started
    return stats, elapsed


def run(base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The optional single-user baseline, then the load; the report as data."""
    baseline = None
    if args.baseline > 0:
        stats, elapsed = asyncio.run(run_phase(base_url, Phase(1, args.baseline, 0.0, 0.0), args))
        baseline = {
            "duration_s": round(elapsed, 1),
            "requests": stats.requests,
            "chat": summary(stats.chat_ms),
            "stream_final": summary(stats.stream_total_ms),
            "errors": sum(stats.errors.values()),
        }
    load_before = os.getloadavg()[0]
    phase = Phase(args.users, args.duration, args.think_min, args.think_max)
    stats, elapsed = asyncio.run(run_phase(base_url, phase, args))
    data = report(stats, elapsed, args, base_url)
    data["baseline_1_user"] = baseline
    data["host"] = {
        "cpus": os.cpu_count(),
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }
    return data


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def advisor_command() -> list[str]:
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


@contextmanager
def local_server(workers: int) -> Iterator[str]:
    """``advisor serve`` (offline, no rate limits) on a free port over a throwaway data dir."""
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = {
            **os.environ,
            "ADVISOR_DATA_DIR": str(data_dir),
            "ADVISOR_RATE_LIMIT_PER_IP": "0",
            "ADVISOR_RATE_LIMIT_PER_SESSION": "0",
        }
        env.pop("ADVISOR_LLM", None)  # the offline engine
        repo_index = ROOT / ".advisor" / "index"
        if (repo_index / "CURRENT").is_file():
            shutil.copytree(repo_index, data_dir / "index")
        subprocess.run(
            [*advisor_command(), "index"], env=env, check=True, timeout=600, stdout=subprocess.DEVNULL
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [*advisor_command(), "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                stdout=log,
                stderr=log,
            )
            try:
                wait_ready(base, server)
                yield base
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=30)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"advisor serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("advisor serve did not become ready")


def report(stats: Stats, elapsed: float, args: argparse.Namespace, base: str) -> dict[str, Any]:
    return {
        "url": base,
        "users": args.users,
        "workers": None if args.url else args.workers,
        "duration_s": round(elapsed, 1),
        "think_s": [args.think_min, args.think_max],
        "requests": stats.requests,
        "throughput_rps": round(stats.requests / elapsed, 2) if elapsed else 0.0,
        "chat": summary(stats.chat_ms),
        "stream_first_event": summary(stats.stream_first_ms),
        "stream_final": summary(stats.stream_total_ms),
        "errors": sum(stats.errors.values()),
        "error_kinds": stats.errors,
    }


def print_report(data: dict[str, Any]) -> None:
    print(f"users {data['users']}, {data['duration_s']} s, think {data['think_s'][0]}–{data['think_s'][1]} s")
    print(f"requests {data['requests']}  throughput {data['throughput_rps']} req/s  errors {data['errors']}")
    for name in ("chat", "stream_first_event", "stream_final"):
        s = data[name]
        print(
            f"  {name:<19} n={s['n']:<5} p50 {s['p50_ms']:>7.1f} ms  p95 {s['p95_ms']:>7.1f} ms  "
            f"p99 {s['p99_ms']:>7.1f} ms  max {s['max_ms']:>7.1f} ms"
        )
    if data["error_kinds"]:
        print(f"  errors: {data['error_kinds']}")
    base = data.get("baseline_1_user")
    if base:
        chat, final = base["chat"], base["stream_final"]
        print(
            f"baseline, 1 user without pauses: chat p50 {chat['p50_ms']} ms p95 {chat['p95_ms']} ms, "
            f"stream p50 {final['p50_ms']} ms ({base['requests']} requests, {base['errors']} errors)"
        )
    host = data["host"]
    print(f"host: {host['cpus']} CPUs, load average {host['loadavg_1m_before']} → {host['loadavg_1m_after']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--turns", type=int, default=3, help="messages per conversation (default 3)")
    parser.add_argument("--think-min", type=float, default=2.0, help="pause between messages, min s")
    parser.add_argument("--think-max", type=float, default=8.0, help="pause between messages, max s")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline", type=float, default=10.0, help="seconds of one user without pauses first (0: skip)"
    )
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the started server")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0 or not 0 <= args.think_min <= args.think_max:
        parser.error("need --users ≥ 1, --duration > 0 and 0 ≤ --think-min ≤ --think-max")

    if args.url:
        data = run(args.url.rstrip("/"), args)
    else:
        with local_server(args.workers) as base:
            data = run(base, args)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print_report(data)
    return 1 if data["errors"] or (data["baseline_1_user"] or {}).get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
