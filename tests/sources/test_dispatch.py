"""Leases that hand each due source to one dispatcher, and the enqueue that follows on commit."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from claims.models import Source
from sources import dispatch, politeness
from sources.dispatch import dispatch_due_sources, lease_source
from sources.tasks import check_source_now_task, check_sources_task

NOW = timezone.now()
HOUR = timedelta(hours=1)


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
    """Each batch task sent: (its leases, its countdown in seconds)."""
    calls: list[tuple[list[tuple], float]] = []
    lock = threading.Lock()

    def record(args, *, countdown):
        with lock:
            calls.append((list(args[0]), countdown))

    monkeypatch.setattr(check_sources_task, "apply_async", record)
    return calls


@pytest.fixture
def batches(sent):
    return sent


@pytest.fixture
def interval(settings):
    """Politeness's interval, with a fresh cache: bookings from other tests must not push these back."""
    settings.SOURCE_MIN_INTERVAL_SECONDS = 10
    politeness.cache.clear()
    yield 10
    politeness.cache.clear()


def test_sources_of_one_domain_are_sent_an_interval_apart_and_other_domains_at_once(
    db, sent, interval, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(dispatch, "CHECK_BATCH", 2)
    spacing = interval * (1 + dispatch.BOOKING_SLACK)
    same = [Source.objects.create(url=f"https://www.ansa.it/{i}", next_check_at=NOW - HOUR) for i in range(3)]
    other = Source.objects.create(url="https://www.bbc.co.uk/a", next_check_at=NOW - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        leases = dispatch_due_sources(now=NOW)
    token = dict(leases)

    assert [[source_id for source_id, _ in batch] for batch, _ in sent] == [
        [same[0].pk, other.pk],
        [same[1].pk],
        [same[2].pk],
    ]
    assert [countdown for _, countdown in sent] == pytest.approx([0, spacing, 2 * spacing], abs=0.5)
    assert sent[0][0] == [(same[0].pk, token[same[0].pk]), (other.pk, token[other.pk])]


def test_the_next_dispatch_books_after_the_sources_already_sent(
    db, sent, interval, django_capture_on_commit_callbacks
):
    spacing = interval * (1 + dispatch.BOOKING_SLACK)
    first = Source.objects.create(url="https://www.ansa.it/1", next_check_at=NOW - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_sources(now=NOW)
    second = Source.objects.create(url="https://www.ansa.it/2", next_check_at=NOW - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_sources(now=NOW)

    assert [(batch[0][0], countdown) for batch, countdown in sent] == [
        (first.pk, 0.0),
        (second.pk, pytest.approx(spacing, abs=0.5)),
    ]


def test_a_domain_in_back_off_has_its_sources_sent_when_the_back_off_ends(
    db, sent, interval, django_capture_on_commit_callbacks
):
    politeness.defer("ansa.it", 120)
    Source.objects.create(url="https://www.ansa.it/1", next_check_at=NOW - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_sources(now=NOW)

    assert [countdown for _, countdown in sent] == [pytest.approx(120, abs=0.5)]


def test_sources_booked_past_half_a_lease_are_sent_at_once_for_politeness_to_hand_on(
    db, sent, interval, settings, django_capture_on_commit_callbacks
):
    settings.SOURCE_LEASE_SECONDS = 50  # bookings up to 25 s ahead: the first three of one domain
    sources = [
        Source.objects.create(url=f"https://www.ansa.it/{i}", next_check_at=NOW - HOUR) for i in range(4)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_sources(now=NOW)

    sent_at = {source_id: countdown for batch, countdown in sent for source_id, _ in batch}
    assert [sent_at[s.pk] for s in sources] == [
        0.0,
        pytest.approx(11, abs=0.5),
        pytest.approx(22, abs=0.5),
        0.0,
    ]


def test_with_the_politeness_cache_down_every_lease_is_still_sent_at_once(
    db, sent, interval, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def cache_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(politeness, "book", cache_down)
    sources = [
        Source.objects.create(url=f"https://www.ansa.it/{i}", next_check_at=NOW - HOUR) for i in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        leases = dispatch_due_sources(now=NOW)

    assert sorted(source_id for batch, _ in sent for source_id, _ in batch) == sorted(s.pk for s in sources)
    assert [countdown for _, countdown in sent] == [0.0]
    assert len(leases) == 3
    assert "3 sources sent without bookings" in caplog.text


def test_dispatcher_leases_due_sources_and_enqueues_their_checks_in_batches_on_commit(
    db, batches, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(dispatch, "CHECK_BATCH", 2)
    due = [Source.objects.create(url=f"https://example{i}.org/", next_check_at=NOW - HOUR) for i in range(3)]
    Source.objects.create(url="https://later.example/", next_check_at=NOW + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        leases = dispatch_due_sources(now=NOW)
        assert batches == []  # not before the leases are committed
    assert sorted(source_id for source_id, _ in leases) == [s.pk for s in due]
    assert batches == [(leases[:2], 0.0), (leases[2:], 0.0)]
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_sources(now=NOW + timedelta(minutes=1)) == []
    for source_id, token in leases:
        assert Source.objects.get(pk=source_id).lease_token == token


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_never_lease_the_same_source(batches):
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
                results["a"] = dispatch._lease_due_skip_locked(now=NOW, limit=3)
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


def test_the_fallback_skips_sources_another_dispatcher_leased_after_its_select(db, batches, monkeypatch):
    ids = [
        Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR).pk for i in range(4)
    ]
    take = dispatch._take
    raced = threading.Event()

    def rival_gets_there_first(rows, *, now):
        if not raced.is_set():  # between our SELECT and our first UPDATE
            raced.set()
            for source_id in ids[:2]:
                assert take(Source.objects.filter(pk=source_id), now=NOW) is not None
        return take(rows, now=now)

    monkeypatch.setattr(dispatch, "_take", rival_gets_there_first)
    leases = dispatch._lease_due_one_by_one(now=NOW, limit=10)
    assert [source_id for source_id, _ in leases] == ids[2:]


@pytest.fixture
def sent_now(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(check_source_now_task, "delay", lambda *args: calls.append(args))
    return calls


def test_check_now_takes_the_lease_even_from_a_waiting_check_and_enqueues_on_checks_now(
    db, batches, sent_now, django_capture_on_commit_callbacks
):
    source = Source.objects.create(url="https://example.org/a", next_check_at=NOW)
    old = lease_source(source_id=source.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.check_now(source_id=source.pk)
    source.refresh_from_db()
    assert source.lease_token not in ("", old)
    assert sent_now == [(source.pk, source.lease_token)] and batches == []


def test_a_new_source_is_captured_once_and_not_while_leased(db, sent_now, django_capture_on_commit_callbacks):
    source = Source.objects.create(url="https://example.org/a", next_check_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.capture_new_source(source_id=source.pk)
        dispatch.capture_new_source(source_id=source.pk)  # the lease is live: nothing more
    source.refresh_from_db()
    assert sent_now == [(source.pk, source.lease_token)]


def test_with_the_broker_down_the_lease_is_given_back_and_the_source_is_due_now(
    db, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise BrokerUnavailable("connection refused")

    monkeypatch.setattr(check_sources_task, "apply_async", broker_down)
    sources = [
        Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR) for i in range(2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert [source_id for source_id, _ in dispatch_due_sources(now=NOW)] == [s.pk for s in sources]
    for source in sources:
        source.refresh_from_db()
        assert (source.lease_token, source.lease_expires_at) == ("", None)
        assert NOW - HOUR < source.next_check_at <= timezone.now()
    ids = ", ".join(str(s.pk) for s in sources)
    assert f"broker unavailable: sources {ids} left due for the next dispatch" in caplog.messages


def test_check_now_with_the_broker_down_gives_the_lease_back_and_leaves_the_source_due(
    db, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args):
        raise BrokerUnavailable("connection refused")

    monkeypatch.setattr(check_source_now_task, "delay", broker_down)
    source = Source.objects.create(url="https://example.org/a", next_check_at=NOW + HOUR)
    other = Source.objects.create(url="https://example.org/b", next_check_at=NOW + HOUR)
    other_token = lease_source(source_id=other.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.check_now(source_id=source.pk)
    source.refresh_from_db()
    assert (source.lease_token, source.lease_expires_at) == ("", None)
    assert source.next_check_at <= timezone.now()
    other.refresh_from_db()
    assert other.lease_token == other_token  # only this source's lease is given back
    assert caplog.messages == [f"broker unavailable: source {source.pk} left due for the next dispatch"]


def test_release_leaves_a_source_alone_once_someone_else_leased_it(db):
    source = Source.objects.create(url="https://example.org/a", next_check_at=NOW + HOUR)
    stale = lease_source(source_id=source.pk)
    fresh = lease_source(source_id=source.pk, steal=True)
    dispatch.release_lease(source_id=source.pk, lease_token=stale)
    source.refresh_from_db()
    assert (source.lease_token, source.next_check_at) == (fresh, NOW + HOUR)
    dispatch.release_lease(source_id=source.pk, lease_token=fresh)
    source.refresh_from_db()
    assert source.lease_token == "" and source.lease_expires_at is None


def test_the_dispatcher_leases_at_most_its_limit_oldest_due_first(
    db, batches, django_capture_on_commit_callbacks
):
    due = [
        Source.objects.create(url=f"https://example.org/{i}", next_check_at=NOW - HOUR * (i + 1))
        for i in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        leases = dispatch_due_sources(now=NOW, limit=2)
    assert [source_id for source_id, _ in leases] == [due[2].pk, due[1].pk]
    lease = Source.objects.get(pk=due[2].pk).lease_expires_at
    assert lease == NOW + timedelta(seconds=settings.SOURCE_LEASE_SECONDS)


def test_the_dispatcher_judges_due_at_the_time_it_is_given(db, batches, django_capture_on_commit_callbacks):
    later = Source.objects.create(url="https://example.org/later", next_check_at=NOW + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due_sources(now=NOW) == []
        assert [source_id for source_id, _ in dispatch_due_sources(now=NOW + 2 * HOUR)] == [later.pk]
