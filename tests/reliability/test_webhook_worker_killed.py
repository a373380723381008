"""A worker killed with SIGKILL after POSTing a webhook and before recording it: the delivery is
POSTed again with the same seq, body and signature, and then never more (at least once, dedupe by seq)."""

import os
import signal
import threading
import time

import pytest

from tests.reliability.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEASE_SECONDS = 4

# A webhook, a source a public claim would cite, and its source_dead event: the delivery is enqueued
# when the transaction commits, as after a re-check.
SETUP = """
from django.contrib.auth.models import User
from django.db import transaction
from claims import projection
from claims.models import FeedEvent, Source, Webhook
owner = User.objects.create(username="rita", is_superuser=True)
hook = Webhook.objects.create(owner=owner, url={url!r}, event_types=["source_dead"], secret="s3cret")
with transaction.atomic():
    source = Source.objects.create(url="https://news.example.org/gone", liveness="dead")
    projection._append_feed_event(event_type="source_dead", source=source, payload={{"id": source.pk}})
result = FeedEvent.objects.get().seq
"""
SWEEP = """
from claims.services.webhooks import redeliver_overdue_webhooks
result = redeliver_overdue_webhooks()
"""


def test_a_delivery_interrupted_by_sigkill_is_posted_again_with_the_same_seq(stack, receiver):
    """Redis hands the unacknowledged task to the next worker (acks_late), which waits out the dead
    worker's lease; the filesystem broker loses the message, and the beat's sweep enqueues it again."""
    redelivers = stack.env.get("CELERY_BROKER_URL", "").startswith("redis://")
    stack.env["SOURCE_FETCH_ALLOWLIST"] += f",{receiver.host_port}"
    stack.env.update({"CELERY_VISIBILITY_TIMEOUT": "3", "WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS)})
    receiver.hold_first = threading.Event()
    first = stack.worker(pool="prefork", queues="celery")
    seq = stack.script(SETUP.format(url=receiver.url))
    claimed_at = time.monotonic()
    wait_until(lambda: receiver.posts, timeout=30, what="the worker to POST the delivery")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    receiver.hold_first.set()
    assert stack.rows("SELECT state, attempts FROM claims_webhookdelivery") == [("pending", 1)]
    assert stack.rows("SELECT COUNT(*) FROM claims_webhookattempt") == [(0,)]

    stack.worker(queues="celery")
    if not redelivers:
        time.sleep(max(0.0, claimed_at + 2 * LEASE_SECONDS + 0.5 - time.monotonic()))
        assert len(stack.script(SWEEP)) == 1

    def delivered():
        return stack.rows("SELECT state FROM claims_webhookdelivery") == [("delivered",)]

    wait_until(delivered, timeout=40, interval=0.2, what="the interrupted delivery to be completed")
    time.sleep(1.0)  # a third POST, if there were one, would have arrived by now
    first_post, second_post = receiver.posts
    assert first_post["body"] == second_post["body"]
    assert first_post["headers"]["X-Signature-256"] == second_post["headers"]["X-Signature-256"]
    assert {body["seq"] for body in receiver.verified("s3cret")} == {seq}
    assert [seq] == [row[0] for row in stack.rows("SELECT seq FROM claims_feedevent")]
    assert stack.rows("SELECT number, succeeded FROM claims_webhookattempt") == [(2, True)]
