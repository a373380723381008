"""Liveness with hysteresis: a pure function from (health, check outcome, time) to the new health."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from claims.vocab import CheckOutcome, Liveness

STRIKES_TO_DEAD = 3

# Evidence that the document is gone, not that the network had a bad minute.
HARD_EVIDENCE = frozenset({CheckOutcome.GONE, CheckOutcome.SOFT_404, CheckOutcome.DNS_ERROR})
SUCCESS = frozenset({CheckOutcome.OK, CheckOutcome.NOT_MODIFIED, CheckOutcome.MOVED})
CONTENT_CHANGED = frozenset({CheckOutcome.CHANGED, CheckOutcome.QUOTE_MISSING})


@dataclass(frozen=True)
class Health:
    liveness: str = Liveness.UNCHECKED
    strikes: int = 0
    first_strike_at: datetime | None = None
    last_strike_at: datetime | None = None


def next_health(
    current: Health, *, outcome: str, transient: bool, at: datetime, strike_interval: timedelta
) -> Health:
    """The health after one check that ended in `outcome` at `at`."""
    if outcome in HARD_EVIDENCE and not transient:
        return _strike(current, at=at, strike_interval=strike_interval)
    if outcome in SUCCESS:
        # A 304 answers "same as the last fetch": if that fetch had changed, the change still stands.
        if outcome == CheckOutcome.NOT_MODIFIED and current.liveness == Liveness.CHANGED:
            return Health(liveness=Liveness.CHANGED)
        return Health(liveness=Liveness.LIVE)
    if outcome in CONTENT_CHANGED:
        return Health(liveness=Liveness.CHANGED)
    # Transient failures and checks we could not complete (blocked, 5xx, timeouts, TLS, size, type,
    # policy) say nothing about the document: strikes stay as they are and none is added.
    if current.liveness == Liveness.DEAD:
        return current
    if current.strikes:
        return replace(current, liveness=Liveness.SUSPECT)
    if current.liveness == Liveness.CHANGED:
        return current
    return replace(current, liveness=Liveness.DEGRADED)


def _strike(current: Health, *, at: datetime, strike_interval: timedelta) -> Health:
    # Strikes closer together than the interval count once, so a burst of checks cannot kill a source.
    if current.last_strike_at is not None and at - current.last_strike_at < strike_interval:
        liveness = Liveness.DEAD if current.strikes >= STRIKES_TO_DEAD else Liveness.SUSPECT
        return replace(current, liveness=liveness)
    strikes = current.strikes + 1
    return Health(
        liveness=Liveness.DEAD if strikes >= STRIKES_TO_DEAD else Liveness.SUSPECT,
        strikes=strikes,
        first_strike_at=current.first_strike_at or at,
        last_strike_at=at,
    )
