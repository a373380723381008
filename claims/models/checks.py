"""The re-checker's append-only record: one row per check, one per quote looked for."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims import vocab
from claims.models.claims import AttributionHop
from claims.models.common import SHORT_TEXT_MAX, URL_MAX
from claims.models.sources import Source


class SourceCheck(models.Model):
    """Append-only record of one re-check of a source."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks")
    outcome = models.CharField(max_length=32, choices=vocab.CheckOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=URL_MAX, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64, blank=True)
    similarity = models.FloatField(null=True, blank=True)
    detail = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    lease_token = models.CharField(max_length=64, blank=True)
    redirects = models.JSONField(default=list, blank=True)
    elapsed_ms = models.PositiveIntegerField(null=True, blank=True)
    # Evidence: the raw body, content-addressed under EVIDENCE_DIR, and its WARC record.
    content_type = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    warc_path = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    # The text diff against the baseline, computed once by the worker (sources/textdiff.py).
    text_diff = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["source", "-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=vocab.CheckOutcome.values), name="check_outcome_valid"
            ),
            # A redelivered task for the same lease must not write a second row.
            models.UniqueConstraint(
                fields=["source", "lease_token"], condition=~Q(lease_token=""), name="check_once_per_lease"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.outcome}"


class QuoteCheck(models.Model):
    check_run = models.ForeignKey(SourceCheck, on_delete=models.CASCADE, related_name="quotes")
    hop = models.ForeignKey(AttributionHop, on_delete=models.CASCADE, related_name="quote_checks")
    result = models.CharField(max_length=16, choices=vocab.QuoteResult.choices)
    score = models.FloatField()
    passage = models.TextField(blank=True)

    class Meta:
        ordering = ["check_run", "hop"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=vocab.QuoteResult.values), name="quote_result_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hop_id} {self.result}"
