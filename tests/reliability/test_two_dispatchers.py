"""Two beats (two dispatchers running at once): each due source is leased and checked once per interval."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from claims.models import Source, SourceCheck
from sources.checks import check_source
from sources.dispatch import dispatch_due_sources
from sources.tasks import check_sources_task
from tests.sources.site import Page, article

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL; SQLite serialises the dispatchers",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SOURCES = 30
DISPATCHERS = 2
BATCH = 4  # small batches, so the dispatchers' transactions interleave many times


def dispatch_concurrently(*, now) -> list[tuple[int, str]]:
    """DISPATCHERS threads, each dispatching in batches until nothing is due; every lease they took."""
    barrier = threading.Barrier(DISPATCHERS, timeout=30)
    leases: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def beat() -> None:
        try:
            barrier.wait()
            while batch := dispatch_due_sources(now=now, limit=BATCH):
                leases.extend(batch)
        except BaseException as error:  # a thread cannot fail the test itself: hand it over
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(DISPATCHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return leases


def test_two_dispatchers_lease_and_check_each_due_source_once_per_interval(site, monkeypatch):
    now = timezone.now()
    for n in range(SOURCES):
        site.pages[f"/s{n}"] = Page(body=article(f"Paragrafo numero {n} sulle forniture."))
        Source.objects.create(url=site.url(f"/s{n}"), next_check_at=now - timedelta(minutes=1))
    enqueued: list[tuple[int, str]] = []
    monkeypatch.setattr(check_sources_task, "apply_async", lambda args, **_: enqueued.extend(args[0]))

    leases = dispatch_concurrently(now=now)
    source_ids = [source_id for source_id, _ in leases]
    assert sorted(source_ids) == sorted(Source.objects.values_list("pk", flat=True)), "a double lease"
    assert sorted(enqueued) == sorted(leases), "each lease sent once"

    for source_id, token in leases:  # the workers run every task (and one of them twice: redelivery)
        check_source(source_id=source_id, lease_token=token)
    check_source(source_id=leases[0][0], lease_token=leases[0][1])
    assert sorted(SourceCheck.objects.values_list("source_id", flat=True)) == sorted(source_ids)
    assert not Source.objects.exclude(lease_token="").exists()

    assert dispatch_concurrently(now=timezone.now()) == [], "checked sources are not due again at once"
    next_interval = timezone.now() + timedelta(days=60)
    again = dispatch_concurrently(now=next_interval)
    assert sorted(source_id for source_id, _ in again) == sorted(source_ids), "once in the next interval"
