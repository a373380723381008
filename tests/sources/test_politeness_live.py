"""Politeness seen from the other side: a server counting requests in flight per host while workers check."""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db import close_old_connections, connection

from claims import vocab
from claims.models import Source
from sources import checks
from sources.checks import DomainBusy, check_source
from sources.dispatch import lease_source
from sources.fetch import fetch
from sources.politeness import registrable_domain
from tests.sources.site import article

# Two names under one registrable domain (they must share a slot) and two more domains.
HOSTS = ("www.alpha.it", "news.alpha.it", "beta.co.uk", "gamma.com")
SOURCES_PER_HOST = 3
WORKERS = 6
RESPONSE_DELAY = 0.2
# A busy domain's task is re-enqueued after busy.wait in Celery; here the wait is capped to stay fast.
RESCHEDULE_CAP = 0.05
DEADLINE = 60.0


class CountingHandler(BaseHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        self.server.enter(host, self.path)
        try:
            time.sleep(RESPONSE_DELAY)
            body = article("Kim Jong-un ha intenzione di recarsi in Russia questo mese.", title=self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            self.server.leave(host)

    def log_message(self, format: str, *args: object) -> None:
        pass


class NoTurns:
    """A lock that never blocks, for databases with row locks."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


class CountingServer(ThreadingHTTPServer):
    """Counts requests in flight per Host header (and per registrable domain) and keeps the maxima."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.max_total = 0
        self.served: Counter[tuple[str, str]] = Counter()
        self.db_turn: threading.Lock | NoTurns = NoTurns()

    def enter(self, host: str, path: str) -> None:
        domain = registrable_domain(f"http://{host}/")
        with self.lock:
            self.served[(host, path)] += 1
            for key in (host, f"domain:{domain}"):
                self.in_flight[key] += 1
                self.max_in_flight[key] = max(self.max_in_flight[key], self.in_flight[key])
            self.max_total = max(self.max_total, sum(v for k, v in self.in_flight.items() if ":" not in k))

    def leave(self, host: str) -> None:
        domain = registrable_domain(f"http://{host}/")
        with self.lock:
            self.in_flight[host] -= 1
            self.in_flight[f"domain:{domain}"] -= 1


@pytest.fixture
def counting_server(settings, tmp_path, monkeypatch):
    server = CountingServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    settings.SOURCE_FETCH_ALLOWLIST = [f"{host}:{port}" for host in HOSTS]
    settings.SOURCE_MIN_INTERVAL_SECONDS = 0  # only the one-in-flight rule is under test
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    if connection.vendor == "sqlite":
        # The in-memory test database has table locks, not row locks: threads take turns at the
        # database (never during a fetch, see below). PostgreSQL runs the workers fully concurrently.
        server.db_turn = threading.Lock()
        if "DatabaseCache" in settings.CACHES["default"]["BACKEND"]:
            settings.CACHES = {
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "live"}
            }

    def fetch_from_the_local_server(url: str, **options):
        # Every test host name resolves to the local server; the database turn is free meanwhile,
        # so requests from different workers really overlap.
        server.db_turn.release()
        try:
            return fetch(url, resolver=lambda host, port: ["127.0.0.1"], **options)
        finally:
            server.db_turn.acquire()

    monkeypatch.setattr(checks, "fetch", fetch_from_the_local_server)
    cache.clear()
    yield server
    server.shutdown()
    server.server_close()
    cache.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_never_send_two_requests_to_one_domain_and_every_source_is_checked(
    counting_server,
):
    port = counting_server.server_address[1]
    sources = [
        Source.objects.create(url=f"http://{host}:{port}/article-{n}")
        for n in range(SOURCES_PER_HOST)
        for host in HOSTS
    ]
    # The dispatcher's part: one lease per source, one task per lease, all due at once.
    tasks: queue.Queue[tuple[float, int, str]] = queue.Queue()
    for source in sources:
        tasks.put((0.0, source.pk, lease_source(source_id=source.pk)))
    done: list[int] = []
    rescheduled: Counter[int] = Counter()
    errors: list[BaseException] = []
    deadline = time.monotonic() + DEADLINE

    def worker() -> None:
        try:
            while len(done) < len(sources) and time.monotonic() < deadline and not errors:
                try:
                    not_before, source_id, token = tasks.get(timeout=0.05)
                except queue.Empty:
                    continue
                if time.monotonic() < not_before:
                    tasks.put((not_before, source_id, token))
                    time.sleep(0.005)
                    continue
                try:
                    with counting_server.db_turn:
                        row = check_source(source_id=source_id, lease_token=token)
                except DomainBusy as busy:
                    rescheduled[source_id] += 1
                    tasks.put((time.monotonic() + min(busy.wait, RESCHEDULE_CAP), source_id, token))
                    continue
                assert row is not None, f"source {source_id}: lease lost"
                done.append(source_id)
        except BaseException as error:  # reported by the test thread below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE + 5)

    assert not errors, errors
    assert sorted(done) == sorted(s.pk for s in sources), "every source eventually checked"
    per_host = {key: n for key, n in counting_server.max_in_flight.items() if not key.startswith("domain:")}
    per_domain = {key: n for key, n in counting_server.max_in_flight.items() if key.startswith("domain:")}
    assert per_host == dict.fromkeys(HOSTS, 1)
    assert per_domain == {"domain:alpha.it": 1, "domain:beta.co.uk": 1, "domain:gamma.com": 1}
    # The guarantee is not won by accident: domains did overlap, and busy checks did wait their turn.
    assert counting_server.max_total >= 2
    assert sum(rescheduled.values()) >= 1
    assert set(counting_server.served.values()) == {1}, "a rescheduled check never fetched twice"
    outcomes = defaultdict(list)
    for source in Source.objects.prefetch_related("checks"):
        outcomes[source.pk] = [c.outcome for c in source.checks.all()]
    assert all(found == [vocab.CheckOutcome.OK] for found in outcomes.values()), outcomes
