"""Backup and restore on SQLite, make run's database: a second machine gets the same data and evidence."""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from tests.ops.test_backup_restore import files_in
from tests.reliability.stack import ROOT

pytestmark = pytest.mark.slow

# Evidence, a token, and afterwards a publish through the restored copy (run in a machine's own process).
PREPARE = """
from django.contrib.auth.models import User
from claims.models import Source, SourceCheck
from sources import evidence
from claims.tokens import create_api_token
source = Source.objects.first()
SourceCheck.objects.create(source=source, outcome="ok", body_sha256=evidence.store_body(b"<html>kept</html>"))
print("TOKEN=" + create_api_token(user=User.objects.get(username="reviewer"), name="newsroom"))
"""
PUBLISH = """
import json
from django.test import Client
from claims.models import Claim
claim = Claim.objects.filter(status="in_review").first()
api = Client(headers={"Authorization": "Bearer " + TOKEN})
answer = api.post(f"/api/v1/claims/{claim.uuid}/transitions/",
                  {"to": "published", "reason": "go", "confirm_unverified_sources": True},
                  content_type="application/json")
print("RESULT=" + json.dumps([answer.status_code, api.get("/api/v1/feed/?limit=500").json()["events"][-1]]))
"""
FEED = "SELECT seq, type, claim_id, version, payload FROM claims_feedevent ORDER BY seq"
VERSIONS = "SELECT claim_id, version, snapshot FROM claims_claimversion ORDER BY claim_id, version"


def machine(var) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "EVIDENCE_DIR", "MEDIA_ROOT"}}
    return {**env, "TRACKER_VAR_DIR": str(var), "DEMO_PASSWORD": "a-demo-password-1"}


def manage(env, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def query(path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_a_sqlite_installation_restores_on_a_new_machine_with_its_feed_counter_tokens_and_evidence(tmp_path):
    old, new = machine(tmp_path / "old"), machine(tmp_path / "new")
    manage(old, "migrate", "--no-input", "-v0")
    manage(old, "load_demo")
    token = manage(old, "shell", "-c", PREPARE).rsplit("TOKEN=", 1)[1].strip()
    manage(old, "backup", str(tmp_path / "backup"))
    manage(new, "restore", str(tmp_path / "backup"))

    old_db, new_db = tmp_path / "old" / "db.sqlite3", tmp_path / "new" / "db.sqlite3"
    for sql in (
        FEED,
        VERSIONS,
        "SELECT digest, user_id FROM knox_authtoken",
        "SELECT * FROM sqlite_sequence",
    ):
        assert query(new_db, sql) == query(old_db, sql), sql
    evidence = files_in(tmp_path / "old" / "media" / "evidence")
    assert evidence
    assert files_in(tmp_path / "new" / "media" / "evidence") == evidence

    status, event = json.loads(
        manage(new, "shell", "-c", f"TOKEN = {token!r}\n{PUBLISH}").rsplit("RESULT=", 1)[1]
    )
    assert status == 201
    assert event["seq"] > max(row[0] for row in query(old_db, FEED))
