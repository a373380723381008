"""Real processes for the fault tests: a Django script runner, Celery workers, Redis and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = ""):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if value := condition():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def stop(process: subprocess.Popen, *, grace: float = 10) -> None:
    """Stop a process started with start_new_session=True, and everything it started."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        process.wait(timeout=grace)


class Stack:
    """The database and broker a worker subprocess shares with the test.

    On PostgreSQL the test database itself (the test must be transactional); on SQLite a migrated
    file of the test's own, since pytest's SQLite database lives in memory.
    """

    def __init__(self, env: dict[str, str], sqlite_file: Path | None) -> None:
        self.env = env
        self.sqlite_file = sqlite_file
        self.processes: list[subprocess.Popen] = []

    def script(self, code: str, *, timeout: float = 60, **extra_env: str) -> object:
        """Run `code` in a fresh Django process; it sets `result`, which comes back through JSON."""
        wrapper = (
            "import django, json, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tracker.settings')\n"
            "django.setup()\n"
            "result = None\n"
            f"{code}\n"
            "print('RESULT=' + json.dumps(result, default=str))\n"
        )
        completed = subprocess.run(
            [sys.executable, "-c", wrapper],
            cwd=ROOT, env={**self.env, **extra_env}, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-4000:]
        line = next(ln for ln in reversed(completed.stdout.splitlines()) if ln.startswith("RESULT="))
        return json.loads(line.removeprefix("RESULT="))

    def worker(
        self, *, pool: str = "solo", queues: str = "checks,checks_now", **extra_env: str
    ) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", "worker", f"--pool={pool}",
             "--concurrency=1", f"--queues={queues}", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT, env={**self.env, **extra_env}, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read what the subprocesses wrote (SQL in %s style)."""
        if self.sqlite_file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        with closing(sqlite3.connect(self.sqlite_file, timeout=20)) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()

    def close(self) -> None:
        for process in self.processes:
            stop(process)


def database_env() -> dict[str, str]:
    """DATABASE_URL of the test database when it can be shared with subprocesses (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    db = connection.settings_dict
    return {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


class RedisServer:
    """A throwaway redis-server on a free port, which a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", tempfile.gettempdir()],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=10, what="redis-server to answer")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class PostgresServer:
    """A throwaway PostgreSQL cluster owned by the postgres user, on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="tracker-rel-pg-"))
        shutil.chown(self.data, "postgres", "postgres")

    def _as_postgres(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data / "server.log")  # without it the server keeps our output pipe open
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def cleanup(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.data, ignore_errors=True)
