"""Lease and enqueue: the one path from "check this source" to a Celery task, whoever asks.

The beat dispatcher, a new source's capture, an editor's "check now" (API and page) and the
`recheck_sources` command all come through here, so a source is only ever checked under a lease.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from claims import policies
from claims.models import Source
from sources import politeness
from sources.tasks import check_source_now_task, check_sources_task

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
# Sources per scheduled task. Sending one task per source cost the dispatcher most of a run, and the
# worker a delivery and an ack per check (BENCHMARKS.md, re-check round four); a small batch keeps
# every pool process busy and a batch well inside its time budget.
CHECK_BATCH = 10
# Sources of one domain are sent this much more than its minimum interval apart, so that a check that
# starts a little late does not find the next one already due (a refusal costs a task of its own).
BOOKING_SLACK = 0.1


def dispatch_due_sources(
    *, now: datetime | None = None, limit: int = DISPATCH_BATCH
) -> list[tuple[int, str]]:
    """Lease every due source (up to `limit`) and enqueue their scheduled checks, on commit.

    The leases travel CHECK_BATCH to a task, each sent to start when politeness will let its domain be
    fetched (_send_batches). A source whose domain is still busy when its check starts is handed on to
    a task of its own, later, as it always was.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            leases = _lease_due_skip_locked(now=now, limit=limit)
        else:
            leases = _lease_due_one_by_one(now=now, limit=limit)
        if leases:
            transaction.on_commit(lambda: _send_batches(leases))
    return leases


def capture_new_source(*, source_id: int) -> None:
    """Capture a new source soon, on the `checks_now` queue, once the transaction that added it commits."""
    token = lease_source(source_id=source_id)
    if token is not None:
        _enqueue_on_commit(check_source_now_task, source_id=source_id, lease_token=token)


@transaction.atomic
def request_source_check(*, source_id: int, by) -> None:
    """An editor's "check now": lease the source and enqueue its check on `checks_now` (on commit).

    Raises PermissionDenied for anyone but editors and Source.DoesNotExist for an unknown id.
    """
    if not policies.may_tend_source(by):
        raise PermissionDenied("Only editors can ask for a source to be checked now.")
    if not Source.objects.filter(pk=source_id).exists():
        raise Source.DoesNotExist(f"No source with id {source_id}.")
    check_now(source_id=source_id)


def check_now(*, source_id: int) -> None:
    """Enqueue a check of this source on `checks_now`, on commit, ahead of its schedule."""
    # Take the lease even from a scheduled check still waiting in the `checks` queue: that task
    # then finds its token gone and does nothing, and the editor does not wait behind the backlog.
    token = lease_source(source_id=source_id, steal=True)
    _enqueue_on_commit(check_source_now_task, source_id=source_id, lease_token=token)


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


def release_lease(*, source_id: int, lease_token: str) -> None:
    """Give back a lease no task will use, and make the source due now (unless re-leased meanwhile)."""
    Source.objects.filter(pk=source_id, lease_token=lease_token).update(
        lease_token="", lease_expires_at=None, next_check_at=timezone.now()
    )


def _enqueue_on_commit(task, *, source_id: int, lease_token: str) -> None:
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


def _send_batches(leases: list[tuple[int, str]]) -> None:
    """Send the leases CHECK_BATCH to a task, each task delayed until its domains' booked starts.

    Sent at once, the sources of one domain found it busy one after the other and were each handed on
    again and again, every time for a database read and a task of their own (BENCHMARKS.md, re-check
    round five). A booking is a hint: politeness still decides when the fetch starts.
    """
    urls = dict(Source.objects.filter(pk__in=[source_id for source_id, _ in leases]).values_list("pk", "url"))
    interval = settings.SOURCE_MIN_INTERVAL_SECONDS
    try:
        starts = politeness.book(
            [politeness.registrable_domain(urls.get(source_id, "")) for source_id, _ in leases],
            spacing=interval * (1 + BOOKING_SLACK),
            # Beyond this a lease could expire before its check starts: such a source is sent at once,
            # to be handed on by politeness as before.
            horizon=settings.SOURCE_LEASE_SECONDS / 2,
        )
    except Exception:  # the cache is down: a booking is only a hint, and the leases must still go out
        logger.warning("politeness cache unavailable: %d sources sent without bookings", len(leases))
        starts = [0.0] * len(leases)
    # Stable: in due order within a start time.
    timed = sorted(zip(leases, (start or 0.0 for start in starts), strict=True), key=lambda pair: pair[1])
    sent = 0
    for batch in _batches(timed, window=interval * BOOKING_SLACK):
        try:
            # None of a batch starts before its booking; the first waits at most `window` longer.
            check_sources_task.apply_async(([lease for lease, _ in batch],), countdown=batch[-1][1])
            sent += len(batch)
        except BrokerUnavailable:
            # As in _enqueue_on_commit; the broker will not be back for the next batch either.
            unsent = [lease for lease, _ in timed[sent:]]
            logger.warning(
                "broker unavailable: sources %s left due for the next dispatch",
                ", ".join(str(source_id) for source_id, _ in unsent),
            )
            for source_id, token in unsent:
                release_lease(source_id=source_id, lease_token=token)
            return


def _batches(timed: list[tuple[tuple[int, str], float]], *, window: float):
    """Up to CHECK_BATCH consecutive leases whose starts lie within `window` of the first's."""
    batch: list[tuple[tuple[int, str], float]] = []
    for lease in timed:
        if batch and (len(batch) == CHECK_BATCH or lease[1] - batch[0][1] > window):
            yield batch
            batch = []
        batch.append(lease)
    if batch:
        yield batch


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
