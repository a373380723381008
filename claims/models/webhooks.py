"""Webhooks: an HTTPS endpoint that receives feed events as signed POSTs, and the log of each delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims import vocab
from claims.models.claims import FeedEvent
from claims.models.common import SHORT_TEXT_MAX, URL_MAX


class Webhook(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=URL_MAX)
    # FeedEventType values; the services refuse an unknown one.
    event_types = models.JSONField(default=list)
    # Kept in clear because signing needs it; shown to the owner once, when the webhook is created.
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    # Failed attempts since the last success; at WEBHOOK_FAILURES_TO_DISABLE the webhook is switched off.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One feed event for one webhook: the unit the delivery task claims, retries and finishes."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(FeedEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=16, choices=vocab.DeliveryState.choices, default=vocab.DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker owns the delivery while it POSTs; an expired lease (the worker died) may be taken over.
    lease_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due: the sweep re-enqueues a pending delivery long past it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_pending_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(
                condition=Q(state__in=vocab.DeliveryState.values), name="webhook_delivery_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.webhook} #{self.event_id} {self.state}"


class WebhookAttempt(models.Model):
    """Every POST tried, successful or not: what the owner reads to learn why an endpoint failed."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery} attempt {self.number}"
