"""A feed consumer replaying /api/v1/feed/ while four writers publish, update and retract."""

import random
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from claims import services, vocab
from claims.models import FeedEvent
from tests.conftest import claim_data

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so commits cannot overtake each other there",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITERS = 4
CLAIMS_PER_WRITER = 3
FEED = "/api/v1/feed/"


def test_a_replaying_consumer_sees_every_committed_event_once_and_in_order(editor, reviewer, actors):
    claims = []
    for n in range(WRITERS * CLAIMS_PER_WRITER):
        claim = services.create_claim(data=claim_data(actors, statement=f"Claim {n}"), by=editor)
        services.transition_claim(claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=editor)
        services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="ok"
        )
        claims.append(claim.pk)
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        rng = random.Random(index)
        me = User.objects.get(pk=reviewer.pk)
        steps = [
            lambda pk: services.transition_claim(
                claim_id=pk, to=vocab.Status.PUBLISHED, reason="go", by=me, confirm_unverified_sources=True
            ),
            lambda pk: services.add_assessment(
                claim_id=pk, by=me, reliability="C", credibility=4, rationale="doubts"
            ),
            lambda pk: services.transition_claim(claim_id=pk, to=vocab.Status.RETRACTED, reason="no", by=me),
        ]
        try:
            for step in steps:
                for pk in claims[index::WRITERS]:
                    with transaction.atomic():
                        step(pk)
                        # Work after the event is appended (a slow request): without ordering, a
                        # later writer's event would commit, and be read, before this one.
                        time.sleep(rng.uniform(0, 0.02))
        except BaseException as error:  # a thread cannot fail the test itself: hand it over
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    reader, seen, after = APIClient(), [], 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        writing = any(thread.is_alive() for thread in threads)
        body = reader.get(FEED, {"after": after, "limit": 5}).json()
        seen += [(event["seq"], event["claim_id"], event["type"]) for event in body["events"]]
        after = body["next_after"]
        if not writing and not body["has_more"]:  # a full read that began after the last commit
            break
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures

    committed = list(FeedEvent.objects.order_by("seq").values_list("seq", "claim__uuid", "type"))
    committed = [(seq, str(uuid), kind) for seq, uuid, kind in committed]
    assert len(committed) == WRITERS * CLAIMS_PER_WRITER * 3
    seqs = [seq for seq, _, _ in seen]
    assert seqs == sorted(set(seqs)), "seen out of order or twice"
    assert seen == committed, f"missed {sorted(set(committed) - set(seen))}"
    for claim_uuid in {uuid for _, uuid, _ in committed}:
        assert [kind for _, uuid, kind in seen if uuid == claim_uuid] == ["published", "updated", "retracted"]
