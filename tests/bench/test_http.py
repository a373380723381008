"""The wrk harness: a page slower than wrk's window must not pass for the fastest (no database)."""

import subprocess

from bench import http

NOTHING_COMPLETED = """Running 2s test @ http://127.0.0.1:1/claims/?q=x
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 2.00s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_wrk_output_gives_the_completed_requests_and_percentiles():
    figures = http.parse_wrk(
        NOTHING_COMPLETED.replace("  0 requests", "  12 requests").replace("0.00us\n", "7.50ms\n", 1)
    )
    assert figures["requests"] == 12


def test_a_page_that_completes_nothing_in_the_window_reports_its_warm_up_time_not_zero(monkeypatch):
    monkeypatch.setattr(http.shutil, "which", lambda name: "/usr/bin/wrk")
    monkeypatch.setattr(
        http.urllib.request, "urlopen", lambda *args, **kwargs: type("R", (), {"read": lambda self: b""})()
    )
    clock = iter([10.0, 12.5])
    monkeypatch.setattr(http.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(
        http.subprocess,
        "run",
        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, NOTHING_COMPLETED, ""),
    )
    figures = http.wrk("http://127.0.0.1:1/claims/?q=x", seconds=2)
    assert figures["p50_ms"] == 2500.0 and figures["from_warmup"] is True
