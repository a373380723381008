"""Evidence on disk: private file modes, and verify_evidence finding altered or missing files."""

import gzip
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db.utils import ConnectionHandler

from claims import vocab
from claims.models import Source
from sources import evidence
from sources.checks import check_source
from sources.dispatch import lease_source
from sources.tasks import verify_evidence_task
from tests.conftest import hop
from tests.sources.site import Page, article

QUOTE = "Kim Jong-un ha intenzione di recarsi in Russia questo mese."


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The common default umask, under which files are world-readable unless created otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def captured(make_claim, site, settings):
    """Two published sources on the local site, each checked once: bodies and WARC records on disk."""
    sources = []
    for path in ("/a", "/b"):
        site.pages[path] = Page(body=article(f"{QUOTE} {path}"))
        source = make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=site.url(path))]).hops.get().source
        check_source(source_id=source.pk, lease_token=lease_source(source_id=source.pk, steal=True))
        sources.append(source)
    return sources


def run_verify() -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_evidence", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- file modes


def test_evidence_files_are_0600_and_directories_0700_whatever_the_umask(settings, tmp_path, open_umask):
    from datetime import UTC, datetime

    from sources.fetch import FetchResult

    settings.EVIDENCE_DIR = tmp_path / "var" / "evidence"
    digest = evidence.store_body(b"<p>body</p>")
    warc = evidence.write_warc(
        FetchResult(
            url="https://x.example.org/", outcome="ok", final_url="https://x.example.org/", body=b"b"
        ),
        at=datetime(2023, 9, 5, tzinfo=UTC),
    )
    files = [evidence.body_path(digest), settings.EVIDENCE_DIR / warc]
    assert [mode(path) for path in files] == [0o600, 0o600]
    directories = [path for path in (tmp_path / "var").rglob("*") if path.is_dir()]
    assert len(directories) >= 8  # evidence, bodies/ab/cd, warc/2023/09/05
    assert {mode(path) for path in [tmp_path / "var", *directories]} == {0o700}


def test_the_sqlite_database_file_is_private(db, tmp_path, open_umask):
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "db.sqlite3"}}
    )
    connection = handler["default"]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x int)")
    finally:
        connection.close()
    assert mode(tmp_path / "db.sqlite3") == 0o600


def test_a_celery_worker_and_beat_create_files_for_their_user_only(open_umask):
    from celery.signals import beat_init, celeryd_init

    for signal in (celeryd_init, beat_init):
        os.umask(0o022)
        signal.send(sender=None)
        assert os.umask(0o022) == 0o077


# ---------------------------------------------------------------- verify_evidence


def test_a_clean_store_verifies_and_exits_0(captured):
    code, out, _ = run_verify()
    assert code == 0
    assert "2 bodies and 2 WARC records checked: no problems." in out
    assert not Source.objects.needing_attention().exists()


def test_an_altered_body_is_reported_and_its_source_needs_attention(captured, client, editor):
    tampered, _untouched = captured
    body = evidence.body_path(tampered.checks.get().body_sha256)
    body.write_bytes(body.read_bytes().replace(b"Russia", b"Rossia"))

    code, out, err = run_verify()

    assert code == 1
    assert f"mismatch: bodies/{body.parent.parent.name}/{body.parent.name}/{body.name}" in err
    assert f"sources {tampered.pk}" in err
    assert "1 problem." in out
    assert list(Source.objects.needing_attention()) == [tampered]
    client.force_login(editor)
    assert f'href="/sources/{tampered.pk}/"' in client.get("/").content.decode()
    assert "evidence altered or missing" in client.get("/").content.decode()
    assert "failed verification" in client.get(f"/sources/{tampered.pk}/").content.decode()


def test_an_altered_warc_record_is_reported(captured, settings):
    source = captured[0]
    path = settings.EVIDENCE_DIR / source.checks.get().warc_path
    with gzip.open(path, "rb") as stream:
        record = stream.read()
    with gzip.open(path, "wb") as stream:
        stream.write(record.replace(b"Russia", b"Rossia"))

    code, _, err = run_verify()

    assert code == 1 and "mismatch: warc/" in err
    assert list(Source.objects.needing_attention()) == [source]


def test_a_missing_body_or_warc_file_is_reported(captured, settings):
    first, second = captured
    evidence.body_path(first.checks.get().body_sha256).unlink()
    (settings.EVIDENCE_DIR / second.checks.get().warc_path).unlink()

    code, out, err = run_verify()

    assert code == 1
    assert "missing: bodies/" in err and "missing: warc/" in err
    assert "2 problems." in out
    assert set(Source.objects.needing_attention()) == {first, second}


def test_a_repaired_store_clears_the_flag(captured):
    source = captured[0]
    body = evidence.body_path(source.checks.get().body_sha256)
    original = body.read_bytes()
    body.write_bytes(b"tampered")
    assert run_verify()[0] == 1
    body.write_bytes(original)  # restored from a backup

    assert run_verify()[0] == 0
    source.refresh_from_db()
    assert source.evidence_problem == ""


def test_the_weekly_task_verifies_and_flags(captured):
    evidence.body_path(captured[1].checks.get().body_sha256).write_bytes(b"tampered")
    assert verify_evidence_task.apply().get() == 1
    assert list(Source.objects.needing_attention()) == [captured[1]]


def test_beat_runs_the_verification_weekly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["verify-evidence"]
    assert entry == {"task": "claims.tasks.verify_evidence_task", "schedule": 604800.0}
