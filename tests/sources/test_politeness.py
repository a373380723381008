"""Per-domain politeness: one request in flight, a minimum interval, back-off, across threads and caches."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources import politeness
from sources.politeness import Slot, acquire, defer, registrable_domain, release, try_acquire, wait_hint
from tests.reliability.stack import RedisServer

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "politeness"}}


@pytest.fixture
def locmem(settings):
    settings.CACHES = LOCMEM
    yield
    politeness.cache.clear()


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    """Django's RedisCache, where politeness runs as Lua scripts (one round trip per operation)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}
    }
    yield
    politeness.cache.clear()


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request):
    """The same guarantee on the generic cache API and on the Redis scripts."""
    request.getfixturevalue(f"{request.param}_cache" if request.param == "redis" else "locmem")
    return request.param


class Clock:
    """time.time() under the test's control, for politeness and the locmem cache's expiry alike."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def db_cache(settings, db):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_politeness"}
    }
    call_command("createcachetable", verbosity=0)


# --- registrable domain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://news.bbc.co.uk/world/europe", "bbc.co.uk"),
        ("http://www.repubblica.it/esteri/", "repubblica.it"),
        ("https://edition.CNN.com/", "cnn.com"),
        ("http://93.184.215.14:8080/x", "93.184.215.14"),
        ("http://[2606:4700::1111]/x", "2606:4700::1111"),
        ("http://localhost:8000/", "localhost"),
    ],
)
def test_registrable_domain_groups_subdomains_and_keeps_ips(url, domain):
    assert registrable_domain(url) == domain


def test_registrable_domain_uses_the_bundled_suffix_list_without_fetching(monkeypatch):
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried to download the suffix list")

    monkeypatch.setattr(requests.Session, "request", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    # The module's own extractor, made to load its suffix list afresh under the network ban.
    monkeypatch.setattr(politeness._extract, "_extractor", None)

    assert registrable_domain("https://a.b.example.co.jp/") == "example.co.jp"
    assert politeness._extract.suffix_list_urls == ()
    assert politeness._extract._cache.enabled is False  # and nothing written to disk


# --- acquire / release -------------------------------------------------------------------------------


def test_second_acquire_while_one_is_in_flight_is_refused(any_cache):
    slot = acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    assert isinstance(slot, Slot)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    assert acquire("repubblica.it", min_interval=0, lease_seconds=30) is not None


def test_release_allows_the_next_request_once_the_interval_has_passed(any_cache, clock):
    slot = acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30)
    release(slot)

    assert acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30) is None
    assert wait_hint("bbc.co.uk") == pytest.approx(0.3)

    clock.advance(0.35)

    assert acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30) is not None


def test_release_with_a_stale_token_leaves_the_new_holders_lock_alone(any_cache):
    stale = Slot(domain="bbc.co.uk", token="expired-lease")
    current = acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    release(stale)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    release(current)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_lease_expiry_frees_a_domain_held_by_a_crashed_worker(any_cache):
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=1) is not None

    time.sleep(1.05)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=1) is not None


def test_defer_blocks_acquire_until_the_back_off_has_passed(any_cache, clock):
    defer("bbc.co.uk", 0.3)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    assert wait_hint("bbc.co.uk") == pytest.approx(0.3)

    clock.advance(0.35)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_shorter_defer_does_not_shorten_a_longer_one(any_cache):
    defer("bbc.co.uk", 60)
    defer("bbc.co.uk", 1)

    assert wait_hint("bbc.co.uk") > 50


def test_defer_is_capped_at_a_day(any_cache):
    defer("bbc.co.uk", 10**9)

    assert 86_399 < wait_hint("bbc.co.uk") <= 86_400


def test_defer_of_exactly_a_day_is_kept_whole(any_cache, clock):
    defer("bbc.co.uk", 86_400)

    clock.advance(86_399)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    clock.advance(2)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_negative_retry_after_defers_nothing(any_cache):
    defer("bbc.co.uk", -30)

    assert wait_hint("bbc.co.uk") == 0.0
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


# --- time to live: each key outlives the cache's default 300 s when it must ------------------------


def test_an_hour_of_back_off_outlives_the_cache_default_timeout(locmem, clock):
    defer("bbc.co.uk", 3600)

    clock.advance(301)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    clock.advance(3300)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_an_hour_long_interval_outlives_the_cache_default_timeout(locmem, clock):
    release(acquire("bbc.co.uk", min_interval=3600, lease_seconds=30))

    clock.advance(301)
    assert acquire("bbc.co.uk", min_interval=3600, lease_seconds=30) is None
    clock.advance(3300)
    assert acquire("bbc.co.uk", min_interval=3600, lease_seconds=30) is not None


def test_an_hour_long_lease_outlives_the_cache_default_timeout(locmem, clock):
    acquire("bbc.co.uk", min_interval=0, lease_seconds=3600)

    clock.advance(301)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=3600) is None
    clock.advance(3300)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=3600) is not None


def test_a_sub_second_lease_still_holds_the_domain_for_a_second(locmem, clock):
    acquire("bbc.co.uk", min_interval=0, lease_seconds=0.2)

    clock.advance(0.5)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=0.2) is None
    clock.advance(0.6)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=0.2) is not None


def test_wait_hint_reports_the_longer_of_interval_and_back_off(any_cache):
    assert wait_hint("bbc.co.uk") == 0.0

    slot = acquire("bbc.co.uk", min_interval=10, lease_seconds=30)

    assert 9 < wait_hint("bbc.co.uk") <= 10
    defer("bbc.co.uk", 120)
    assert 119 < wait_hint("bbc.co.uk") <= 120
    release(slot)


def test_wait_hint_is_positive_while_a_request_is_in_flight(any_cache):
    acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    assert wait_hint("bbc.co.uk") == 1.0


def test_wait_hint_is_zero_once_the_request_is_released(any_cache):
    release(acquire("bbc.co.uk", min_interval=0, lease_seconds=30))

    assert wait_hint("bbc.co.uk") == 0.0


def test_threads_hammering_one_domain_never_have_two_requests_in_flight(any_cache):
    in_flight = 0
    peak = 0
    granted = 0
    counter = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        nonlocal in_flight, peak, granted
        start.wait()
        for _ in range(200):
            slot = acquire("bbc.co.uk", min_interval=0, lease_seconds=30)
            if slot is None:
                continue
            with counter:
                in_flight += 1
                granted += 1
                peak = max(peak, in_flight)
            time.sleep(0.0005)
            with counter:
                in_flight -= 1
            release(slot)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak == 1
    assert granted > 8


def test_database_cache_enforces_one_in_flight_and_back_off(db_cache):
    slot = acquire("repubblica.it", min_interval=0, lease_seconds=30)

    assert slot is not None
    assert acquire("repubblica.it", min_interval=0, lease_seconds=30) is None
    release(slot)
    assert acquire("repubblica.it", min_interval=0, lease_seconds=30) is not None

    defer("ansa.it", 60)
    assert acquire("ansa.it", min_interval=0, lease_seconds=30) is None
    assert wait_hint("ansa.it") > 50


def test_the_next_request_may_start_exactly_when_the_interval_ends(any_cache, clock):
    release(acquire("bbc.co.uk", min_interval=10, lease_seconds=30))

    clock.advance(9.5)
    assert acquire("bbc.co.uk", min_interval=10, lease_seconds=30) is None
    clock.advance(0.5)
    assert acquire("bbc.co.uk", min_interval=10, lease_seconds=30) is not None


def test_interval_and_back_off_leave_nothing_in_the_cache_a_second_after_they_end(locmem, clock):
    # Without a TTL every domain ever fetched would stay in Redis for good.
    release(acquire("bbc.co.uk", min_interval=10, lease_seconds=30))
    defer("ansa.it", 20)

    clock.advance(10.5)
    assert politeness.cache.has_key("sources:polite:next:bbc.co.uk")
    clock.advance(1)
    assert not politeness.cache.has_key("sources:polite:next:bbc.co.uk")
    clock.advance(9)
    assert politeness.cache.has_key("sources:polite:defer:ansa.it")
    clock.advance(1)
    assert not politeness.cache.has_key("sources:polite:defer:ansa.it")


# --- one atomic step per operation -------------------------------------------------------------------


def test_a_refused_acquire_reports_the_same_wait_as_wait_hint(any_cache, clock):
    release(acquire("bbc.co.uk", min_interval=10, lease_seconds=30))
    clock.advance(4)

    slot, wait = try_acquire("bbc.co.uk", min_interval=10, lease_seconds=30)

    assert slot is None
    assert wait == pytest.approx(6) == wait_hint("bbc.co.uk")
    held, busy_wait = try_acquire("ansa.it", min_interval=10, lease_seconds=30)
    assert isinstance(held, Slot) and busy_wait == 0.0
    assert try_acquire("ansa.it", min_interval=0, lease_seconds=30) == (None, pytest.approx(10))


def test_a_domain_held_with_its_interval_over_reports_the_busy_hint(any_cache):
    acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    assert try_acquire("bbc.co.uk", min_interval=0, lease_seconds=30) == (None, politeness.BUSY_HINT_SECONDS)


def test_on_redis_acquire_release_and_defer_are_one_command_each(redis_cache, monkeypatch):
    import redis

    sent: list[str] = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        sent.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    politeness.wait_hint("warm.up")  # registers the scripts (SCRIPT LOAD on first use)
    sent.clear()

    slot = acquire("bbc.co.uk", min_interval=5, lease_seconds=30)
    assert slot is not None and len(sent) == 1
    assert acquire("bbc.co.uk", min_interval=5, lease_seconds=30) is None and len(sent) == 2
    release(slot)
    defer("bbc.co.uk", 60)
    assert wait_hint("bbc.co.uk") > 59
    assert len(sent) == 5
    assert set(sent) <= {"EVALSHA", "EVAL"}


def test_on_redis_the_keys_live_in_the_caches_namespace(redis_cache):
    slot = acquire("bbc.co.uk", min_interval=5, lease_seconds=30)
    defer("ansa.it", 60)

    assert politeness.cache.has_key("sources:polite:lock:bbc.co.uk")
    assert politeness.cache.has_key("sources:polite:next:bbc.co.uk")
    assert politeness.cache.has_key("sources:polite:defer:ansa.it")
    release(slot)
    assert not politeness.cache.has_key("sources:polite:lock:bbc.co.uk")


def test_with_a_read_replica_configured_the_scripts_write_on_the_primary(settings, redis_server):
    import redis

    primary, replica = redis_server.url, redis_server.url.removesuffix("/0") + "/1"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": [primary, replica]}
    }
    try:
        acquire("bbc.co.uk", min_interval=5, lease_seconds=30)
        lock = politeness._cache_key("bbc.co.uk", "lock")
        assert redis.Redis.from_url(primary).exists(lock)
        assert not redis.Redis.from_url(replica).exists(lock)
    finally:
        redis.Redis.from_url(primary).flushdb()
        redis.Redis.from_url(replica).flushdb()


def test_on_redis_the_lock_and_interval_expire_with_their_ttls(redis_cache, redis_server):
    import redis

    acquire("bbc.co.uk", min_interval=5, lease_seconds=30)
    defer("ansa.it", 60)

    client = redis.Redis.from_url(redis_server.url)
    ttl = {part: client.ttl(politeness._cache_key(domain, part)) for part, domain in
           (("lock", "bbc.co.uk"), ("next", "bbc.co.uk"), ("defer", "ansa.it"))}  # fmt: skip
    # Whole seconds as the cache API would set them (a second of slack for a slow machine).
    assert 29 <= ttl["lock"] <= 30 and 5 <= ttl["next"] <= 6 and 60 <= ttl["defer"] <= 61


# --- bookings: when to try, never whether ---------------------------------------------------------------


def test_bookings_space_one_domains_starts_and_leave_other_domains_free(any_cache, clock):
    assert politeness.book(["ansa.it", "bbc.co.uk", "ansa.it", "ansa.it"], spacing=5, horizon=60) == [
        0.0,
        0.0,
        pytest.approx(5),
        pytest.approx(10),
    ]
    clock.advance(2)
    assert politeness.book(["ansa.it"], spacing=5, horizon=60) == [pytest.approx(13)]


def test_a_domains_first_booking_waits_for_its_interval_and_back_off(any_cache, clock):
    release(acquire("ansa.it", min_interval=10, lease_seconds=30))
    defer("bbc.co.uk", 30)
    clock.advance(4)

    assert politeness.book(["ansa.it", "bbc.co.uk"], spacing=5, horizon=60) == [
        pytest.approx(6),
        pytest.approx(26),
    ]


def test_a_booking_past_the_horizon_is_refused_and_books_nothing(any_cache, clock):
    assert politeness.book(["ansa.it"] * 3, spacing=5, horizon=7) == [0.0, pytest.approx(5), None]
    clock.advance(5)
    assert politeness.book(["ansa.it"], spacing=5, horizon=7) == [pytest.approx(5)]


def test_bookings_never_hold_back_acquire(any_cache):
    politeness.book(["ansa.it"] * 3, spacing=5, horizon=60)

    assert acquire("ansa.it", min_interval=5, lease_seconds=30) is not None


def test_a_booking_leaves_nothing_in_the_cache_a_second_after_its_spacing_ends(locmem, clock):
    politeness.book(["ansa.it"], spacing=5, horizon=60)

    clock.advance(5.5)
    assert politeness.cache.has_key("sources:polite:booked:ansa.it")
    clock.advance(1)
    assert not politeness.cache.has_key("sources:polite:booked:ansa.it")


def test_on_redis_a_whole_dispatch_books_in_one_command(redis_cache, monkeypatch):
    import redis

    sent: list[str] = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        sent.append(args[0])
        return original(self, *args, **options)

    politeness.wait_hint("warm.up")  # registers the scripts (SCRIPT LOAD on first use)
    monkeypatch.setattr(redis.Redis, "execute_command", counting)

    assert politeness.book([f"site{n}.it" for n in range(50)], spacing=5, horizon=60) == [0.0] * 50
    assert sent == ["EVALSHA"]
    assert politeness.book([], spacing=5, horizon=60) == []
    assert len(sent) == 1


def test_on_the_database_cache_a_dispatch_books_with_as_many_queries_for_50_sources_as_for_2(db_cache):
    def queries(domains: list[str]) -> int:
        politeness.cache.clear()
        with CaptureQueriesContext(connection) as captured:
            politeness.book(domains, spacing=5, horizon=600)
        return len(captured)

    assert queries(["ansa.it"] * 25 + ["bbc.co.uk"] * 25) == queries(["ansa.it", "bbc.co.uk"])
    politeness.cache.clear()
    starts = politeness.book(["ansa.it"] * 25, spacing=5, horizon=600)
    assert starts[:2] == [0.0, pytest.approx(5)] and starts[-1] == pytest.approx(120)
    assert politeness.book(["ansa.it"], spacing=5, horizon=600) == [pytest.approx(125, abs=1)]
