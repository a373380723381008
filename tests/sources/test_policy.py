"""Liveness hysteresis: only spaced hard evidence kills, transient trouble never does, success resets."""

from datetime import UTC, datetime, timedelta

import pytest

from claims.vocab import CheckOutcome as O
from claims.vocab import Liveness as L
from sources.policy import Health, next_health

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(hours=24)
UNCHECKED = Health()


def run(outcomes, *, start: Health = UNCHECKED, every: timedelta = DAY, transient: bool = False) -> Health:
    health = start
    for i, outcome in enumerate(outcomes):
        health = next_health(
            health, outcome=outcome, transient=transient, at=T0 + i * every, strike_interval=DAY
        )
    return health


@pytest.mark.parametrize("outcome", [O.GONE, O.SOFT_404, O.DNS_ERROR])
def test_hard_evidence_is_a_strike_and_makes_a_source_suspect(outcome):
    health = run([outcome])
    assert (health.liveness, health.strikes, health.first_strike_at) == (L.SUSPECT, 1, T0)


def test_three_strikes_a_day_apart_make_a_source_dead():
    health = run([O.GONE, O.GONE, O.GONE])
    assert (health.liveness, health.strikes) == (L.DEAD, 3)
    assert health.last_strike_at - health.first_strike_at == 2 * DAY


def test_strikes_closer_than_the_interval_count_once():
    health = run([O.GONE] * 10, every=timedelta(hours=1))
    assert (health.liveness, health.strikes) == (L.SUSPECT, 1)


def test_one_success_clears_every_strike():
    health = run([O.GONE, O.GONE, O.OK])
    assert health == Health(liveness=L.LIVE)


def test_a_dead_source_that_answers_again_is_live():
    assert run([O.GONE, O.GONE, O.GONE, O.OK]).liveness == L.LIVE


@pytest.mark.parametrize("outcome", [O.TIMEOUT, O.SERVER_ERROR, O.BLOCKED, O.TLS_ERROR, O.REFUSED])
def test_transient_or_inconclusive_failures_never_strike(outcome):
    health = run([outcome] * 5, transient=outcome in (O.TIMEOUT, O.SERVER_ERROR, O.BLOCKED))
    assert (health.liveness, health.strikes) == (L.DEGRADED, 0)


def test_a_temporary_dns_failure_is_not_hard_evidence():
    assert run([O.DNS_ERROR] * 3, transient=True).strikes == 0


def test_transient_failures_after_a_strike_leave_it_suspect_with_its_strikes():
    health = run([O.GONE, O.TIMEOUT])
    assert (health.liveness, health.strikes) == (L.SUSPECT, 1)


def test_transient_failures_do_not_revive_or_bury_a_dead_source():
    dead = run([O.GONE, O.GONE, O.GONE])
    assert run([O.SERVER_ERROR], start=dead) == dead


def test_429_and_503_between_spaced_404s_do_not_add_strikes():
    health = run([O.GONE, O.BLOCKED, O.SERVER_ERROR, O.GONE])
    assert (health.liveness, health.strikes) == (L.SUSPECT, 2)


@pytest.mark.parametrize("outcome", [O.CHANGED, O.QUOTE_MISSING])
def test_changed_content_waits_for_an_editor(outcome):
    assert run([O.OK, outcome]).liveness == L.CHANGED


def test_a_304_after_a_change_keeps_it_changed_but_a_matching_page_clears_it():
    assert run([O.CHANGED, O.NOT_MODIFIED]).liveness == L.CHANGED
    assert run([O.CHANGED, O.OK]).liveness == L.LIVE


def test_a_transient_failure_keeps_a_change_in_the_attention_queue():
    assert run([O.CHANGED, O.TIMEOUT], transient=True).liveness == L.CHANGED


def test_an_unchecked_source_that_answers_is_live():
    assert run([O.NOT_MODIFIED]).liveness == L.LIVE
    assert run([O.MOVED]).liveness == L.LIVE


def test_a_dead_source_that_gets_another_404_within_the_interval_stays_dead():
    dead = run([O.GONE, O.GONE, O.GONE])
    again = next_health(
        dead, outcome=O.GONE, transient=False, at=dead.last_strike_at + DAY / 2, strike_interval=DAY
    )
    assert again == dead


def test_the_third_spaced_strike_kills_but_a_burst_after_two_does_not():
    two = run([O.GONE, O.GONE])
    burst = next_health(
        two, outcome=O.GONE, transient=False, at=two.last_strike_at + DAY / 2, strike_interval=DAY
    )
    assert (burst.liveness, burst.strikes) == (L.SUSPECT, 2)
    spaced = next_health(
        two, outcome=O.GONE, transient=False, at=two.last_strike_at + DAY, strike_interval=DAY
    )
    assert (spaced.liveness, spaced.strikes) == (L.DEAD, 3)  # exactly one interval apart counts


# A stored health whose liveness disagrees with its strikes (an old row, a hand edit): the answer
# follows the strikes, never the stale label.
STALE = Health(liveness=L.DEGRADED, strikes=1, first_strike_at=T0, last_strike_at=T0)


def test_a_404_within_the_interval_relabels_a_struck_source_suspect():
    health = next_health(STALE, outcome=O.GONE, transient=False, at=T0 + DAY / 2, strike_interval=DAY)
    assert (health.liveness, health.strikes) == (L.SUSPECT, 1)


def test_a_transient_failure_relabels_a_struck_source_suspect():
    health = next_health(STALE, outcome=O.TIMEOUT, transient=True, at=T0 + DAY, strike_interval=DAY)
    assert health == Health(liveness=L.SUSPECT, strikes=1, first_strike_at=T0, last_strike_at=T0)
