"""Per-registrable-domain request politeness shared by every worker process through the Django cache."""

from __future__ import annotations

import ipaddress
import math
import secrets
import time
from dataclasses import dataclass

import tldextract
from django.core.cache import cache

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
    token = secrets.token_hex(16)
    if not cache.add(_key(domain, "lock"), token, timeout=_ttl(lease_seconds)):
        return None
    # Only the lock holder writes the next start time, so this read-check-write cannot race.
    now = time.time()
    if _not_before(domain) > now:
        cache.delete(_key(domain, "lock"))
        return None
    cache.set(_key(domain, "next"), now + min_interval, timeout=_ttl(min_interval) + 1)
    return Slot(domain=domain, token=token)


def release(slot: Slot) -> None:
    """Free the in-flight slot unless the lease already expired and another worker took it."""
    key = _key(slot.domain, "lock")
    # Not atomic across get and delete, but a foreign token can only appear after our lease expired.
    if cache.get(key) == slot.token:
        cache.delete(key)


def defer(domain: str, seconds: float) -> None:
    """Keep acquire() returning None for `seconds` (capped at MAX_DEFER_SECONDS), e.g. after a 429/503."""
    seconds = min(max(seconds, 0.0), MAX_DEFER_SECONDS)
    until = time.time() + seconds
    key = _key(domain, "defer")
    if until > (cache.get(key) or 0.0):
        cache.set(key, until, timeout=_ttl(seconds) + 1)


def wait_hint(domain: str) -> float:
    """Seconds a caller should wait before trying acquire() again for `domain` (0.0 if free now)."""
    wait = max(_not_before(domain) - time.time(), 0.0)
    if wait == 0.0 and cache.get(_key(domain, "lock")) is not None:
        return BUSY_HINT_SECONDS
    return wait


def _not_before(domain: str) -> float:
    values = cache.get_many([_key(domain, "next"), _key(domain, "defer")])
    return max(values.values(), default=0.0)


def _key(domain: str, part: str) -> str:
    return f"{KEY_PREFIX}:{part}:{domain}"


def _ttl(seconds: float) -> int:
    # Whole seconds and never 0: Redis drops keys set with timeout 0 instead of keeping them.
    return max(1, math.ceil(seconds))
