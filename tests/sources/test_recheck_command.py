"""`manage.py recheck_sources`: which sources, in-process or queued, and clear errors."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from claims import vocab
from claims.models import Source
from sources.tasks import check_source_now_task
from tests.sources.site import Page, article

DAY = timezone.timedelta(days=1)


def recheck(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("recheck_sources", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_all_sync_checks_every_source_in_process_with_the_expected_outcomes(site):
    site.pages["/ok"] = Page(body=article("Kim Jong-un ha intenzione di recarsi in Russia questo mese."))
    site.pages["/busy"] = Page(503, b"busy")
    for path in ("/ok", "/gone", "/busy"):
        Source.objects.create(url=site.url(path))
    assert recheck("--all", "--sync") == "3 sources: 1 gone, 1 ok, 1 server_error.\n"
    assert dict(Source.objects.values_list("url", "liveness")) == {
        site.url("/ok"): vocab.Liveness.LIVE,
        site.url("/gone"): vocab.Liveness.SUSPECT,
        site.url("/busy"): vocab.Liveness.DEGRADED,
    }


def test_sync_waits_its_turn_on_a_polite_domain(site, settings):
    settings.SOURCE_MIN_INTERVAL_SECONDS = 0.3
    site.pages["/a"] = site.pages["/b"] = Page(body=article("Testo."))
    ids = [Source.objects.create(url=site.url(path)).pk for path in ("/a", "/b")]
    assert recheck("--sync", "--source", *map(str, ids)) == "2 sources: 2 ok.\n"


def test_without_sync_checks_are_queued_on_the_check_now_queue(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(check_source_now_task, "delay", lambda *args: queued.append(args))
    due = Source.objects.create(url="https://example.org/due", next_check_at=timezone.now())
    Source.objects.create(
        url="https://example.org/later", next_check_at=timezone.now() + timezone.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):  # the command runs in autocommit
        assert recheck() == "1 sources: 1 queued.\n"
    due.refresh_from_db()
    assert queued == [(due.pk, due.lease_token)]


def test_without_sync_a_broker_outage_leaves_the_source_due_for_the_dispatcher(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args):
        raise BrokerUnavailable("connection refused")

    monkeypatch.setattr(check_source_now_task, "delay", broker_down)
    source = Source.objects.create(url="https://example.org/a", next_check_at=timezone.now() + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        recheck("--source", str(source.pk))
    source.refresh_from_db()
    assert source.lease_token == "" and source.next_check_at <= timezone.now()


def test_unknown_source_ids_are_named_and_nothing_is_checked(db):
    known = Source.objects.create(url="https://example.org/a")
    with pytest.raises(CommandError, match="Unknown source id"):
        recheck("--sync", "--source", str(known.pk), "998", "999")
    assert not known.checks.exists()


def test_all_and_source_cannot_be_combined(db):
    with pytest.raises(CommandError):
        recheck("--all", "--source", "1")
