"""Backup under load and restore on a fresh machine: the same claims, versions, feed, tokens and evidence."""

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from claims import services, vocab
from claims.models import Claim, Source, SourceCheck
from claims.tokens import create_api_token
from sources import evidence
from tests.conftest import claim_data
from tests.reliability.stack import ROOT, free_port, stop, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and concurrent writers need PostgreSQL; on SQLite: tests/ops/test_backup_sqlite.py",
)


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database: the fresh machine's."""
    server = connection.settings_dict
    name = f"{server['NAME']}_restore"
    admin = f"host={server['HOST']} port={server['PORT']} user={server['USER']} dbname=postgres"
    with closing(psycopg.connect(admin, autocommit=True)) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}/{name}"
    with closing(psycopg.connect(admin, autocommit=True)) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_machine_env(database_url: str, var: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "TRACKER_VAR_DIR": str(var),
            "EVIDENCE_DIR": str(var / "evidence"), "API_THROTTLE_USER_PER_MINUTE": "0"}  # fmt: skip


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def rows(database_url: str, sql: str) -> list[tuple]:
    with closing(psycopg.connect(database_url.replace("postgres://", "postgresql://"))) as db:
        return db.execute(sql).fetchall()


VERSIONS = """SELECT c.uuid::text, v.version, v.snapshot::text FROM claims_claimversion v
              JOIN claims_claim c ON c.id = v.claim_id ORDER BY 1, 2"""
FEED = """SELECT f.seq, f.type, c.uuid::text, f.version, f.payload::text FROM claims_feedevent f
          JOIN claims_claim c ON c.id = f.claim_id ORDER BY f.seq"""
CHECKS = "SELECT id, body_sha256, warc_path FROM claims_sourcecheck ORDER BY id"


class Writer(threading.Thread):
    """Claims created, submitted, assessed and published, and captures stored, one commit after another."""

    def __init__(self, editor, reviewer, actors, source: Source) -> None:
        super().__init__(daemon=True)
        self.editor, self.reviewer, self.actors, self.source = editor, reviewer, actors, source
        self.committed: list[tuple] = []  # in commit order: ("version", uuid, n) or ("check", id)
        self.stopping = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            n = 0
            while not self.stopping.is_set():
                n += 1
                self.one_claim(n)
        except BaseException as error:  # reported by the test
            self.failure = error
        finally:
            connection.close()

    def one_claim(self, n: int) -> None:
        data = claim_data(self.actors, statement=f"Load claim {n}")
        claim = services.create_claim(data=data, by=self.editor)
        self.committed.append(("version", str(claim.uuid), 1))
        services.transition_claim(
            claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=self.editor
        )
        self.committed.append(("version", str(claim.uuid), 2))
        services.add_assessment(claim_id=claim.pk, by=self.reviewer, reliability="B", credibility=3,
                                rationale="ok")  # fmt: skip
        self.committed.append(("version", str(claim.uuid), 3))
        services.transition_claim(claim_id=claim.pk, to=vocab.Status.PUBLISHED, reason="go", by=self.reviewer,
                                  confirm_unverified_sources=True)  # fmt: skip
        self.committed.append(("version", str(claim.uuid), 4))
        # As the re-checker does: the body is stored before the row citing it commits.
        digest = evidence.store_body(f"capture {n} ".encode() * 200)
        check = SourceCheck.objects.create(source=self.source, outcome="ok", body_sha256=digest)
        self.committed.append(("check", check.pk))


def restored_entries(database_url: str, writer: Writer) -> set[tuple]:
    """The writer's commits found in the restored database."""
    ours = set(writer.committed)
    versions = {("version", uuid, n) for uuid, n, _ in rows(database_url, VERSIONS)}
    return (versions | {("check", pk) for pk, _, _ in rows(database_url, CHECKS)}) & ours


def files_in(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@postgresql_only
def test_a_backup_under_load_restores_a_consistent_prefix_with_tokens_evidence_and_the_feed_counter(
    editor, reviewer, actors, tmp_path, settings, empty_database
):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reviewer_token = create_api_token(user=reviewer, name="newsroom")
    pending = services.create_claim(data=claim_data(actors, statement="Waiting for review"), by=editor)
    services.transition_claim(claim_id=pending.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=editor)
    services.add_assessment(claim_id=pending.pk, by=reviewer, reliability="B", credibility=3, rationale="ok")
    source = Source.objects.get()
    first = SourceCheck.objects.create(
        source=source, outcome="ok", body_sha256=evidence.store_body(b"<html>first capture</html>"),
        warc_path="warc/2023/09/05/first.warc.gz",
    )  # fmt: skip
    (settings.EVIDENCE_DIR / first.warc_path).parent.mkdir(parents=True)
    (settings.EVIDENCE_DIR / first.warc_path).write_bytes(os.urandom(4096))

    writer = Writer(editor, reviewer, actors, source)
    writer.start()
    wait_until(lambda: len(writer.committed) >= 20, timeout=60, what="the writer to commit 20 transactions")
    evidence_before = files_in(settings.EVIDENCE_DIR)
    committed_before = len(writer.committed)
    call_command("backup", str(tmp_path / "backup"))
    committed_after = len(writer.committed)
    time.sleep(0.5)  # more writes after the backup: none of them may appear in the restore
    writer.stopping.set()
    writer.join(timeout=30)
    assert writer.failure is None, writer.failure
    assert committed_after > committed_before, "the backup must run while the writer commits"

    machine = tmp_path / "fresh-machine"
    env = fresh_machine_env(empty_database, machine)
    restored = manage(env, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr

    # A consistent prefix: exactly the writer's first K commits, K between the backup's start and end.
    entries = restored_entries(empty_database, writer)
    k = len(entries)
    assert entries == set(writer.committed[:k])
    assert committed_before <= k <= committed_after, (committed_before, k, committed_after)

    # Every restored row is the original, byte for byte; nothing before the snapshot is missing.
    original = connection.settings_dict
    original_url = f"postgres://{original['USER']}@{original['HOST']}:{original['PORT']}/{original['NAME']}"
    restored_versions = rows(empty_database, VERSIONS)
    assert set(restored_versions) <= set(rows(original_url, VERSIONS))
    restored_feed = rows(empty_database, FEED)
    last_seq = restored_feed[-1][0]
    assert restored_feed == [event for event in rows(original_url, FEED) if event[0] <= last_seq]
    counts = "SELECT (SELECT count(*) FROM claims_claim), (SELECT count(*) FROM knox_authtoken)"
    assert rows(empty_database, counts)[0][1] == rows(original_url, counts)[0][1]

    # Evidence: every file that existed before the backup, same bytes; every restored check's body.
    restored_files = files_in(machine / "evidence")
    assert evidence_before.items() <= restored_files.items()
    for _pk, body, warc in rows(empty_database, CHECKS):
        path = machine / "evidence" / "bodies" / body[:2] / body[2:4] / body
        assert hashlib.sha256(path.read_bytes()).hexdigest() == body
        if warc:
            assert (machine / "evidence" / warc).read_bytes() == (settings.EVIDENCE_DIR / warc).read_bytes()

    # The fresh machine serves: the token authenticates, and a new event continues after the restored ones.
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=10,
                           headers={"Authorization": f"Bearer {reviewer_token}"})  # fmt: skip

        def up():
            try:
                return api.get("/feed/?limit=1").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=30, what="the restored app to serve")
        publish = {"to": "published", "reason": "go", "confirm_unverified_sources": True}
        published = api.post(f"/claims/{pending.uuid}/transitions/", json=publish)
        assert published.status_code == 201, published.text
        after = api.get(f"/feed/?after={last_seq}").json()["events"]
        assert [(e["type"], e["claim_id"]) for e in after] == [("published", str(pending.uuid))]
        assert after[0]["seq"] > last_seq
    finally:
        stop(server)


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(editor, actors, tmp_path, settings):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    services.create_claim(data=claim_data(actors, statement="Before the backup"), by=editor)
    call_command("backup", str(tmp_path / "backup"))
    services.create_claim(data=claim_data(actors, statement="After the backup"), by=editor)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "backup"))
    assert Claim.objects.count() == 2


@postgresql_only
def test_a_damaged_backup_is_refused_before_anything_is_restored(
    editor, actors, tmp_path, settings, empty_database
):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    services.create_claim(data=claim_data(actors), by=editor)
    evidence.store_body(b"<html>a capture</html>")
    call_command("backup", str(tmp_path / "backup"))
    body = next(p for p in (tmp_path / "backup" / "evidence").rglob("*") if p.is_file())
    body.write_bytes(b"<html>tampered</html>")

    restored = manage(
        fresh_machine_env(empty_database, tmp_path / "machine"), "restore", str(tmp_path / "backup")
    )
    assert restored.returncode != 0
    assert "missing or damaged" in restored.stderr
    assert rows(empty_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    assert not (tmp_path / "machine" / "evidence").exists()


def test_a_backup_never_writes_into_a_directory_that_is_not_empty(tmp_path, settings):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "older.txt").write_text("an older backup")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "backup"))
    assert [p.name for p in (tmp_path / "backup").iterdir()] == ["older.txt"]


@postgresql_only
def test_a_missing_pg_dump_is_a_clear_error_and_leaves_no_backup_behind(tmp_path, settings, monkeypatch):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump is not on PATH"):
        call_command("backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup" / "manifest.json").exists()


def test_a_manifest_naming_files_outside_the_backup_or_the_evidence_is_refused(
    editor, actors, tmp_path, settings
):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    services.create_claim(data=claim_data(actors), by=editor)
    call_command("backup", str(tmp_path / "backup"))
    manifest_path = tmp_path / "backup" / "manifest.json"
    original = json.loads(manifest_path.read_text())
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    for name in ("evidence/../../outside.txt", "../outside.txt"):
        manifest_path.write_text(json.dumps({**original, "files": {**original["files"], name: digest}}))
        with pytest.raises(CommandError, match="points outside the backup"):
            call_command("restore", str(tmp_path / "backup"))
    without_dump = {name: d for name, d in original["files"].items() if name.startswith("evidence/")}
    manifest_path.write_text(json.dumps({**original, "files": without_dump}))
    with pytest.raises(CommandError, match="does not vouch"):
        call_command("restore", str(tmp_path / "backup"))
    assert outside.read_text() == "not ours"
