"""A worker killed with SIGKILL in the middle of a check: the check still happens, exactly once."""

import contextlib
import os
import signal
import threading
import time

import pytest

from tests.reliability.stack import wait_until
from tests.sources.site import Page, article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUOTE = "Kim Jong-un ha intenzione di recarsi in Russia questo mese."
LEASE_SECONDS = 4

DISPATCH = """
from sources.dispatch import dispatch_due_sources
result = dispatch_due_sources()
"""
# The killed worker still holds the site's politeness slot, which expires after 40 s (the politeness
# tests prove that); this test is about the task and the lease, so it hands the slot back at once.
FREE_DEAD_WORKERS_SLOT = """
from django.core.cache import cache
from sources import politeness
cache.delete(politeness._key("127.0.0.1", "lock"))
"""


def stalling_page(arrived: threading.Event, release: threading.Event):
    """The first request hangs until released (the worker dies meanwhile); later ones are answered."""

    def respond(handler) -> None:
        first = not arrived.is_set()
        arrived.set()
        if first:
            release.wait(timeout=30)
        with contextlib.suppress(OSError):  # the killed worker's socket is gone
            handler.serve(Page(body=article(QUOTE)))

    return respond


def test_a_check_interrupted_by_sigkill_is_completed_once_and_its_source_released(stack, site):
    """Redis redelivers the unacknowledged task after its visibility timeout (acks_late); the
    filesystem broker deletes a message when it is read, so there the lease expiring is what brings
    the source back to the dispatcher. Either way: one check row, under one lease, and no lease left."""
    redelivers = stack.env.get("CELERY_BROKER_URL", "").startswith("redis://")
    arrived, release = threading.Event(), threading.Event()
    site.pages["/stall"] = stalling_page(arrived, release)
    timing = {
        "CELERY_VISIBILITY_TIMEOUT": "3",
        # Redis: long enough for the redelivery to find its lease; filesystem: short, to expire soon.
        "SOURCE_LEASE_SECONDS": "120" if redelivers else str(LEASE_SECONDS),
    }
    stack.env.update(timing)
    [(source_id, token)] = stack.script(
        "from django.utils import timezone\n"
        "from claims.models import Source\n"
        f"Source.objects.create(url={site.url('/stall')!r}, next_check_at=timezone.now())\n" + DISPATCH
    )
    leased_at = time.monotonic()

    # Prefork, as in production: with the solo pool kombu's Redis transport defers even an early ack
    # until the running task returns, which would hide a task that lost acks_late.
    first = stack.worker(pool="prefork")
    wait_until(arrived.is_set, timeout=30, what="the worker to request the stalling page")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    release.set()
    assert stack.rows("SELECT id FROM claims_sourcecheck") == []
    assert stack.rows("SELECT lease_token FROM claims_source WHERE id = %s", (source_id,)) == [(token,)]

    if redelivers:
        stack.script(FREE_DEAD_WORKERS_SLOT)
        stack.worker()
        expected_token = token
    else:
        stack.worker()
        time.sleep(max(0.0, leased_at + LEASE_SECONDS + 0.5 - time.monotonic()))
        # The beat's next run, once the lease has expired.
        [(again, expected_token)] = stack.script(FREE_DEAD_WORKERS_SLOT + DISPATCH)
        assert again == source_id and expected_token != token

    def check_rows():
        return stack.rows("SELECT lease_token FROM claims_sourcecheck WHERE source_id = %s", (source_id,))

    wait_until(check_rows, timeout=40, interval=0.2, what="the interrupted check to be completed")
    time.sleep(1.0)  # a second delivery, if there were one, would have written by now
    assert check_rows() == [(expected_token,)]
    assert stack.rows(
        "SELECT lease_token, lease_expires_at FROM claims_source WHERE id = %s", (source_id,)
    ) == [("", None)]
    assert len(site.requests) == 2  # the interrupted fetch and the one that completed
    assert stack.script(DISPATCH) == []  # checked: not due again until its next interval
