"""Serve the app with gunicorn and load it with wrk: requests/s and latency percentiles."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from bench.measure import ROOT

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(*, workers: int = 2, env: dict | None = None):
    """A gunicorn serving bench.wsgi on a free loopback port; yields its base URL and pid."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi", f"--bind=127.0.0.1:{port}", f"--workers={workers}",
         "--log-level=warning", "--timeout=300"],
        cwd=ROOT,
        env={**os.environ, "API_THROTTLE_ANON_PER_MINUTE": "0", "API_THROTTLE_USER_PER_MINUTE": "0", **(env or {})},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine (the 1M tier, shared cores) starts it slowly
        while True:
            try:
                # Not the actor list: at 1M claims it takes seconds (what actors the public may see).
                urllib.request.urlopen(f"{base}/api/v1/claims/?page_size=1", timeout=60).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return round(float(match.group(1)) * UNITS[match.group(2)], 2)

    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    completed = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    return {
        "requests": int(completed.group(1)) if completed else 0,
        "req_per_s": round(requests, 1),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def wrk(
    url: str, *, seconds: int = 10, connections: int = 2, threads: int = 1, headers: dict | None = None
) -> dict:
    """Closed-loop load with as many connections as gunicorn workers, so nothing queues in front."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk (make bench does it)")
    warmup = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (our own server)
    started = time.perf_counter()
    urllib.request.urlopen(warmup, timeout=300).read()  # noqa: S310 (warm-up, and proof it answers)
    warmup_ms = round((time.perf_counter() - started) * 1000, 2)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout=300s", "--latency"]
    command += [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 600).stdout
    figures = parse_wrk(output)
    if not figures["requests"]:
        # Nothing completed within the window (a page slower than it): wrk prints zero latencies,
        # which would pass for the fastest page. The warm-up request's own time stands in.
        figures |= {"p50_ms": warmup_ms, "p99_ms": warmup_ms, "from_warmup": True}
    return figures


def drained_wrk(url: str, *, seconds: int, connections: int = 2) -> dict:
    """wrk against our gunicorn, then wait for requests it left in flight so they slow nothing after."""
    figures = wrk(url, seconds=seconds, connections=connections)
    probe = "/".join(url.split("/", 3)[:3]) + "/api/v1/actors/?page_size=1"
    for _ in range(2):  # one per gunicorn worker, each queued behind what wrk left
        urllib.request.urlopen(probe, timeout=300).read()  # noqa: S310
    return figures


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn master + workers)."""
    total = 0
    pids = [
        pid,
        *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()),
    ]
    for each in pids:
        try:
            with open(f"/proc/{each}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return round(total / 1024, 1)
