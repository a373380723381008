"""Timing helpers and the stamp (machine, versions, commit) every result carries."""

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
        "n": len(ordered),
    }


def time_calls(call: Callable[[], object], *, repeat: int, warmup: int = 2) -> dict[str, float]:
    """Run `call` repeatedly and report latency percentiles in milliseconds."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def ratio(baseline: float, ours: float) -> float:
    return round(baseline / ours, 2) if ours else float("inf")


def stamp() -> dict:
    def run(*command: str) -> str:
        try:
            return subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    import django
    import psycopg

    cpu = next((line.split(":", 1)[1].strip() for line in run("cat", "/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return {
        "machine": {
            "cpu": cpu,
            "cores": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "platform": platform.platform(),
        },
        "versions": {
            "python": sys.version.split()[0],
            "django": django.get_version(),
            "psycopg": psycopg.__version__,
            "postgresql": run("psql", "--version"),
        },
        "git_sha": run("git", "rev-parse", "HEAD"),
        "git_dirty": bool(run("git", "status", "--porcelain", "--untracked-files=no")),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
