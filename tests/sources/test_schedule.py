"""Check intervals by citation age, jitter, and leases that hand each due source to one dispatcher."""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from claims import services, vocab
from claims.models import Source
from claims.sources import schedule
from claims.sources.schedule import (
    check_interval,
    dispatch_due_sources,
    jittered,
    lease_source,
    next_check_at,
)
from claims.tasks import check_source_task

NOW = timezone.now()
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("age", "interval"),
    [(HOUR, 6 * HOUR), (5 * DAY, DAY), (30 * DAY, 7 * DAY), (200 * DAY, 30 * DAY)],
)
def test_interval_grows_with_the_age_of_the_first_citation(age, interval):
    assert check_interval(first_cited_at=NOW - age, now=NOW, liveness="live", attention=False) == interval


def test_claims_in_review_or_disputed_are_checked_four_times_as_often_but_not_hourly():
    assert check_interval(first_cited_at=NOW - 5 * DAY, now=NOW, liveness="live", attention=True) == 6 * HOUR
    assert check_interval(first_cited_at=NOW, now=NOW, liveness="live", attention=True) == 90 * timedelta(
        minutes=1
    )
    assert check_interval(first_cited_at=NOW - 400 * DAY, now=NOW, liveness="live", attention=True) > HOUR


def test_dead_sources_are_still_checked_monthly():
    assert check_interval(first_cited_at=NOW, now=NOW, liveness="dead", attention=True) == 30 * DAY


def test_jitter_stays_within_ten_percent_and_spreads_checks():
    rng = random.Random(4)
    values = [jittered(DAY, rng=rng) for _ in range(200)]
    assert all(0.9 * DAY <= value <= 1.1 * DAY for value in values)
    assert len(set(values)) > 100


def _source_of(claim) -> Source:
    return claim.hops.get().source


def test_a_source_cited_by_a_claim_in_review_is_checked_sooner(make_claim):
    draft = _source_of(make_claim())
    now = timezone.now()
    calm = next_check_at(draft, now=now, rng=random.Random(1)) - now
    reviewed = _source_of(make_claim(vocab.Status.IN_REVIEW, hops=[_hop("https://example.org/b")]))
    busy = next_check_at(reviewed, now=now, rng=random.Random(1)) - now
    assert busy < calm / 3


def test_a_source_cited_by_a_contradicted_claim_is_checked_sooner(make_claim, editor):
    first, second = make_claim(), make_claim(hops=[_hop("https://example.org/c")])
    source = _source_of(first)
    now = timezone.now()
    before = next_check_at(source, now=now, rng=random.Random(1)) - now
    services.add_relation(
        from_claim_id=second.pk,
        to_claim_id=first.pk,
        kind=vocab.RelationKind.CONTRADICTS,
        independence=vocab.Independence.INDEPENDENT,
        by=editor,
    )
    after = next_check_at(source, now=now, rng=random.Random(1)) - now
    assert after < before / 3


def _hop(url):
    from tests.conftest import hop

    return hop(source_url=url)


def test_a_live_lease_cannot_be_taken_but_an_expired_one_or_a_check_now_can(db):
    source = Source.objects.create(url="https://example.org/a", next_check_at=NOW)
    first = lease_source(source_id=source.pk, now=NOW)
    assert first is not None
    assert lease_source(source_id=source.pk, now=NOW + timedelta(minutes=1)) is None
    stolen = lease_source(source_id=source.pk, now=NOW + timedelta(minutes=1), steal=True)
    assert stolen not in (None, first)
    assert lease_source(source_id=source.pk, now=NOW + timedelta(hours=2)) is not None


@pytest.fixture
def sent(monkeypatch):
    calls: list[tuple] = []
    lock = threading.Lock()

    def record(*args, **kwargs):
        with lock:
            calls.append(args)

    monkeypatch.setattr(check_source_task, "delay", record)
    return calls


def test_dispatcher_leases_due_sources_and_enqueues_one_check_each_on_commit(
    db, sent, django_capture_on_commit_callbacks
):
    due = [Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR) for i in range(3)]
    Source.objects.create(url="https://example.org/later", next_check_at=NOW + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        leases = dispatch_due_sources(now=NOW)
    assert sorted(source_id for source_id, _ in leases) == [s.pk for s in due]
    assert sorted(sent) == sorted(leases)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_sources(now=NOW + timedelta(minutes=1)) == []
    for source_id, token in leases:
        assert Source.objects.get(pk=source_id).lease_token == token


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_never_lease_the_same_source(sent):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL; SQLite serialises writers instead")
    ids = [
        Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR).pk for i in range(6)
    ]
    holding, done = threading.Event(), threading.Event()
    results: dict[str, list] = {}

    def first_dispatcher():
        try:
            with transaction.atomic():
                results["a"] = schedule._lease_due_skip_locked(now=NOW, limit=3)
                holding.set()
                done.wait(10)  # keep the rows locked while the other dispatcher runs
        finally:
            connections.close_all()

    def second_dispatcher():
        try:
            holding.wait(10)
            results["b"] = dispatch_due_sources(now=NOW)
        finally:
            done.set()
            connections.close_all()

    threads = [threading.Thread(target=first_dispatcher), threading.Thread(target=second_dispatcher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    a = {source_id for source_id, _ in results["a"]}
    b = {source_id for source_id, _ in results["b"]}
    assert len(a) == 3 and len(b) == 3
    assert a.isdisjoint(b)
    assert a | b == set(ids)


def test_the_fallback_skips_sources_another_dispatcher_leased_after_its_select(db, sent, monkeypatch):
    ids = [
        Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR).pk for i in range(4)
    ]
    take = schedule._take
    raced = threading.Event()

    def rival_gets_there_first(rows, *, now):
        if not raced.is_set():  # between our SELECT and our first UPDATE
            raced.set()
            for source_id in ids[:2]:
                assert take(Source.objects.filter(pk=source_id), now=NOW) is not None
        return take(rows, now=now)

    monkeypatch.setattr(schedule, "_take", rival_gets_there_first)
    leases = schedule._lease_due_one_by_one(now=NOW, limit=10)
    assert [source_id for source_id, _ in leases] == ids[2:]
