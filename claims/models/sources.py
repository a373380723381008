"""Sources: one document at one URL, with its health as the re-checker maintains it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims import vocab
from claims.models.actors import Actor
from claims.models.common import SHORT_TEXT_MAX, URL_MAX, validate_language


class SourceQuerySet(models.QuerySet):
    def due(self, now=None) -> "SourceQuerySet":
        """Sources whose next check has come and that no worker holds a live lease on."""
        now = now or timezone.now()
        return self.filter(next_check_at__lte=now).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        )

    def needing_attention(self) -> "SourceQuerySet":
        return self.filter(
            Q(liveness__in=[vocab.Liveness.CHANGED, vocab.Liveness.SUSPECT, vocab.Liveness.DEAD])
            | Q(quotes_missing__gt=0)
            | ~Q(evidence_problem="")
        )


class Source(models.Model):
    url = models.URLField(max_length=URL_MAX, unique=True)
    title = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    publisher = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    language = models.CharField(max_length=2, blank=True, validators=[validate_language])
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=16, choices=vocab.DatePrecision.choices, default=vocab.DatePrecision.UNKNOWN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Health, maintained by the re-checker (the sources app).
    liveness = models.CharField(
        max_length=16, choices=vocab.Liveness.choices, default=vocab.Liveness.UNCHECKED
    )
    strikes = models.PositiveSmallIntegerField(default=0)
    first_strike_at = models.DateTimeField(null=True, blank=True)
    # Strikes closer together than SOURCE_DEAD_STRIKE_INTERVAL count once (see sources/policy.py).
    last_strike_at = models.DateTimeField(null=True, blank=True)
    quotes_missing = models.PositiveSmallIntegerField(default=0)
    last_outcome = models.CharField(max_length=32, choices=vocab.CheckOutcome.choices, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    baseline_sha256 = models.CharField(max_length=64, blank=True)
    baseline_text = models.TextField(blank=True)
    # What verify_evidence last found wrong with this source's stored evidence ("" when all is well).
    evidence_problem = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["lease_token", "lease_expires_at", "next_check_at", "evidence_problem"]
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(liveness__in=vocab.Liveness.values), name="source_liveness_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url
