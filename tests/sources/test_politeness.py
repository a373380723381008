"""Per-domain politeness: one request in flight, a minimum interval, back-off, across threads and caches."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from django.core.management import call_command

from sources import politeness
from sources.politeness import Slot, acquire, defer, registrable_domain, release, wait_hint

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "politeness"}}


@pytest.fixture
def locmem(settings):
    settings.CACHES = LOCMEM
    yield
    politeness.cache.clear()


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


def test_second_acquire_while_one_is_in_flight_is_refused(locmem):
    slot = acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    assert isinstance(slot, Slot)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    assert acquire("repubblica.it", min_interval=0, lease_seconds=30) is not None


def test_release_allows_the_next_request_once_the_interval_has_passed(locmem):
    slot = acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30)
    release(slot)

    assert acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30) is None
    assert 0 < wait_hint("bbc.co.uk") <= 0.3

    time.sleep(0.35)

    assert acquire("bbc.co.uk", min_interval=0.3, lease_seconds=30) is not None


def test_release_with_a_stale_token_leaves_the_new_holders_lock_alone(locmem):
    stale = Slot(domain="bbc.co.uk", token="expired-lease")
    current = acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    release(stale)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    release(current)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_lease_expiry_frees_a_domain_held_by_a_crashed_worker(locmem):
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=1) is not None

    time.sleep(1.05)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=1) is not None


def test_defer_blocks_acquire_until_the_back_off_has_passed(locmem):
    defer("bbc.co.uk", 0.3)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    assert 0.1 < wait_hint("bbc.co.uk") <= 0.3

    time.sleep(0.35)

    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_shorter_defer_does_not_shorten_a_longer_one(locmem):
    defer("bbc.co.uk", 60)
    defer("bbc.co.uk", 1)

    assert wait_hint("bbc.co.uk") > 50


def test_defer_is_capped_at_a_day(locmem):
    defer("bbc.co.uk", 10**9)

    assert 86_399 < wait_hint("bbc.co.uk") <= 86_400


def test_defer_of_exactly_a_day_is_kept_whole(locmem, clock):
    defer("bbc.co.uk", 86_400)

    clock.advance(86_399)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is None
    clock.advance(2)
    assert acquire("bbc.co.uk", min_interval=0, lease_seconds=30) is not None


def test_negative_retry_after_defers_nothing(locmem):
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


def test_wait_hint_reports_the_longer_of_interval_and_back_off(locmem):
    assert wait_hint("bbc.co.uk") == 0.0

    slot = acquire("bbc.co.uk", min_interval=10, lease_seconds=30)

    assert 9 < wait_hint("bbc.co.uk") <= 10
    defer("bbc.co.uk", 120)
    assert 119 < wait_hint("bbc.co.uk") <= 120
    release(slot)


def test_wait_hint_is_positive_while_a_request_is_in_flight(locmem):
    acquire("bbc.co.uk", min_interval=0, lease_seconds=30)

    assert wait_hint("bbc.co.uk") == 1.0


def test_wait_hint_is_zero_once_the_request_is_released(locmem):
    release(acquire("bbc.co.uk", min_interval=0, lease_seconds=30))

    assert wait_hint("bbc.co.uk") == 0.0


def test_threads_hammering_one_domain_never_have_two_requests_in_flight(locmem):
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


def test_the_next_request_may_start_exactly_when_the_interval_ends(locmem, clock):
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
