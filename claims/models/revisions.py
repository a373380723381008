"""Suggested edits to published claims: held beside the claim until a reviewer decides."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims import vocab
from claims.models.common import SHORT_TEXT_MAX


class PendingRevision(models.Model):
    """An editor's edit of a published claim, in the write shape, waiting for a reviewer.

    Nothing here is in the claim's document, history or feed: only approval makes it a version.
    """

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="pending_revisions")
    # The whole claim as the write shape (claims.schema), validated when proposed and again on approval.
    body = models.JSONField()
    base_version = models.PositiveIntegerField()
    # Set when the suggestion restores an earlier version (a revert proposed by an editor).
    reverts_to = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=16, choices=vocab.RevisionState.choices, default=vocab.RevisionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    # The version approval wrote, so the review page can link to it.
    approved_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["claim", "proposed_at", "id"]
        indexes = [models.Index(fields=["state", "proposed_at"], name="revision_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=vocab.RevisionState.PENDING) | Q(decided_at__isnull=False),
                name="revision_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=vocab.RevisionState.REJECTED) | ~Q(reason=""),
                name="revision_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reverts_to__isnull=False) | ~Q(note=""),
                name="revision_revert_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} · v{self.base_version} · {self.state}"

    @property
    def is_pending(self) -> bool:
        return self.state == vocab.RevisionState.PENDING
