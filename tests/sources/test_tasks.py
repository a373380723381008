"""Celery wiring: routes, limits, beat, thin tasks, check-now, capture on add, and a real worker."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from claims import services, vocab
from claims.models import Source, SourceCheck
from sources import checks, tasks
from sources.dispatch import lease_source, request_source_check
from sources.tasks import (
    check_source_now_task,
    check_source_task,
    check_sources_task,
    dispatch_due_sources_task,
)
from tests.sources.site import Page, article
from tracker.celery import app

ROOT = Path(__file__).resolve().parents[2]


def queue_of(task) -> str:
    return app.amqp.router.route({}, task.name, args=(), kwargs={})["queue"].name


def test_scheduled_and_requested_checks_travel_on_separate_queues():
    assert queue_of(check_source_task) == "checks"
    assert queue_of(check_sources_task) == "checks"
    assert queue_of(dispatch_due_sources_task) == "checks"
    assert queue_of(check_source_now_task) == "checks_now"


def test_task_names_outlive_the_move_so_queued_messages_and_the_beat_entry_still_resolve():
    # Messages in flight and the beat schedule name tasks by these strings, not by module path.
    names = {
        "claims.tasks.check_source_task": check_source_task,
        "claims.tasks.check_source_now_task": check_source_now_task,
        "claims.tasks.dispatch_due_sources_task": dispatch_due_sources_task,
    }
    for name, task in names.items():
        assert task.name == name and app.tasks[name].run is task.run


@pytest.mark.parametrize("task", [check_source_task, check_source_now_task])
def test_check_tasks_survive_worker_loss_and_finish_before_redelivery(task):
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit < task.time_limit < 3600
    assert task.max_retries and task.retry_backoff


def test_a_batch_of_checks_survives_worker_loss_and_finishes_before_redelivery():
    task = check_sources_task
    assert task.acks_late and task.reject_on_worker_lost
    assert tasks.BATCH_BUDGET_SECONDS + 40 < task.soft_time_limit < task.time_limit < 3600


def test_beat_dispatches_due_sources_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-due-sources"]
    assert (entry["task"], entry["schedule"]) == (dispatch_due_sources_task.name, 60.0)


@pytest.fixture
def source(db, site):
    site.pages["/a"] = Page(body=article("Kim Jong-un ha intenzione di recarsi in Russia questo mese."))
    return Source.objects.create(url=site.url("/a"))


def test_a_check_task_redelivered_with_the_same_lease_writes_one_check(source):
    token = lease_source(source_id=source.pk, steal=True)
    check_source_task.apply(args=(source.pk, token)).get()
    check_source_task.apply(args=(source.pk, token)).get()
    assert source.checks.get().outcome == vocab.CheckOutcome.OK


def test_a_busy_domain_reschedules_the_task_instead_of_sleeping(source, settings, monkeypatch):
    settings.SOURCE_MIN_INTERVAL_SECONDS = 60
    check_source_task.apply(args=(source.pk, lease_source(source_id=source.pk, steal=True))).get()
    rescheduled = []
    monkeypatch.setattr(check_source_task, "apply_async", lambda *a, **kw: rescheduled.append((a, kw)))
    token = lease_source(source_id=source.pk, steal=True)
    started = time.monotonic()
    check_source_task.apply(args=(source.pk, token)).get()
    assert time.monotonic() - started < 1
    [(args, options)] = rescheduled
    assert args == ((source.pk, token),)
    assert 50 < options["countdown"] <= 60
    assert source.checks.count() == 1


# --- batches of scheduled checks -----------------------------------------------------------------------


@pytest.fixture
def pages(site):
    """Three leased sources on the site, each with a page quoting it."""
    leases = []
    for n in range(3):
        site.pages[f"/p{n}"] = Page(body=article(f"Paragrafo numero {n} sulle forniture."))
        source = Source.objects.create(url=site.url(f"/p{n}"))
        leases.append((source.pk, lease_source(source_id=source.pk, steal=True)))
    return leases


@pytest.fixture
def handed_on(monkeypatch) -> dict[str, list]:
    """What a batch sends on instead of checking itself: single checks, and the rest of the batch."""
    sent = {"single": [], "rest": []}
    monkeypatch.setattr(
        check_source_task, "apply_async", lambda args, **kw: sent["single"].append((args, kw))
    )
    monkeypatch.setattr(check_sources_task, "apply_async", lambda args, **kw: sent["rest"].append(args))
    return sent


def lease_rows() -> list[str]:
    """The lease token of every check row, in source order."""
    return list(SourceCheck.objects.order_by("source_id").values_list("lease_token", flat=True))


def test_a_batch_checks_each_source_and_a_redelivered_batch_writes_nothing_more(pages, handed_on):
    check_sources_task.apply(args=(pages,)).get()
    check_sources_task.apply(args=(pages,)).get()
    assert lease_rows() == [token for _, token in pages]
    assert not Source.objects.exclude(lease_token="").exists()
    assert handed_on == {"single": [], "rest": []}


def test_a_source_whose_domain_is_busy_leaves_the_batch_for_a_later_task_of_its_own(
    pages, handed_on, settings
):
    settings.SOURCE_MIN_INTERVAL_SECONDS = 60  # the three pages share the site's domain
    check_sources_task.apply(args=(pages,)).get()
    assert lease_rows() == [pages[0][1]]
    assert [args for args, _ in handed_on["single"]] == pages[1:]
    assert all(50 < options["countdown"] <= 60 for _, options in handed_on["single"])


def test_a_transient_failure_is_recorded_and_retried_as_the_second_attempt_of_its_own_task(
    pages, handed_on, site
):
    site.pages["/p1"] = Page(status=500, body=b"down")
    check_sources_task.apply(args=(pages,)).get()
    assert lease_rows() == [token for _, token in pages]  # the failure's first attempt included
    [(args, options)] = handed_on["single"]
    assert args == pages[1] and options["retries"] == 1
    assert 0 <= options["countdown"] <= check_source_task.retry_backoff
    assert Source.objects.get(pk=pages[1][0]).lease_token == pages[1][1]  # kept for the retry


def broken_on_the_second(pages, monkeypatch) -> None:
    check = checks.check_source

    def check_or_fail(*, source_id, **kwargs):
        if source_id == pages[1][0]:
            raise RuntimeError("a bug")
        return check(source_id=source_id, **kwargs)

    monkeypatch.setattr(checks, "check_source", check_or_fail)


def test_a_check_that_fails_sends_the_rest_of_its_batch_on_before_failing(pages, handed_on, monkeypatch):
    broken_on_the_second(pages, monkeypatch)
    with pytest.raises(RuntimeError, match="a bug"):
        check_sources_task.apply(args=(pages,)).get()
    assert lease_rows() == [pages[0][1]]
    assert handed_on["rest"] == [(pages[2:],)]


def test_a_batch_past_its_time_budget_sends_the_rest_on_after_its_first_check(pages, handed_on, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH_BUDGET_SECONDS", -1)
    check_sources_task.apply(args=(pages,)).get()
    assert lease_rows() == [pages[0][1]]
    assert handed_on["rest"] == [(pages[1:],)]


@pytest.mark.parametrize("cause", ["budget spent", "a check failed"])
def test_sources_handed_on_to_a_new_batch_keep_their_lease_for_a_full_term_while_they_wait(
    cause, pages, handed_on, monkeypatch, settings
):
    # Leased long ago, say a backlog: without renewal they could expire in the queue and be leased twice.
    soon = timezone.now() + timedelta(seconds=5)
    Source.objects.update(lease_expires_at=soon)
    if cause == "budget spent":
        monkeypatch.setattr(tasks, "BATCH_BUDGET_SECONDS", -1)
        check_sources_task.apply(args=(pages,)).get()
    else:
        broken_on_the_second(pages, monkeypatch)
        with pytest.raises(RuntimeError):
            check_sources_task.apply(args=(pages,)).get()
    [(rest,)] = handed_on["rest"]
    renewed = timezone.now() + timedelta(seconds=settings.SOURCE_LEASE_SECONDS - 60)
    for source_id, token in rest:
        held = Source.objects.get(pk=source_id)
        assert held.lease_token == token and held.lease_expires_at > renewed
    if cause == "a check failed":
        assert Source.objects.get(pk=pages[1][0]).lease_expires_at == soon  # not handed on: unchanged


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(check_source_now_task, "delay", lambda *args: calls.append(args))
    return calls


def test_an_editor_can_ask_for_a_check_now(editor, enqueued, django_capture_on_commit_callbacks):
    source = Source.objects.create(url="https://example.org/a")
    with django_capture_on_commit_callbacks(execute=True):
        request_source_check(source_id=source.pk, by=editor)
    source.refresh_from_db()
    assert enqueued == [(source.pk, source.lease_token)]


def test_check_now_is_for_editors_only(viewer, enqueued):
    source = Source.objects.create(url="https://example.org/a")
    with pytest.raises(PermissionDenied):
        request_source_check(source_id=source.pk, by=viewer)
    assert enqueued == []


def test_check_now_for_an_unknown_source_says_so(editor):
    with pytest.raises(Source.DoesNotExist, match="No source with id 424242"):
        request_source_check(source_id=424242, by=editor)


def test_a_new_source_is_captured_by_a_check_now_task_after_commit(
    db, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = services.get_or_create_source(url="https://example.org/new")
    source.refresh_from_db()
    assert enqueued == [(source.pk, source.lease_token)]
    with django_capture_on_commit_callbacks(execute=True):
        services.get_or_create_source(url="https://example.org/new")
    assert len(enqueued) == 1


# --- a real worker ------------------------------------------------------------------------------------


def brokers() -> list[str]:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    return ["filesystem://", *([configured] if configured.startswith(("redis://", "amqp://")) else [])]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("broker", brokers())
def test_a_real_worker_captures_a_new_source_and_runs_a_requested_check(broker, site, tmp_path):
    site.pages["/a"] = Page(body=article("Kim Jong-un ha intenzione di recarsi in Russia questo mese."))
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "TRACKER_VAR_DIR": str(tmp_path),  # private filesystem-broker folders (and SQLite file)
        "SOURCE_FETCH_ALLOWLIST": site.host_port,
        "SOURCE_MIN_INTERVAL_SECONDS": "0",
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    if connection.vendor == "postgresql":
        db = connection.settings_dict  # the test database, shared with the worker
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

        def outcomes(source_id: int) -> list[str]:
            return list(
                SourceCheck.objects.filter(source_id=source_id)
                .order_by("id")
                .values_list("outcome", flat=True)
            )
    else:  # the test database is in memory: give the worker its own file
        env.pop("DATABASE_URL", None)
        manage(env, "migrate", "--no-input", "-v0")

        def outcomes(source_id: int) -> list[str]:
            with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                rows = db.execute(
                    "SELECT outcome FROM claims_sourcecheck WHERE source_id = ? ORDER BY id", [source_id]
                )
                return [outcome for (outcome,) in rows]

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool=solo",
         "--queues=checks,checks_now", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Adding a source enqueues its capture on commit (the shell runs in autocommit).
        script = (
            "from claims.services import get_or_create_source; "
            f"print(get_or_create_source(url={site.url('/a')!r}).pk)"
        )
        source_id = int(manage(env, "shell", "-v0", "-c", script).split()[-1])

        def wait_for(count: int) -> list[str]:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and worker.poll() is None:
                if len(seen := outcomes(source_id)) >= count:
                    return seen
                time.sleep(0.2)
            worker.terminate()
            pytest.fail(f"no check after 20 s; worker said:\n{worker.communicate(timeout=10)[1][-3000:]}")

        assert wait_for(1) == ["ok"]
        assert "1 queued" in manage(env, "recheck_sources", "--source", str(source_id))
        assert wait_for(2) == ["ok", "ok"]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# --- database connections in the worker ----------------------------------------------------------------


def test_celery_reuses_the_database_connection_instead_of_closing_it_around_every_task():
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 100


class _WorkerRequest:
    is_eager = False


class _WorkerTask:
    request = _WorkerRequest()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_task_keeps_a_healthy_connection_and_drops_an_expired_one():
    if connection.vendor == "sqlite":
        pytest.skip("Django never closes the in-memory SQLite test database; CI runs this on PostgreSQL")
    from celery.signals import task_postrun

    connection.ensure_connection()
    healthy = connection.connection
    task_postrun.send(sender=check_source_task, task=_WorkerTask(), task_id="t1")
    assert connection.connection is healthy
    connection.close_at = time.monotonic() - 1  # DATABASE_CONN_MAX_AGE has passed
    task_postrun.send(sender=check_source_task, task=_WorkerTask(), task_id="t2")
    assert connection.connection is None
