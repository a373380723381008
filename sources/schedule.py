"""When each source is checked next: intervals by citation age and attention, with jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, Subquery

from claims import vocab
from claims.models import Claim, ClaimRelation, Source

# Age of the first citation → how often the source is checked (DESIGN §7).
AGE_BANDS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=2), timedelta(hours=6)),
    (timedelta(days=14), timedelta(days=1)),
    (timedelta(days=90), timedelta(weeks=1)),
)
MONTHLY = timedelta(days=30)
# Claims under review or disputed are where a vanished quote hurts most.
ATTENTION_FACTOR = 4
MIN_INTERVAL = timedelta(hours=1)
JITTER = 0.10
DISPUTING = (vocab.RelationKind.CONTRADICTS, vocab.RelationKind.DENIES)


def check_interval(*, first_cited_at: datetime, now: datetime, liveness: str, attention: bool) -> timedelta:
    """The gap before the next check, without jitter."""
    if liveness == vocab.Liveness.DEAD:
        return MONTHLY  # still checked: dead links do come back
    age = now - first_cited_at
    interval = next((every for below, every in AGE_BANDS if age < below), MONTHLY)
    if attention:
        interval = max(interval / ATTENTION_FACTOR, MIN_INTERVAL)
    return interval


def jittered(interval: timedelta, *, rng: random.Random | None = None) -> timedelta:
    # ±10 % spreads the sources added in one batch over time instead of re-checking them in lockstep.
    return interval * (rng or random).uniform(1 - JITTER, 1 + JITTER)


CITATION_FACTS = ("schedule_first_cited_at", "schedule_in_review", "schedule_disputed")


def citation_facts() -> dict[str, Exists | Subquery]:
    """What a source's schedule depends on, as annotations: read in the same query as the source itself."""
    citing = Claim.objects.filter(hops__source=OuterRef("pk"))
    citing_ids = Claim.objects.filter(hops__source=OuterRef(OuterRef("pk"))).values("pk")
    disputes = ClaimRelation.objects.filter(
        Q(from_claim__in=citing_ids) | Q(to_claim__in=citing_ids), kind__in=DISPUTING
    )
    first_cited_at = Subquery(citing.order_by("created_at").values("created_at")[:1])
    in_review = Exists(citing.filter(status=vocab.Status.IN_REVIEW))
    return dict(zip(CITATION_FACTS, (first_cited_at, in_review, Exists(disputes)), strict=True))


def next_check_at(source: Source, *, now: datetime, rng: random.Random | None = None) -> datetime:
    """When `source` should next be checked, from its citations, their claims and its liveness.

    A source read with citation_facts() costs no query here; any other, one.
    """
    if hasattr(source, CITATION_FACTS[-1]):
        first_cited_at, in_review, disputed = (getattr(source, name) for name in CITATION_FACTS)
    else:
        facts = Source.objects.filter(pk=source.pk).annotate(**citation_facts()).values_list(*CITATION_FACTS)
        first_cited_at, in_review, disputed = facts.get()
    interval = check_interval(
        first_cited_at=first_cited_at or source.created_at,
        now=now,
        liveness=source.liveness,
        attention=in_review or disputed,
    )
    return now + jittered(interval, rng=rng)
