"""Registering webhooks in the admin: reviewers only, the guard's refusals shown, the secret once."""

import pytest

from claims import vocab
from claims.models import Webhook, WebhookDelivery
from claims.services import webhooks

ADD = "/admin/claims/webhook/add/"


@pytest.fixture
def staff(db):
    def make(user):
        user.is_staff = True
        user.save()
        return user

    return make


def test_a_reviewer_registers_in_the_admin_and_sees_the_secret_once(client, staff, reviewer, receiver):
    client.force_login(staff(reviewer))
    response = client.post(
        ADD, {"url": receiver.url, "event_types": ["published", "source_dead"]}, follow=True
    )
    webhook = Webhook.objects.get()
    assert webhook.owner == reviewer and webhook.event_types == ["published", "source_dead"]
    assert webhook.secret.encode() in response.content
    assert webhook.secret.encode() not in client.get(f"/admin/claims/webhook/{webhook.pk}/change/").content


def test_the_admin_shows_the_guards_refusal_and_registers_nothing(client, staff, reviewer):
    client.force_login(staff(reviewer))
    response = client.post(ADD, {"url": "https://10.0.0.1/hook", "event_types": ["published"]})
    assert response.status_code == 200
    assert b"non-public address" in response.content
    assert not Webhook.objects.exists()


def test_an_editor_cannot_open_the_webhook_admin(client, staff, editor, receiver):
    client.force_login(staff(editor))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"url": receiver.url, "event_types": ["published"]}).status_code == 403
    assert not Webhook.objects.exists()


def test_the_owner_sees_why_the_endpoint_was_switched_off(
    client, staff, reviewer, receiver, make_claim, monkeypatch
):
    monkeypatch.setattr(webhooks, "FAILURES_TO_DISABLE", 1)
    created = webhooks.register_webhook(url=receiver.url, event_types=["published"], by=reviewer)
    receiver.status = 410
    make_claim(vocab.Status.PUBLISHED)
    webhooks.deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk)
    client.force_login(staff(reviewer))
    page = client.get(f"/admin/claims/webhook/{created.webhook.pk}/change/").content.decode()
    assert "Switched off after 1 failed attempts in a row" in page and "HTTP 410" in page
