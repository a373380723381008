"""Per-registrable-domain request politeness shared by every worker process through the Django cache."""

from __future__ import annotations

import ipaddress
import math
import secrets
import time
import weakref
from dataclasses import dataclass

import tldextract
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

KEY_PREFIX = "sources:polite"
# Hint returned while another worker holds the domain and no interval or back-off is pending.
BUSY_HINT_SECONDS = 1.0
# Retry-After comes from the remote server: never let it park a domain for more than a day.
MAX_DEFER_SECONDS = 86_400.0

# Bundled Public Suffix List snapshot only: no suffix-list URLs means no network fetch, ever,
# and no cache directory means nothing is written to disk.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class Slot:
    """Permission to send one request to `domain`; hand it back with release()."""

    domain: str
    token: str


def registrable_domain(url: str) -> str:
    """The domain politeness is counted on: "news.bbc.co.uk" -> "bbc.co.uk"; IPs stay as they are."""
    parts = _extract(url)
    if parts.ipv4 or parts.ipv6:
        return str(ipaddress.ip_address(parts.ipv4 or parts.ipv6))
    return (parts.top_domain_under_public_suffix or parts.domain).lower()


def acquire(domain: str, *, min_interval: float, lease_seconds: float) -> Slot | None:
    """Claim the domain's single in-flight slot if the interval and any back-off have passed, else None.

    The lock expires after `lease_seconds`, so a crashed worker cannot hold a domain forever.
    """
    return try_acquire(domain, min_interval=min_interval, lease_seconds=lease_seconds)[0]


def try_acquire(domain: str, *, min_interval: float, lease_seconds: float) -> tuple[Slot | None, float]:
    """acquire(), and when it refuses, wait_hint() read at the same moment: (slot, 0.0) or (None, wait)."""
    token = secrets.token_hex(16)
    scripts = _scripts()
    if scripts is not None:
        # One round trip on Redis: the lock, the interval and the back-off decided in one script.
        now = time.time()
        taken, wait = scripts.acquire(
            keys=[_cache_key(domain, "lock"), _cache_key(domain, "next"), _cache_key(domain, "defer")],
            args=[token, repr(now), repr(now + min_interval), _ttl(lease_seconds), _ttl(min_interval) + 1,
                  repr(BUSY_HINT_SECONDS)],
        )  # fmt: skip
        return (Slot(domain=domain, token=token), 0.0) if int(taken) else (None, float(wait))
    if not cache.add(_key(domain, "lock"), token, timeout=_ttl(lease_seconds)):
        return None, wait_hint(domain)
    # Only the lock holder writes the next start time, so this read-check-write cannot race.
    now = time.time()
    if _not_before(domain) > now:
        cache.delete(_key(domain, "lock"))
        return None, wait_hint(domain)
    cache.set(_key(domain, "next"), now + min_interval, timeout=_ttl(min_interval) + 1)
    return Slot(domain=domain, token=token), 0.0


def release(slot: Slot) -> None:
    """Free the in-flight slot unless the lease already expired and another worker took it."""
    scripts = _scripts()
    if scripts is not None:
        scripts.release(keys=[_cache_key(slot.domain, "lock")], args=[slot.token])  # compare and delete
        return
    key = _key(slot.domain, "lock")
    # Not atomic across get and delete, but a foreign token can only appear after our lease expired.
    if cache.get(key) == slot.token:
        cache.delete(key)


def defer(domain: str, seconds: float) -> None:
    """Keep acquire() returning None for `seconds` (capped at MAX_DEFER_SECONDS), e.g. after a 429/503."""
    seconds = min(max(seconds, 0.0), MAX_DEFER_SECONDS)
    until = time.time() + seconds
    scripts = _scripts()
    if scripts is not None:
        scripts.defer(keys=[_cache_key(domain, "defer")], args=[repr(until), _ttl(seconds) + 1])
        return
    key = _key(domain, "defer")
    if until > (cache.get(key) or 0.0):
        cache.set(key, until, timeout=_ttl(seconds) + 1)


def book(domains: list[str], *, spacing: float, horizon: float) -> list[float | None]:
    """Book a start for one request to each of `domains` (repeats allowed), in order; seconds from now.

    A domain's first booking is when acquire() would next let it start (its interval and any back-off);
    each further one comes `spacing` after the domain's last booking. A booking beyond `horizon` is
    not taken: None. Bookings are only advice for when to try: acquire() alone decides, and ignores them.
    """
    now = time.time()
    scripts = _scripts()
    if scripts is not None:
        keys = [_cache_key(domain, part) for domain in domains for part in ("booked", "next", "defer")]
        waits = scripts.book(keys=keys, args=[repr(now), repr(spacing), repr(horizon)]) if keys else []
        return [None if wait < 0 else wait for wait in map(float, waits)]
    # Elsewhere (the database cache by default) one read and one write per domain, not per source.
    distinct = list(dict.fromkeys(domains))
    stored = cache.get_many(
        [_key(domain, part) for domain in distinct for part in ("booked", "next", "defer")]
    )
    free_at = {
        domain: max([now] + [stored.get(_key(domain, part), 0.0) for part in ("booked", "next", "defer")])
        for domain in distinct
    }
    booked: list[float | None] = []
    taken: set[str] = set()
    for domain in domains:
        start = free_at[domain]
        if start - now > horizon:
            booked.append(None)
            continue
        free_at[domain] = start + spacing
        taken.add(domain)
        booked.append(start - now)
    for domain in taken:
        until = free_at[domain]
        cache.set(_key(domain, "booked"), until, timeout=_ttl(until - now) + 1)
    return booked


def wait_hint(domain: str) -> float:
    """Seconds a caller should wait before trying acquire() again for `domain` (0.0 if free now)."""
    scripts = _scripts()
    if scripts is not None:
        keys = [_cache_key(domain, "lock"), _cache_key(domain, "next"), _cache_key(domain, "defer")]
        return float(scripts.wait_hint(keys=keys, args=[repr(time.time()), repr(BUSY_HINT_SECONDS)]))
    wait = max(_not_before(domain) - time.time(), 0.0)
    if wait == 0.0 and cache.get(_key(domain, "lock")) is not None:
        return BUSY_HINT_SECONDS
    return wait


# --- Redis: each operation is one script, so one round trip, and atomic --------------------------------
# Values are plain decimal strings (not the cache's pickles); the clock is the caller's time.time(), as
# for the other caches. A value the scripts cannot read as a number counts as 0.

_WAIT = """
local now = tonumber(ARGV[1])
local interval_ends = tonumber(redis.call('GET', KEYS[2])) or 0
local not_before = math.max(interval_ends, tonumber(redis.call('GET', KEYS[3])) or 0)
local wait = not_before - now
if wait > 0 then return tostring(wait) end
if redis.call('EXISTS', KEYS[1]) == 1 then return ARGV[2] end
return '0'
"""

_ACQUIRE = """
local now = tonumber(ARGV[2])
local interval_ends = tonumber(redis.call('GET', KEYS[2])) or 0
local not_before = math.max(interval_ends, tonumber(redis.call('GET', KEYS[3])) or 0)
local wait = not_before - now
if redis.call('EXISTS', KEYS[1]) == 1 then
  if wait > 0 then return {0, tostring(wait)} end
  return {0, ARGV[6]}
end
if wait > 0 then return {0, tostring(wait)} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[5])
return {1, '0'}
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_DEFER = """
if tonumber(ARGV[1]) > (tonumber(redis.call('GET', KEYS[1])) or 0) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 0
"""


_BOOK = """
local now, spacing, horizon = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local waits = {}
for i = 1, #KEYS, 3 do
  local start = math.max(now, tonumber(redis.call('GET', KEYS[i])) or 0,
    tonumber(redis.call('GET', KEYS[i + 1])) or 0, tonumber(redis.call('GET', KEYS[i + 2])) or 0)
  if start - now > horizon then
    waits[#waits + 1] = '-1'
  else
    local booked = string.format('%.17g', start + spacing)
    redis.call('SET', KEYS[i], booked, 'EX', math.max(1, math.ceil(start + spacing - now)) + 1)
    waits[#waits + 1] = string.format('%.17g', start - now)
  end
end
return waits
"""


@dataclass(frozen=True)
class _Scripts:
    acquire: object
    release: object
    defer: object
    wait_hint: object
    book: object


# One client and its registered scripts per cache client (Django builds a new redis client per call).
_registered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scripts() -> _Scripts | None:
    """The Lua scripts on the default cache's Redis, or None when the cache is not Django's RedisCache."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client_holder = backend._cache
    scripts = _registered.get(client_holder)
    if scripts is None:
        client = client_holder.get_client(write=True)
        scripts = _registered[client_holder] = _Scripts(
            *(client.register_script(source) for source in (_ACQUIRE, _RELEASE, _DEFER, _WAIT, _BOOK))
        )
    return scripts


def _cache_key(domain: str, part: str) -> str:
    # The key the cache API would use for the same entry (prefix and version), so tools see one scheme.
    return caches["default"].make_and_validate_key(_key(domain, part))


def _not_before(domain: str) -> float:
    values = cache.get_many([_key(domain, "next"), _key(domain, "defer")])
    return max(values.values(), default=0.0)


def _key(domain: str, part: str) -> str:
    return f"{KEY_PREFIX}:{part}:{domain}"


def _ttl(seconds: float) -> int:
    # Whole seconds and never 0: Redis drops keys set with timeout 0 instead of keeping them.
    return max(1, math.ceil(seconds))
