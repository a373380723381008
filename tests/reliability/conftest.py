"""Fixtures for the fault tests: a shared database and broker for worker subprocesses."""

import os
import sqlite3
from contextlib import closing

import pytest
from django.db import connection

from tests.reliability.stack import Stack, database_env


@pytest.fixture
def stack(site, tmp_path):
    """Environment for subprocesses that share the test's database, a private var dir and the site."""
    env = {
        **os.environ,
        "TRACKER_VAR_DIR": str(tmp_path),  # a private filesystem broker (and SQLite file)
        "SOURCE_FETCH_ALLOWLIST": site.host_port,
        "SOURCE_MIN_INTERVAL_SECONDS": "0",
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "LOG_LEVEL": "WARNING",
        **database_env(),
    }
    sqlite_file = None
    if connection.vendor != "postgresql":
        env.pop("DATABASE_URL", None)
        sqlite_file = tmp_path / "db.sqlite3"
        # A copy of the (in-memory, migrated) test database: much faster than migrating a new file.
        connection.ensure_connection()
        with closing(sqlite3.connect(sqlite_file)) as copy:
            connection.connection.backup(copy)
    running = Stack(env, sqlite_file)
    yield running
    running.close()
