"""Thin Celery tasks: ids in, a service does the work."""

from celery import shared_task

from sources.checks import DomainBusy, check_source
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
