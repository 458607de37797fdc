"""Helpers shared by the benchmark scripts: Markdown tables and the machine description."""

from __future__ import annotations

import contextlib
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def machine_lines() -> list[str]:
    """nproc, CPU model, numpy and its BLAS, OPENBLAS_* and the load average."""
    from threadpoolctl import threadpool_info

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = [
        f"{p.get('internal_api')} {p.get('version')} kernel {p.get('architecture')}, "
        f"{p.get('num_threads')} threads"
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]
    openblas_env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    load = os.getloadavg()
    return [
        f"- machine: `nproc` = {os.cpu_count()}, CPU `{cpu}`, no GPU; Python {platform.python_version()}, "
        f"numpy {np.__version__}",
        f"- BLAS: {'; '.join(blas) or 'none loaded'}; OPENBLAS_* in env: {openblas_env or 'none'}",
        f"- load average at start: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
    ]


def finish_report(out: list[str], started: float, output: Path | None) -> None:
    """Close the report with the run time and load average, print it, and write it if asked."""
    load = os.getloadavg()
    out.append("")
    out.append(
        f"Run time {time.perf_counter() - started:.0f} s; load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}."
    )
    text = "\n".join(out)
    print(text)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
