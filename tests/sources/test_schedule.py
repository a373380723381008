"""Check intervals by citation age and attention, with jitter."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from claims import services, vocab
from claims.models import Source
from sources.schedule import check_interval, jittered, next_check_at

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
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        by=editor,
    )
    after = next_check_at(source, now=now, rng=random.Random(1)) - now
    assert after < before / 3


def _hop(url):
    from tests.conftest import hop

    return hop(source_url=url)
