"""The tracker's Celery app for the re-check benchmark, with per-process counters for it.

Each pool process counts the SQL statements its tasks send (BEGIN and COMMIT are not statements: psycopg
sends them on its own) and, if BENCH_PROFILE_DIR is set, runs cProfile; both are written to
BENCH_STATS_DIR / BENCH_PROFILE_DIR when the process shuts down.
"""

import cProfile
import json
import os
from pathlib import Path

from celery.signals import worker_process_init, worker_process_shutdown
from django.db import connection

from tracker.celery import app

__all__ = ["app"]

PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
STATS_DIR = os.environ.get("BENCH_STATS_DIR", "")
_profiler: cProfile.Profile | None = None
_statements = 0


def _count(execute, sql, params, many, context):
    global _statements
    _statements += 1
    return execute(sql, params, many, context)


@worker_process_init.connect
def _start_counting(**_: object) -> None:
    global _profiler
    # Prefork runs each task in the process's main thread: its connection is the one the tasks use.
    connection.execute_wrappers.append(_count)
    if PROFILE_DIR:
        _profiler = cProfile.Profile()
        _profiler.enable()


@worker_process_shutdown.connect
def _write_counters(**_: object) -> None:
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(Path(PROFILE_DIR) / f"worker-{os.getpid()}.pstats")
    if STATS_DIR:
        (Path(STATS_DIR) / f"stats-{os.getpid()}.json").write_text(json.dumps({"statements": _statements}))
