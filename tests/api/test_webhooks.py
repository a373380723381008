"""Webhook endpoints: who may register, what is refused, what the owner sees."""

import pytest

from claims import vocab
from claims.models import Webhook, WebhookDelivery
from claims.services import webhooks

HOOKS = "/api/v1/webhooks/"


def register(client, url: str, event_types=("published", "source_dead")):
    return client.post(HOOKS, {"url": url, "event_types": list(event_types)}, format="json")


def test_a_reviewer_registers_and_sees_the_secret_only_once(as_user, reviewer, receiver):
    client = as_user(reviewer)
    response = register(client, receiver.url)
    assert response.status_code == 201
    body = response.json()
    assert len(body["secret"]) == 64 and body["event_types"] == ["published", "source_dead"]
    assert body["active"] is True
    shown = client.get(f"{HOOKS}{body['id']}/").json()
    assert "secret" not in shown and shown["url"] == receiver.url
    assert [hook["id"] for hook in client.get(HOOKS).json()] == [body["id"]]
    assert Webhook.objects.get().secret == body["secret"]


def test_an_administrator_may_register(as_user, admin_user, receiver):
    assert register(as_user(admin_user), receiver.url).status_code == 201


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hook", "only https"),
        ("https://10.0.0.1/hook", "non-public address"),
        ("https://127.0.0.1/hook", "non-public address"),
        ("https://[::1]/hook", "non-public address"),
        ("https://169.254.169.254/latest/meta-data", "non-public address"),
        ("https://user:pw@93.184.216.34/hook", "credentials"),
        ("ftp://93.184.216.34/hook", "scheme"),
        ("https://93.184.216.34:8443/hook", "port 8443"),
        ("not a url", "scheme"),
    ],
)
def test_an_address_the_guard_refuses_is_a_400_and_registers_nothing(as_user, reviewer, url, why):
    response = register(as_user(reviewer), url)
    assert response.status_code == 400
    assert why in response.json()["errors"]["url"][0]
    assert not Webhook.objects.exists()


def test_loopback_over_http_needs_the_test_allowlist(as_user, reviewer, receiver, settings):
    settings.SOURCE_FETCH_ALLOWLIST = []
    assert register(as_user(reviewer), receiver.url).status_code == 400
    settings.SOURCE_FETCH_ALLOWLIST = [receiver.host_port]
    assert register(as_user(reviewer), receiver.url).status_code == 201


@pytest.mark.parametrize("event_types", [["published", "shipped"], [], "published", [3]])
def test_an_unknown_or_missing_event_type_is_a_400(as_user, reviewer, receiver, event_types):
    response = as_user(reviewer).post(HOOKS, {"url": receiver.url, "event_types": event_types}, format="json")
    assert response.status_code == 400
    assert "event_types" in response.json()["errors"]
    assert not Webhook.objects.exists()


def test_an_editor_may_not_register(as_user, editor, receiver):
    assert register(as_user(editor), receiver.url).status_code == 403
    assert as_user(editor).get(HOOKS).status_code == 403
    assert not Webhook.objects.exists()


def test_anonymous_clients_get_a_401(anon, receiver):
    assert register(anon, receiver.url).status_code == 401
    assert anon.get(HOOKS).status_code == 401


def test_another_reviewers_webhook_is_not_there(as_user, reviewer, receiver):
    from tests.conftest import make_user

    created = register(as_user(reviewer), receiver.url).json()
    other = as_user(make_user("rob", "reviewer"))
    assert other.get(HOOKS).json() == []
    assert other.get(f"{HOOKS}{created['id']}/").status_code == 404
    assert other.delete(f"{HOOKS}{created['id']}/").status_code == 404
    assert Webhook.objects.filter(pk=created["id"]).exists()


def test_the_owner_deletes_a_webhook(as_user, reviewer, receiver):
    created = register(as_user(reviewer), receiver.url).json()
    assert as_user(reviewer).delete(f"{HOOKS}{created['id']}/").status_code == 204
    assert not Webhook.objects.exists()


def test_the_owner_reads_every_attempt_and_why_the_endpoint_was_switched_off(
    as_user, reviewer, receiver, make_claim, monkeypatch
):
    monkeypatch.setattr(webhooks, "FAILURES_TO_DISABLE", 2)
    client = as_user(reviewer)
    created = register(client, receiver.url).json()
    receiver.status = 500
    make_claim(vocab.Status.PUBLISHED)
    delivery = WebhookDelivery.objects.get()
    webhooks.deliver_webhook(delivery_id=delivery.pk)
    webhooks.deliver_webhook(delivery_id=delivery.pk)
    shown = client.get(f"{HOOKS}{created['id']}/").json()
    assert shown["active"] is False and "HTTP 500" in shown["disabled_reason"]
    [logged] = client.get(f"{HOOKS}{created['id']}/deliveries/").json()
    assert logged["seq"] == delivery.event_id and logged["state"] == "failed"
    assert [(a["number"], a["http_status"], a["succeeded"]) for a in logged["attempts"]] == [
        (1, 500, False),
        (2, 500, False),
    ]


def test_the_delivery_log_runs_a_fixed_number_of_queries(
    as_user, reviewer, receiver, make_claim, django_assert_num_queries
):
    client = as_user(reviewer)
    created = register(client, receiver.url).json()
    for n in range(3):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}")
    for delivery in WebhookDelivery.objects.all():
        webhooks.deliver_webhook(delivery_id=delivery.pk)
    with django_assert_num_queries(3):
        assert len(client.get(f"{HOOKS}{created['id']}/deliveries/").json()) == 3
