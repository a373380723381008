"""Thin Celery tasks: ids in, a service does the work."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from sources.checks import DomainBusy, check_batch, check_source
from sources.fetch import TransientFetchError

# Soft and hard limits stay well below the Redis visibility timeout (3600 s), so a running task is
# never handed to a second worker; the fetch itself gives up after 30 s.
CHECK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 90,
    "time_limit": 120,
    "autoretry_for": (TransientFetchError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 3,
}


def _check(task, source_id: int, lease_token: str) -> None:
    try:
        check_source(
            source_id=source_id,
            lease_token=lease_token,
            attempt=task.request.retries,
            retry_transient=task.request.retries < task.max_retries,
        )
    except DomainBusy as busy:
        # Reschedule instead of sleeping, so the worker serves other domains meanwhile. Not retry():
        # waiting for a polite slot must not use up the retries meant for failing servers. The lease
        # bounds how long a source can keep waiting.
        task.apply_async((source_id, lease_token), countdown=busy.wait, retries=task.request.retries)


# Explicit names: they were derived from the old module path (claims.tasks), and the beat schedule,
# the queue routes and any message already queued still say so.
@shared_task(name="claims.tasks.check_source_task", **CHECK_OPTIONS)
def check_source_task(self, source_id: int, lease_token: str) -> None:
    """A scheduled check (queue `checks`)."""
    _check(self, source_id, lease_token)


@shared_task(name="claims.tasks.check_source_now_task", **CHECK_OPTIONS)
def check_source_now_task(self, source_id: int, lease_token: str) -> None:
    """A check an editor asked for, or the capture of a new source (queue `checks_now`)."""
    _check(self, source_id, lease_token)


# A batch starts no check after this long and hands the rest to a new task, so its last check (the
# fetch gives up after 30 s) still ends inside the soft time limit.
BATCH_BUDGET_SECONDS = 45


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=CHECK_OPTIONS["soft_time_limit"],
    time_limit=CHECK_OPTIONS["time_limit"],
)
def check_sources_task(self, leases: list[tuple[int, str]]) -> None:
    """Scheduled checks of a few leased sources, [(source_id, lease_token), …] (check_batch).

    One message, delivery and ack for the batch instead of one per source (queue `checks`). A source
    whose domain is busy, or whose fetch failed transiently, leaves the batch for a check_source_task
    of its own, exactly as that task would have rescheduled or retried itself; what the batch did not
    start goes on in a new batch.
    """
    outcome = check_batch(leases, budget_seconds=BATCH_BUDGET_SECONDS)
    for lease, wait in outcome.busy:
        check_source_task.apply_async(lease, countdown=wait)
    for lease in outcome.transient:
        # The first attempt is recorded; the retry is check_source_task's second attempt.
        check_source_task.apply_async(lease, countdown=_retry_countdown(), retries=1)
    if outcome.rest:
        self.apply_async((outcome.rest,))
    if outcome.failure is not None:
        raise outcome.failure


def _retry_countdown() -> float:
    # The countdown of check_source_task's first autoretry (Celery's autoretry computes it the same way).
    return get_exponential_backoff_interval(
        factor=CHECK_OPTIONS["retry_backoff"],
        retries=0,
        maximum=CHECK_OPTIONS["retry_backoff_max"],
        full_jitter=True,
    )


@shared_task(
    name="claims.tasks.dispatch_due_sources_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=55,
)
def dispatch_due_sources_task() -> int:
    """Beat, every minute: lease the due sources and enqueue one check each."""
    # Imported here: dispatch enqueues the tasks above, so it imports this module (DESIGN §4).
    from sources import dispatch

    return len(dispatch.dispatch_due_sources())


# Under the Redis visibility timeout (3600 s), like every task; hashing a large store takes a while.
@shared_task(
    name="claims.tasks.verify_evidence_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=3000,
    time_limit=3300,
)
def verify_evidence_task() -> int:
    """Beat, weekly: re-hash the evidence store; problems land in the needs-attention queue."""
    from sources.integrity import verify_evidence

    return len(verify_evidence().problems)
