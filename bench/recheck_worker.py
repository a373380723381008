"""The tracker's Celery app for the re-check benchmark, plus cProfile in each pool process if BENCH_PROFILE_DIR is set."""

import cProfile
import os
from pathlib import Path

from celery.signals import worker_process_init, worker_process_shutdown

from tracker.celery import app

__all__ = ["app"]

PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
_profiler: cProfile.Profile | None = None


@worker_process_init.connect
def _start_profiling(**_: object) -> None:
    global _profiler
    if PROFILE_DIR:
        _profiler = cProfile.Profile()
        _profiler.enable()


@worker_process_shutdown.connect
def _dump_profile(**_: object) -> None:
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(Path(PROFILE_DIR) / f"worker-{os.getpid()}.pstats")
