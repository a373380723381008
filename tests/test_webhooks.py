"""Delivering feed events to webhooks: signed, one POST per event, retried, logged, switched off."""

import orjson
import pytest

from claims import projection, services, vocab
from claims.models import FeedEvent, Webhook, WebhookAttempt, WebhookDelivery
from claims.services import webhooks
from tracker.celery import app

ALL_TYPES = list(vocab.FeedEventType.values)


@pytest.fixture
def hook(receiver, reviewer):
    return webhooks.register_webhook(url=receiver.url, event_types=ALL_TYPES, by=reviewer)


@pytest.fixture
def eager():
    """Celery runs each task in-process when it is enqueued, as a worker would after the commit."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def feed_seqs() -> set[int]:
    return set(FeedEvent.objects.values_list("seq", flat=True))


def test_each_event_reaches_the_receiver_as_exactly_one_signed_post_with_the_feeds_seq(
    hook, receiver, make_claim, reviewer, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = make_claim(vocab.Status.PUBLISHED)
        services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="C", credibility=4, rationale="x")
        services.transition_claim(
            claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="withdrawn", by=reviewer
        )
    received = receiver.verified(hook.secret)
    assert len(received) == len(receiver.posts) == 3
    assert [body["type"] for body in received] == ["published", "updated", "retracted"]
    assert {body["seq"] for body in received} == feed_seqs()
    assert [post["headers"]["X-Webhook-Seq"] for post in receiver.posts] == [str(b["seq"]) for b in received]
    assert received[0]["claim"]["statement"] == claim.statement
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {vocab.DeliveryState.DELIVERED}


def test_the_body_is_the_feed_event_as_the_api_lists_it(hook, receiver, make_claim, anon_feed):
    make_claim(vocab.Status.PUBLISHED)
    [delivery] = WebhookDelivery.objects.all()
    webhooks.deliver_webhook(delivery_id=delivery.pk)
    [body] = receiver.verified(hook.secret)
    assert body == anon_feed()["events"][0]


def test_a_wrong_secret_does_not_verify(hook, receiver, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    webhooks.deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk)
    assert receiver.verified("not the secret") == []
    assert len(receiver.verified(hook.secret)) == 1


def test_a_worker_killed_after_the_post_is_redelivered_with_the_same_seq_and_body(
    hook, receiver, make_claim, monkeypatch
):
    make_claim(vocab.Status.PUBLISHED)
    delivery = WebhookDelivery.objects.get()

    class WorkerLost(BaseException):
        pass

    def die(**_):
        raise WorkerLost()

    with monkeypatch.context() as patch:
        patch.setattr(webhooks, "record_attempt", die)
        with pytest.raises(WorkerLost):
            webhooks.deliver_webhook(delivery_id=delivery.pk)
    assert len(receiver.posts) == 1
    # The redelivered task finds the dead worker's lease still running: it waits instead of sending.
    assert webhooks.deliver_webhook(delivery_id=delivery.pk) > 0
    assert len(receiver.posts) == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    assert webhooks.deliver_webhook(delivery_id=delivery.pk) is None
    assert webhooks.deliver_webhook(delivery_id=delivery.pk) is None  # finished: a third run sends nothing
    first, second = receiver.posts
    assert first["body"] == second["body"]
    assert first["headers"]["X-Signature-256"] == second["headers"]["X-Signature-256"]
    assert first["headers"]["X-Webhook-Delivery"] == second["headers"]["X-Webhook-Delivery"]
    # At least once: deduplicated by seq, the receiver holds exactly the feed's events.
    assert {body["seq"] for body in receiver.verified(hook.secret)} == feed_seqs()
    delivery.refresh_from_db()
    assert delivery.state == vocab.DeliveryState.DELIVERED and delivery.attempts == 2


def test_a_failing_endpoint_is_retried_with_growing_back_off_and_every_attempt_logged(
    hook, receiver, make_claim
):
    receiver.status = 500
    make_claim(vocab.Status.PUBLISHED)
    delivery = WebhookDelivery.objects.get()
    waits = [webhooks.deliver_webhook(delivery_id=delivery.pk) for _ in range(3)]
    assert waits == [30.0, 60.0, 120.0]
    receiver.status = 200
    assert webhooks.deliver_webhook(delivery_id=delivery.pk) is None
    log = list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "http_status", "succeeded")
    )
    assert log == [(1, 500, False), (2, 500, False), (3, 500, False), (4, 200, True)]
    assert Webhook.objects.get().consecutive_failures == 0


def test_repeated_failure_switches_the_endpoint_off_and_says_why(hook, receiver, make_claim, monkeypatch):
    monkeypatch.setattr(webhooks, "FAILURES_TO_DISABLE", 3)
    receiver.status = 503
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="A second claim.")
    first, second = WebhookDelivery.objects.order_by("pk")
    webhooks.deliver_webhook(delivery_id=first.pk)
    webhooks.deliver_webhook(delivery_id=second.pk)
    assert webhooks.deliver_webhook(delivery_id=first.pk) is None  # the third failure: given up
    webhook = Webhook.objects.get()
    assert not webhook.active and webhook.disabled_at is not None
    assert "3 failed attempts in a row" in webhook.disabled_reason and "HTTP 503" in webhook.disabled_reason
    assert webhooks.deliver_webhook(delivery_id=second.pk) is None  # switched off: nothing more is sent
    assert len(receiver.posts) == 3
    make_claim(vocab.Status.PUBLISHED, statement="A third claim.")
    assert WebhookDelivery.objects.count() == 2  # no new deliveries for a switched-off endpoint


def test_the_guard_is_asked_again_at_each_post(hook, receiver, make_claim, settings):
    make_claim(vocab.Status.PUBLISHED)
    settings.SOURCE_FETCH_ALLOWLIST = []  # the address is now refused, as a rebinding name would be
    assert webhooks.deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk) == 30.0
    assert receiver.posts == []
    assert (
        "not allowed" in WebhookAttempt.objects.get().error
        or "non-public" in WebhookAttempt.objects.get().error
    )


def test_only_the_event_types_asked_for_are_delivered(receiver, reviewer, make_claim):
    webhooks.register_webhook(url=receiver.url, event_types=["source_quote_missing"], by=reviewer)
    claim = make_claim(vocab.Status.PUBLISHED)
    assert not WebhookDelivery.objects.exists()
    source = claim.hops.get().source
    projection.record_source_health(
        source_id=source.pk, before="", after=vocab.FeedEventType.SOURCE_QUOTE_MISSING
    )
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event.type == "source_quote_missing"


def test_drafts_never_reach_a_webhook_nor_relations_to_them(hook, receiver, make_claim, reviewer):
    public = make_claim(vocab.Status.PUBLISHED)
    draft = make_claim(vocab.Status.DRAFT, statement="A draft nobody outside may see.")
    services.add_relation(
        from_claim_id=public.pk,
        to_claim_id=draft.pk,
        kind=vocab.RelationKind.CONTEXT,
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        by=reviewer,
    )
    for delivery in WebhookDelivery.objects.order_by("pk"):
        webhooks.deliver_webhook(delivery_id=delivery.pk)
    bodies = receiver.verified(hook.secret)
    assert [body["type"] for body in bodies] == ["published", "updated"]
    assert all(body["claim"]["relations"] == [] for body in bodies)
    assert b"A draft nobody" not in b"".join(post["body"] for post in receiver.posts)
    assert str(draft.uuid).encode() not in b"".join(post["body"] for post in receiver.posts)


@pytest.fixture
def anon_feed():
    from rest_framework.test import APIClient

    return lambda: APIClient().get("/api/v1/feed/").json()


def test_delivery_bodies_are_json_with_the_seq(hook, receiver, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    webhooks.deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk)
    assert orjson.loads(receiver.posts[0]["body"])["seq"] == FeedEvent.objects.get().seq
    assert receiver.posts[0]["headers"]["Content-Type"] == "application/json"


def test_the_sweep_re_enqueues_only_deliveries_long_overdue(
    hook, receiver, make_claim, settings, monkeypatch
):
    settings.WEBHOOK_LEASE_SECONDS = 60
    enqueued = []
    monkeypatch.setattr(webhooks.deliver_webhook_task, "delay", enqueued.append)
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="A second claim.")
    lost, fresh = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at="2000-01-01T00:00:00Z")
    assert webhooks.redeliver_overdue_webhooks() == [lost.pk]
    assert enqueued == [lost.pk]
    webhooks.deliver_webhook(delivery_id=lost.pk)
    assert webhooks.redeliver_overdue_webhooks() == []  # delivered: never again
    assert fresh.state == vocab.DeliveryState.PENDING  # not overdue yet: its own message will run it
