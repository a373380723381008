"""When each source is checked next, and the leases that hand one due source to exactly one worker."""

from __future__ import annotations

import logging
import random
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Min, Q, Value, When
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from claims import vocab
from claims.models import Claim, ClaimRelation, Source

logger = logging.getLogger(__name__)

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
DISPATCH_BATCH = 500
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


def next_check_at(source: Source, *, now: datetime, rng: random.Random | None = None) -> datetime:
    """When `source` should next be checked, from its citations, their claims and its liveness."""
    citing = Claim.objects.filter(hops__source=source)
    first_cited_at = citing.aggregate(first=Min("created_at"))["first"] or source.created_at
    in_review = citing.filter(status=vocab.Status.IN_REVIEW).exists()
    disputed = ClaimRelation.objects.filter(
        Q(from_claim__in=citing) | Q(to_claim__in=citing), kind__in=DISPUTING
    ).exists()
    interval = check_interval(
        first_cited_at=first_cited_at, now=now, liveness=source.liveness, attention=in_review or disputed
    )
    return now + jittered(interval, rng=rng)


def lease_source(*, source_id: int, now: datetime | None = None, steal: bool = False) -> str | None:
    """Take the lease on one source and return its token, or None if a live lease is held elsewhere.

    A single conditional UPDATE: the database decides between racing callers. `steal` takes the
    lease anyway ("check now"); the task holding the old token then finds it gone and does nothing.
    """
    now = now or timezone.now()
    rows = Source.objects.filter(pk=source_id)
    if not steal:
        rows = rows.filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
    return _take(rows, now=now)


def dispatch_due_sources(
    *, now: datetime | None = None, limit: int = DISPATCH_BATCH
) -> list[tuple[int, str]]:
    """Lease every due source (up to `limit`) and enqueue one scheduled check per lease, on commit."""
    from claims.tasks import check_source_task  # the tasks module imports this one

    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            leases = _lease_due_skip_locked(now=now, limit=limit)
        else:
            leases = _lease_due_one_by_one(now=now, limit=limit)
        for source_id, token in leases:
            enqueue_check_on_commit(check_source_task, source_id=source_id, lease_token=token)
    return leases


def enqueue_check_on_commit(task, *, source_id: int, lease_token: str) -> None:
    """Send `task` for this lease once the transaction commits.

    The database is the source of truth: if the broker is down, the save that led here has already
    committed and must not fail. The lease is given back and the source made due, so the dispatcher's
    next run after the broker returns finds it.
    """

    def send() -> None:
        try:
            task.delay(source_id, lease_token)
        except BrokerUnavailable:
            logger.warning("broker unavailable: source %s left due for the next dispatch", source_id)
            release_lease(source_id=source_id, lease_token=lease_token)

    transaction.on_commit(send)


def release_lease(*, source_id: int, lease_token: str) -> None:
    """Give back a lease no task will use, and make the source due now (unless re-leased meanwhile)."""
    Source.objects.filter(pk=source_id, lease_token=lease_token).update(
        lease_token="", lease_expires_at=None, next_check_at=timezone.now()
    )


def _lease_due_skip_locked(*, now: datetime, limit: int) -> list[tuple[int, str]]:
    # Rows another dispatcher has locked are skipped, not waited for; once it commits they carry
    # a live lease and due() no longer matches them.
    ids = list(
        Source.objects.due(now)
        .order_by("next_check_at", "id")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    leases = [(source_id, secrets.token_hex(16)) for source_id in ids]
    if leases:
        # One UPDATE for the whole batch (the rows stay locked by us until commit): leasing row by
        # row cost a round trip per source, which dominated dispatching thousands.
        Source.objects.filter(pk__in=ids).update(
            lease_token=Case(*(When(pk=source_id, then=Value(token)) for source_id, token in leases)),
            lease_expires_at=now + timedelta(seconds=settings.SOURCE_LEASE_SECONDS),
        )
    return leases


def _lease_due_one_by_one(*, now: datetime, limit: int) -> list[tuple[int, str]]:
    # SQLite has no row locks: lease_source's conditional UPDATE lets the serialised writer decide.
    ids = list(Source.objects.due(now).order_by("next_check_at", "id").values_list("pk", flat=True)[:limit])
    leases = []
    for source_id in ids:
        # Still due *now*: a check may have finished, or another dispatcher leased it, since the SELECT.
        token = _take(Source.objects.due(now).filter(pk=source_id), now=now)
        if token is not None:
            leases.append((source_id, token))
    return leases


def _take(rows, *, now: datetime) -> str | None:
    token = secrets.token_hex(16)
    expires = now + timedelta(seconds=settings.SOURCE_LEASE_SECONDS)
    return token if rows.update(lease_token=token, lease_expires_at=expires) else None
