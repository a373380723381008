"""The API under load while its PostgreSQL restarts: fast JSON 503s, then recovery on its own."""

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import OperationalError, connection

from claims import vocab
from tests.reliability.stack import ROOT, PostgresServer, free_port, stop, wait_until

pytestmark = pytest.mark.slow
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="runs in the PostgreSQL configuration (it copies the migrated test database into a "
    "throwaway PostgreSQL server of its own)",
)

CLIENTS = 4
PAUSE = 0.005  # seconds between a client's requests: 503s come back in about 2 ms
MAX_REQUESTS = 10_000  # a guard against a runaway loop, far above what the scenario needs
FAST = 2.5  # seconds within which a request must be answered while the database is away


@dataclass
class Answer:
    started: float
    seconds: float
    status: int
    body: str


def fetch(url: str) -> Answer:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    except OSError as error:  # the test must see it, not lose it in a thread
        status, body = 0, repr(error)
    return Answer(started, time.monotonic() - started, status, body)


class Load:
    """CLIENTS threads asking the API in a loop until stopped (and never more than MAX_REQUESTS).

    Unpaced, the clients made about 1,800 requests in this scenario on a 2-core machine; a faster one
    can reach the cap before the restart, and then no request is left to succeed after it.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[Answer] = []
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]

    def client(self) -> None:
        while not self.done.is_set() and len(self.answers) < MAX_REQUESTS:
            self.answers.append(fetch(self.url))
            time.sleep(PAUSE)

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if a.started >= start and a.started + a.seconds <= end]

    def summary(self, *, since: float) -> str:
        later = [a for a in self.answers if a.started >= since]
        statuses = Counter(a.status for a in later)
        bodies = sorted({a.body[:200] for a in later if a.status != 200})[:3]
        return f"{len(self.answers)} requests in all; since then {dict(statuses)}, answers {bodies}"

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(timeout=15)


@pytest.fixture
def database():
    """A throwaway PostgreSQL holding a copy of the (migrated) test database."""
    server = PostgresServer()
    try:
        server.init()
        server.start()
        db = connection.settings_dict
        dump = subprocess.run(
            ["pg_dump", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "--no-owner", db["NAME"]],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(server.port), "-U",
             "postgres", "-d", "postgres"],
            input=dump.stdout, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def api(database, tmp_path):
    """gunicorn serving the app, with production settings, against the throwaway database."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "test-only-secret-key",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{database.port}/postgres",
        "DATABASE_CONN_MAX_AGE": "60",
        "CACHE_URL": "locmem://",
        "API_THROTTLE_ANON_PER_MINUTE": "0",
        "API_THROTTLE_USER_PER_MINUTE": "0",
        "TRACKER_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    log = (tmp_path / "gunicorn.log").open("w")  # a pipe nobody reads would fill up and block the workers
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "2", "--timeout", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/v1/claims/"
    try:
        wait_until(lambda: fetch(url).status == 200, timeout=30, interval=0.3, what="gunicorn to serve")
        yield url
    finally:
        stop(server)
        log.close()


@pytest.fixture
def published_claim(make_claim):
    return make_claim(vocab.Status.PUBLISHED)  # before the copy: the API has something to serve


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_fail_fast_with_json_503_while_the_database_is_down_then_recover(
    published_claim, database, api
):
    with Load(api) as load:
        time.sleep(1.0)
        database.stop()
        down = time.monotonic()
        time.sleep(2.5)
        up = time.monotonic()
        database.start()
        restarted = time.monotonic()
        try:
            wait_until(
                lambda: sum(a.status == 200 for a in load.between(restarted, time.monotonic())) >= 20,
                timeout=20,
                what="20 successful requests after the restart",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; {load.summary(since=restarted)}") from None
    recovered = [a for a in load.answers if a.started >= restarted and a.status == 200]
    answers = load.answers
    assert len(answers) < MAX_REQUESTS, "the load stopped at its cap before the scenario ended"
    assert {a.status for a in answers} <= {200, 503}, sorted({(a.status, a.body[:300]) for a in answers})

    while_down = load.between(down, up)
    assert len(while_down) >= CLIENTS, "no request was made while the database was down"
    for answer in while_down:
        assert answer.status == 503, answer
        assert answer.seconds < FAST, answer
        body = json.loads(answer.body)
        assert body["code"] == "database_unavailable" and body["detail"]
        assert "Traceback" not in answer.body and "psycopg" not in answer.body
    for answer in (a for a in answers if a.status == 503):
        assert json.loads(answer.body)["code"] == "database_unavailable"

    first_ok = min((a for a in recovered), key=lambda a: a.started)
    assert first_ok.started - restarted < 5, "the app took too long to reconnect"
    assert all(a.status == 200 for a in answers if a.started >= first_ok.started), "no flapping"
    assert str(published_claim.uuid) in first_ok.body


def _database_gone(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "debug"),
    [
        ("claims.api.views.Feed.get", False),
        ("claims.api.views.Feed.get", True),  # DRF's handler: no debug page even in debug
        # Outside views Django answers through handler500 (in debug, its debug page, by design).
        ("django.contrib.sessions.middleware.SessionMiddleware.process_request", False),
    ],
)
def test_a_lost_database_in_a_view_or_a_middleware_is_a_json_503(client, settings, monkeypatch, where, debug):
    """Any configuration: the same answer whether the failure comes from a view or a middleware."""
    settings.DEBUG = debug
    monkeypatch.setattr(where, _database_gone)
    client.raise_request_exception = False
    response = client.get("/api/v1/feed/")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is unavailable; try again shortly.",
        "code": "database_unavailable",
    }
    assert response["Retry-After"] == "5"
