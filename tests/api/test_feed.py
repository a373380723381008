import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from claims import services, vocab
from claims.models import Claim, FeedEvent

FEED = "/api/v1/feed/"


@pytest.mark.django_db
def test_feed_carries_publish_update_and_retraction_tombstone_in_order(anon, make_claim, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="C", credibility=4, rationale="doubts"
    )
    services.transition_claim(
        claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="source withdrew", by=reviewer
    )
    body = anon.get(FEED).json()
    events = body["events"]
    assert [event["type"] for event in events] == ["published", "updated", "retracted"]
    assert [event["seq"] for event in events] == sorted(event["seq"] for event in events)
    assert all(event["claim_id"] == str(claim.uuid) for event in events)
    assert events[0]["claim"]["statement"] == claim.statement
    assert events[2]["claim"]["reason"] == "source withdrew" and events[2]["claim"]["status"] == "retracted"
    assert body["next_after"] == events[-1]["seq"] and body["has_more"] is False


@pytest.mark.django_db
def test_feed_pages_with_after_and_limit_without_gaps_or_repeats(anon, make_claim):
    for n in range(5):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}")
    seen, after, has_more = [], 0, True
    while has_more:
        body = anon.get(FEED, {"after": after, "limit": 2}).json()
        seen += [event["seq"] for event in body["events"]]
        after, has_more = body["next_after"], body["has_more"]
    assert seen == list(FeedEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert anon.get(FEED, {"after": after}).json() == {"events": [], "next_after": after, "has_more": False}


@pytest.mark.django_db
def test_drafts_and_reviews_never_reach_the_feed(anon, make_claim):
    make_claim(vocab.Status.DRAFT)
    make_claim(vocab.Status.IN_REVIEW)
    assert anon.get(FEED).json()["events"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["after=-1", "after=x", "limit=0", "limit=1001", "limit=ten"])
def test_invalid_after_or_limit_is_a_400(anon, query):
    response = anon.get(f"{FEED}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][query.split("=")[0]]


def _in_review(title: str, editor: User, reviewer: User, actors) -> int:
    from tests.conftest import claim_data

    claim = services.create_claim(data=claim_data(actors, statement=title), by=editor)
    services.transition_claim(claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=editor)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="ok")
    return claim.pk


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so commits cannot overtake each other there",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_feed_reader_never_misses_an_event_when_writers_commit_out_of_order(editor, reviewer, actors):
    """Writer A takes a seq and stays open; writer B starts later and would commit first.

    With the advisory lock, B waits for A, so seq order is commit order. Without it, B's higher seq
    becomes visible first, the reader moves past it, and A's lower seq is never delivered.
    """
    first, second = _in_review("A", editor, reviewer, actors), _in_review("B", editor, reviewer, actors)
    a_has_seq, b_done, reader_polled = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def publish(claim_id: int) -> None:
        services.transition_claim(
            claim_id=claim_id,
            to=vocab.Status.PUBLISHED,
            reason="go",
            by=User.objects.get(pk=reviewer.pk),
            confirm_unverified_sources=True,  # nothing is captured in tests
        )

    def writer_a() -> None:
        try:
            with transaction.atomic():
                publish(first)
                a_has_seq.set()
                b_done.wait(timeout=1.0)  # with the lock B cannot finish while A is open
                reader_polled.clear()
                reader_polled.wait(timeout=2.0)  # let the reader look once more before A commits
        except BaseException as error:  # a thread cannot fail the test itself: hand it over
            failures.append(error)
        finally:
            connection.close()

    def writer_b() -> None:
        try:
            a_has_seq.wait(timeout=5.0)
            publish(second)
            b_done.set()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    reader, seen, after = APIClient(), [], 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = reader.get(FEED, {"after": after}).json()
        seen += [event["seq"] for event in body["events"]]
        after = body["next_after"]
        reader_polled.set()
        if not any(thread.is_alive() for thread in threads) and not body["has_more"]:
            body = reader.get(FEED, {"after": after}).json()  # one last look after both commits
            seen += [event["seq"] for event in body["events"]]
            break
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert not failures, failures
    committed = list(FeedEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(committed) == 2
    assert seen == committed, f"reader saw {seen}, feed holds {committed}"
    assert Claim.objects.filter(status=vocab.Status.PUBLISHED).count() == 2


def _copies_of_one_event(count: int, make_claim) -> list[int]:
    """`count` more events of one published claim, inserted directly: the cursor is tested, not writes."""
    event = FeedEvent.objects.get(claim=make_claim(vocab.Status.PUBLISHED))
    FeedEvent.objects.bulk_create(
        FeedEvent(type=event.type, claim=event.claim, version=event.version, payload=event.payload)
        for _ in range(count)
    )
    return list(FeedEvent.objects.order_by("seq").values_list("seq", flat=True))


@pytest.mark.django_db
def test_feed_default_page_is_a_hundred_events(anon, make_claim):
    seqs = _copies_of_one_event(100, make_claim)
    body = anon.get(FEED).json()
    assert [event["seq"] for event in body["events"]] == seqs[:100]
    assert body["next_after"] == seqs[99] and body["has_more"] is True


@pytest.mark.django_db
def test_feed_limit_accepts_both_ends_of_its_range(anon, make_claim):
    seqs = _copies_of_one_event(1000, make_claim)
    one = anon.get(FEED, {"limit": 1}).json()
    assert [event["seq"] for event in one["events"]] == seqs[:1] and one["has_more"] is True
    most = anon.get(FEED, {"limit": 1000}).json()
    assert len(most["events"]) == 1000 and most["next_after"] == seqs[999] and most["has_more"] is True
    last = anon.get(FEED, {"after": seqs[999], "limit": 1000}).json()
    assert [event["seq"] for event in last["events"]] == seqs[1000:] and last["has_more"] is False


@pytest.mark.django_db
def test_feed_after_accepts_zero_and_the_largest_id(anon, make_claim):
    seqs = _copies_of_one_event(0, make_claim)
    assert [event["seq"] for event in anon.get(FEED, {"after": 0}).json()["events"]] == seqs
    largest = 2**63 - 1
    assert anon.get(FEED, {"after": largest}).json() == {
        "events": [],
        "next_after": largest,
        "has_more": False,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "Give a whole number from 1 to 1000, not '0'."),
        ("limit=1001", "Give a whole number from 1 to 1000, not '1001'."),
        ("after=-1", "Give a whole number from 0 to 9223372036854775807, not '-1'."),
        (
            "after=9223372036854775808",
            "Give a whole number from 0 to 9223372036854775807, not '9223372036854775808'.",
        ),
    ],
)
def test_feed_refusals_name_the_range(anon, make_claim, query, message):
    make_claim(vocab.Status.PUBLISHED)
    response = anon.get(f"{FEED}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][query.split("=")[0]] == [message]


@pytest.mark.django_db
def test_feed_shows_anonymous_readers_a_relation_between_two_published_claims(anon, make_claim, reviewer):
    first = make_claim(vocab.Status.PUBLISHED, statement="First.")
    second = make_claim(vocab.Status.PUBLISHED, statement="Second.")
    draft = make_claim(vocab.Status.DRAFT, statement="Draft.")
    for target in (second, draft):
        services.add_relation(
            from_claim_id=first.pk,
            to_claim_id=target.pk,
            kind="corroborates",
            independence="possibly_shared_origin",
            note="",
            by=reviewer,
        )
    latest = anon.get(FEED, {"limit": 1000}).json()["events"][-1]["claim"]
    assert latest["id"] == str(first.uuid)
    assert [r["claim_id"] for r in latest["relations"]] == [str(second.uuid)]  # the draft's is gone
