"""Re-check throughput and memory through the real Celery worker on Redis (python -m bench.recheck --sources N)."""

import argparse
import functools
import json
import logging
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

if __name__ == "__main__":
    # Command-line defaults only: the suite's smoke test brings its own settings.
    for name, value in {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker_benchrecheck",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/4",
        "CACHE_URL": "redis://127.0.0.1:6379/5",
        "DJANGO_SECRET_KEY": "bench-only-secret-key",
    }.items():
        os.environ.setdefault(name, value)

import httpx
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import override_settings

from bench import generate as generator
from bench.http import free_port, wrk
from bench.measure import ROOT, ratio, stamp
from bench.origin import QUOTE
from claims.models import Source, SourceCheck
from sources import politeness
from sources.dispatch import dispatch_due_sources

logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per baseline request otherwise

WORKER_NAME = "bench-recheck"
QUEUES = ("checks", "checks_now", "celery")
NOW = datetime(2024, 3, 5, tzinfo=UTC)


# --- the simulated hosts -------------------------------------------------------------------------------


@contextmanager
def origin(*, hosts: int):
    """bench.origin in a subprocess on 127.0.0.1..127.0.0.{hosts}, one port; yields that port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.origin", f"--port={port}", f"--hosts={hosts}"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the origin server did not start")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def origin_call(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.load(response)


def source_url(number: int, *, hosts: int, port: int) -> str:
    return f"http://127.0.0.{number % hosts + 1}:{port}/article/{number}"


# --- the data ------------------------------------------------------------------------------------------


def load_sources(*, sources: int, hosts: int, port: int) -> float:
    """`sources` due sources with empty baselines, each cited by one claim hop quoting QUOTE; seconds."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        generator._reset()
        cursor.execute("TRUNCATE claims_historicalsource RESTART IDENTITY")
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(username="bench-editor")
    with connection.cursor() as cursor:
        generator._copy(
            cursor,
            "claims_actor",
            ["id", "name", "kind", "country", "aliases", "description", "reliability", "reliability_note",
             "created_at", "updated_at"],
            [(1, "Bench supplier", "state", "RU", "[]", "", "", "", NOW, NOW),
             (2, "Bench recipient", "state", "SY", "[]", "", "", "", NOW, NOW)],
        )  # fmt: skip
        generator._copy(
            cursor,
            "claims_source",
            ["id", "url", "title", "language", "published_precision", "created_at", "liveness", "strikes",
             "quotes_missing", "last_outcome", "etag", "last_modified", "baseline_sha256", "baseline_text",
             "lease_token", "next_check_at", "evidence_problem"],
            ((i, source_url(i, hosts=hosts, port=port), "", "", "unknown", NOW, "unchecked", 0, 0, "", "", "",
              "", "", "", NOW, "") for i in range(1, sources + 1)),
        )  # fmt: skip
        generator._copy(
            cursor,
            "claims_claim",
            ["id", "uuid", "statement", "kind", "place", "item_category", "item_description", "designation",
             "stage", "stance", "modality", "negated", "quantity_qualifier", "quantity_unit", "quantity_text",
             "event_precision", "status", "version", "created_at", "updated_at", "created_by_id", "updated_by_id",
             "supplier_id", "recipient_id", "search_document"],
            ((i, f"00000000-0000-4000-8000-{i:012d}", f"Bench claim {i}", "transfer", "", "", "", "", "", "assert",
              "occurred", False, "unknown", "", "", "unknown", "published", 1, NOW, NOW, user.pk, user.pk, 1, 2,
              "") for i in range(1, sources + 1)),
        )  # fmt: skip
        generator._copy(
            cursor,
            "claims_attributionhop",
            ["claim_id", "position", "speaker_id", "descriptor", "role", "anonymity", "source_id", "quote",
             "quote_language", "translation"],
            ((i, 0, 2, "", "", "outlet_voice", i, QUOTE, "en", "") for i in range(1, sources + 1)),
        )  # fmt: skip
        for table in ("claims_actor", "claims_source", "claims_claim"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("ANALYZE claims_source, claims_attributionhop, claims_claim")
    return time.perf_counter() - started


# --- the baseline --------------------------------------------------------------------------------------


def sequential_baseline(urls: list[str]) -> dict:
    """A bare sequential httpx loop: no politeness, no parsing, no database."""
    started = time.perf_counter()
    with httpx.Client(timeout=10) as client:
        for url in urls:
            client.get(url).raise_for_status()
    seconds = time.perf_counter() - started
    return {"checks_per_s": round(len(urls) / seconds, 1), "seconds": round(seconds, 2)}


# --- the worker ----------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _memory_mb(pid: int, field: str) -> float:
    """VmRSS from /proc/PID/status, or Pss from smaps_rollup (shared pages split between sharers)."""
    path = f"/proc/{pid}/status" if field == "VmRSS" else f"/proc/{pid}/smaps_rollup"
    try:
        with open(path) as file:
            return next(int(line.split()[1]) for line in file if line.startswith(f"{field}:")) / 1024
    except (OSError, StopIteration):
        return 0.0


class Worker:
    """`celery worker` for the tracker's app in a subprocess; CPU and memory read from /proc."""

    def __init__(self, *, env: dict[str, str], pool: str, concurrency: int, log: Path) -> None:
        self.pool = pool
        self.log = log
        self.name = f"{WORKER_NAME}-{os.getpid()}@%h"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench.recheck_worker", "worker", f"--pool={pool}",
             f"--concurrency={concurrency}", f"--queues={','.join(QUEUES)}", f"--hostname={self.name}",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def pool_pids(self) -> list[int]:
        """The processes that run tasks: prefork's children, or the worker itself for threads/solo."""
        children = _children(self.process.pid)
        return children if self.pool == "prefork" and children else [self.process.pid]

    def cpu_seconds(self) -> dict[str, float]:
        pool = sum(_cpu_seconds(pid) for pid in self.pool_pids())
        everything = sum(_cpu_seconds(pid) for pid in {self.process.pid, *self.pool_pids()})
        return {"pool": pool, "total": everything}

    def memory(self) -> dict[str, float]:
        pids = self.pool_pids()
        return {
            "pool_rss_mb": round(sum(_memory_mb(pid, "VmRSS") for pid in pids), 1),
            "pool_pss_mb": round(sum(_memory_mb(pid, "Pss") for pid in pids), 1),
            "main_rss_mb": round(_memory_mb(self.process.pid, "VmRSS"), 1),
        }

    def wait_ready(self, *, timeout: float = 60) -> None:
        from bench.recheck_worker import app

        deadline = time.monotonic() + timeout
        destination = [self.name.replace("%h", os.uname().nodename)]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.tail()}")
            if app.control.ping(destination=destination, timeout=0.5):
                return
        raise RuntimeError(f"the worker did not answer a ping in {timeout} s:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: pool processes dump their profiles
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def purge_redis(*, broker_url: str, cache_url: str) -> None:
    """Empty the benchmark's queues and politeness keys left by an earlier, interrupted run."""
    import redis

    with redis.Redis.from_url(broker_url) as broker:
        broker.delete(*QUEUES, "unacked", "unacked_index")
    with redis.Redis.from_url(cache_url) as cache:
        for key in cache.scan_iter(match=f"*{politeness.KEY_PREFIX}*"):
            cache.delete(key)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def top_of_profile(directory: Path, *, entries: int = 25) -> dict[str, str]:
    files = sorted(directory.glob("*.pstats"))
    if not files:
        return {}
    out = {}
    for key in ("cumulative", "tottime"):
        stream = _Text()
        stats = pstats.Stats(*map(str, files), stream=stream)
        stats.strip_dirs().sort_stats(key).print_stats(entries)
        out[key] = stream.text()
    return out


class _Text:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


# --- the run -------------------------------------------------------------------------------------------


def run(
    *,
    sources: int,
    hosts: int = 100,
    concurrency: int = 4,
    pool: str = "prefork",
    interval: float = 0.5,
    baseline: bool = True,
    rss_after: int = 1000,
    profile: bool = False,
    timeout: float = 600,
) -> dict:
    """Check `sources` sources on `hosts` simulated hosts with the real worker; figures beside a baseline.

    Two passes over the same pages, each with a fresh worker: the first captures every new source
    (empty baselines: extraction, metadata, baseline written with history), the second re-checks
    them unchanged, the path a source takes every day after. The top-level figures are the second's;
    the first's are under "capture".
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("The re-check benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    broker_url = settings.CELERY_BROKER_URL
    cache_url = os.environ.get("CACHE_URL", "")
    if not broker_url.startswith("redis://") or not cache_url.startswith("redis://"):
        raise RuntimeError("The re-check benchmark needs CELERY_BROKER_URL and CACHE_URL on redis://")
    results: dict = {
        "sources": sources, "hosts": hosts, "pool": pool, "concurrency": concurrency,
        "min_interval_s": interval, "politeness_limit_per_host": 1,
    }  # fmt: skip
    with ExitStack() as stack:
        # The dispatcher (here) books each domain's starts by the interval the worker keeps.
        stack.enter_context(override_settings(SOURCE_MIN_INTERVAL_SECONDS=interval))
        scratch = Path(tempfile.mkdtemp(prefix="bench-recheck-"))
        stack.callback(shutil.rmtree, scratch, ignore_errors=True)
        port = stack.enter_context(origin(hosts=hosts))
        served = wrk(f"http://127.0.0.1:{port}/article/1", seconds=3, connections=16, threads=2)
        results["server_req_per_s"] = served["req_per_s"]
        results["load_seconds"] = round(load_sources(sources=sources, hosts=hosts, port=port), 2)
        urls = [source_url(i, hosts=hosts, port=port) for i in range(1, sources + 1)]
        if baseline:
            results["baseline"] = sequential_baseline(urls)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CACHE_URL": cache_url,
            "SOURCE_FETCH_ALLOWLIST": ",".join(f"127.0.0.{n}:{port}" for n in range(1, hosts + 1)),
            "SOURCE_MIN_INTERVAL_SECONDS": str(interval),
            "TRACKER_VAR_DIR": str(scratch),
            "EVIDENCE_DIR": str(scratch / "evidence"),
            "LOG_LEVEL": "WARNING",
        }
        run_pass = functools.partial(
            _pass, sources=sources, port=port, env=env, pool=pool, concurrency=concurrency, timeout=timeout,
            rss_after=min(rss_after, max(sources // 2, 1)), broker_url=broker_url, cache_url=cache_url,
        )  # fmt: skip
        results["capture"] = run_pass(scratch / "capture", profile=False)
        # Due again, as the dispatcher would find them a day later; the pages have not changed.
        Source.objects.update(next_check_at=NOW, last_checked_at=None)
        results.update(run_pass(scratch / "recheck", profile=profile))
    for figures in (results, results["capture"]):
        origin_stats = figures["origin"]
        figures["max_inflight_per_host"] = origin_stats["max_inflight_per_host"]
        figures["politeness_honoured"] = origin_stats["max_inflight_per_host"] <= 1
        figures["server_faster_than_checker"] = results["server_req_per_s"] > figures["checks_per_s"]
        first, last = figures.get("memory_after_first"), figures["memory_after_all"]
        if first:
            figures["rss_ratio_all_vs_first"] = round(last["pool_rss_mb"] / first["pool_rss_mb"], 3)
        if baseline:
            figures["speed_vs_baseline"] = ratio(figures["checks_per_s"], results["baseline"]["checks_per_s"])
    return results


def _pass(
    directory: Path,
    *,
    sources: int,
    port: int,
    env: dict,
    pool: str,
    concurrency: int,
    timeout: float,
    rss_after: int,
    broker_url: str,
    cache_url: str,
    profile: bool,
) -> dict:
    """Dispatch every due source and wait until each is checked, with a worker of its own."""
    directory.mkdir()
    origin_call(port, "/_reset")
    purge_redis(broker_url=broker_url, cache_url=cache_url)
    last_before = SourceCheck.objects.order_by("-id").values_list("id", flat=True).first() or 0
    env = {**env, "BENCH_STATS_DIR": str(directory), "BENCH_PROFILE_DIR": str(directory) if profile else ""}
    figures: dict = {}
    worker = Worker(env=env, pool=pool, concurrency=concurrency, log=directory / "worker.log")
    try:
        worker.wait_ready()
        time.sleep(0.5)  # let every pool process finish importing before the clock starts
        cpu_before = worker.cpu_seconds()
        started = time.perf_counter()
        dispatch_cpu = time.process_time()
        dispatched = 0
        while leases := dispatch_due_sources():
            dispatched += len(leases)
        figures["dispatch_seconds"] = round(time.perf_counter() - started, 2)
        # The dispatcher's own CPU (leasing and publishing), which shares the machine with the worker.
        figures["dispatch_cpu_seconds"] = round(time.process_time() - dispatch_cpu, 2)
        checked_sources = Source.objects.exclude(last_checked_at=None)
        deadline = time.monotonic() + timeout
        while (checked := checked_sources.count()) < sources:
            if "memory_after_first" not in figures and checked >= rss_after:
                figures["memory_after_first"] = {"checks": checked, **worker.memory()}
            if time.monotonic() > deadline or worker.process.poll() is not None:
                raise RuntimeError(f"{checked} of {sources} sources checked; worker log:\n{worker.tail()}")
            time.sleep(0.1)
        wall = time.perf_counter() - started
        cpu_after = worker.cpu_seconds()
        figures["memory_after_all"] = {"checks": sources, **worker.memory()}
    finally:
        worker.stop()  # pool processes write their counters (and profiles) as they shut down
    written = SourceCheck.objects.filter(id__gt=last_before)
    checks = written.count()
    outcomes = dict(written.values_list("outcome").annotate(n=Count("id")).order_by())
    statements = sum(json.loads(path.read_text())["statements"] for path in directory.glob("stats-*.json"))
    figures.update(
        {
            "dispatched": dispatched,
            "checks": checks,
            "wall_seconds": round(wall, 2),
            "checks_per_s": round(sources / wall, 1),
            "cpu_s_per_check": round((cpu_after["total"] - cpu_before["total"]) / checks, 4),
            "pool_cpu_s_per_check": round((cpu_after["pool"] - cpu_before["pool"]) / checks, 4),
            # Every statement the pool's tasks sent, the ones that found a domain busy included.
            "statements_per_check": round(statements / checks, 2),
            "outcomes": outcomes,
            "origin": origin_call(port, "/_stats"),
        }
    )
    if profile:
        figures["profile"] = top_of_profile(directory)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--interval", type=float, default=0.5, help="SOURCE_MIN_INTERVAL_SECONDS")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    parser.add_argument("--profile", action="store_true", help="cProfile every pool process")
    parser.add_argument("--output", help="also write the figures to this JSON file")
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = run(
        sources=args.sources, hosts=args.hosts, concurrency=args.concurrency, pool=args.pool,
        interval=args.interval, baseline=args.baseline, profile=args.profile,
    )  # fmt: skip
    results = {**stamp(), "recheck": figures}
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2, default=str))
    profile = figures.pop("profile", None)
    print(json.dumps(figures, indent=2, default=str))
    for key, text in (profile or {}).items():
        print(f"\n== profile by {key}\n{text}")


if __name__ == "__main__":
    main()
