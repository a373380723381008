"""Webhooks: register and delete endpoints, and deliver one feed event to one endpoint.

Delivery is at least once: a worker that dies after the POST but before recording it leaves the
delivery unfinished, and the retry POSTs it again, byte for byte, with the same `seq`. Receivers
dedupe by `seq` (the feed's cursor), as they would when backfilling from /api/v1/feed/?after=.
"""

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import orjson
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import policies, vocab
from claims.models import URL_MAX, FeedEvent, Webhook, WebhookAttempt, WebhookDelivery
from claims.representation import represent_feed_event
from claims.selectors import redact_documents
from claims.services.common import require
from claims.tasks import deliver_webhook_task
from sources import fetch

MAX_ATTEMPTS = 8
# Failed attempts in a row (across deliveries) after which the endpoint is switched off.
FAILURES_TO_DISABLE = 10
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
POST_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Signature-256"
REDELIVER_BATCH = 500


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown to the owner this once; the API never returns it again


def sign(secret: str, body: bytes) -> str:
    """The X-Signature-256 value: HMAC-SHA256 of the exact body bytes, keyed with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _clean_event_types(event_types) -> list[str]:
    if not isinstance(event_types, list) or not event_types:
        raise ValidationError({"event_types": [_("Give a non-empty list of event types.")]})
    unknown = [value for value in event_types if value not in vocab.FeedEventType.values]
    if unknown:
        raise ValidationError(
            {
                "event_types": [
                    _("Unknown event type %(unknown)s; choose from %(known)s.")
                    % {
                        "unknown": ", ".join(map(str, unknown)),
                        "known": ", ".join(vocab.FeedEventType.values),
                    }
                ]
            }
        )
    return sorted(set(event_types), key=vocab.FeedEventType.values.index)


def validate_webhook(*, url: str, event_types: list[str]) -> tuple[str, list[str]]:
    """The address and event types as stored, or a ValidationError by field (the admin form asks too)."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX:
        raise ValidationError({"url": [_("Give the endpoint's https:// address.")]})
    types = _clean_event_types(event_types)
    # The re-checker's guard, now and again at every POST (the name may later resolve elsewhere).
    if refused := fetch.refusal(url):
        raise ValidationError(
            {"url": [_("This address cannot receive webhooks: %(why)s.") % {"why": refused}]}
        )
    return url, types


@transaction.atomic
def register_webhook(*, url: str, event_types: list[str], by: AbstractBaseUser) -> NewWebhook:
    """Register an https endpoint for these feed event types; the secret comes back this once."""
    require(policies.may_register_webhook(by), _("Only reviewers and administrators register webhooks."))
    url, types = validate_webhook(url=url, event_types=event_types)
    secret = secrets.token_hex(32)
    webhook = Webhook.objects.create(owner=by, url=url, event_types=types, secret=secret)
    return NewWebhook(webhook=webhook, secret=secret)


@transaction.atomic
def delete_webhook(*, webhook_id: int, by: AbstractBaseUser) -> None:
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    require(policies.may_manage_webhook(by, webhook), _("Only the webhook's owner may delete it."))
    webhook.delete()


def delivery_body(event: FeedEvent) -> bytes:
    """The event as /api/v1/feed/ shows it to an anonymous reader: a webhook is a public channel."""
    body = represent_feed_event(event)
    if body["claim"] is not None:
        redact_documents(AnonymousUser(), [body["claim"]])
    return orjson.dumps(body)


def _backoff(attempts: int) -> float:
    return float(min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS))


def _claim(delivery_id: int) -> tuple[WebhookDelivery | None, str, float | None]:
    """Take the delivery with one conditional UPDATE: (delivery, lease token, None) when ours, or
    (None, "", seconds to wait) while another worker's lease runs, or (None, "", None) when done."""
    now = timezone.now()
    token = uuid.uuid4().hex
    taken = WebhookDelivery.objects.filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
        pk=delivery_id,
        state=vocab.DeliveryState.PENDING,
        webhook__active=True,
    ).update(
        lease_token=token,
        lease_expires_at=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if taken:
        return (
            WebhookDelivery.objects.select_related("webhook", "event__claim").get(pk=delivery_id),
            token,
            None,
        )
    current = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, state=vocab.DeliveryState.PENDING, webhook__active=True
        )
        .values_list("lease_expires_at", flat=True)
        .first()
    )
    if current is None:
        return None, "", None  # delivered, given up, switched off or deleted
    return None, "", max((current - now).total_seconds(), 1.0)


def deliver_webhook(*, delivery_id: int) -> float | None:
    """POST one delivery once; returns the seconds after which to try again, or None when finished.

    Idempotent: a delivery already finished, or held by a live worker, is not sent again.
    """
    delivery, token, wait = _claim(delivery_id)
    if delivery is None:
        return wait
    webhook = delivery.webhook
    body = delivery_body(delivery.event)
    headers = [
        ("Content-Type", "application/json"),
        (SIGNATURE_HEADER, sign(webhook.secret, body)),
        ("X-Webhook-Event", delivery.event.type),
        ("X-Webhook-Seq", str(delivery.event.seq)),
        ("X-Webhook-Delivery", str(delivery.pk)),
    ]
    started = time.monotonic()
    result = fetch.post(webhook.url, body=body, headers=headers, timeout=POST_TIMEOUT_SECONDS)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    return record_attempt(delivery=delivery, token=token, result=result, elapsed_ms=elapsed_ms)


@transaction.atomic
def record_attempt(
    *, delivery: WebhookDelivery, token: str, result: fetch.PostResult, elapsed_ms: int
) -> float | None:
    """Log the attempt and finish, retry or give up; a worker whose lease was taken over records nothing."""
    now = timezone.now()
    mine = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk, lease_token=token).first()
    if mine is None:
        return None
    error = result.error or ("" if result.ok else f"HTTP {result.http_status}")
    WebhookAttempt.objects.create(
        delivery=mine,
        number=mine.attempts,
        at=now,
        http_status=result.http_status,
        error=error[:500],
        elapsed_ms=elapsed_ms,
        succeeded=result.ok,
    )
    finished = {"lease_token": "", "lease_expires_at": None}
    webhook = Webhook.objects.select_for_update().get(pk=mine.webhook_id)
    if result.ok:
        WebhookDelivery.objects.filter(pk=mine.pk).update(
            state=vocab.DeliveryState.DELIVERED, delivered_at=now, **finished
        )
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return None
    failures = webhook.consecutive_failures + 1
    hook_changes: dict = {"consecutive_failures": failures}
    if failures >= FAILURES_TO_DISABLE and webhook.active:
        hook_changes |= {
            "active": False,
            "disabled_at": now,
            "disabled_reason": _(
                "Switched off after %(count)d failed attempts in a row; the last one: %(error)s."
            )
            % {"count": failures, "error": error[:300]},
        }
    Webhook.objects.filter(pk=webhook.pk).update(**hook_changes)
    if mine.attempts >= MAX_ATTEMPTS or not hook_changes.get("active", webhook.active):
        WebhookDelivery.objects.filter(pk=mine.pk).update(state=vocab.DeliveryState.FAILED, **finished)
        return None
    wait = _backoff(mine.attempts)
    WebhookDelivery.objects.filter(pk=mine.pk).update(
        next_attempt_at=now + timedelta(seconds=wait), **finished
    )
    return wait


def redeliver_overdue_webhooks() -> list[int]:
    """Enqueue again the pending deliveries overdue by more than a lease, whose task message was lost
    (a worker killed on a broker that does not redeliver); returns their ids.

    A delivery whose message still exists gets a second one: harmless, the lease claim lets one run.
    """
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    ids = list(
        WebhookDelivery.objects.filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
            state=vocab.DeliveryState.PENDING,
            webhook__active=True,
            next_attempt_at__lt=overdue,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REDELIVER_BATCH]
    )
    for delivery_id in ids:
        deliver_webhook_task.delay(delivery_id)
    return ids
