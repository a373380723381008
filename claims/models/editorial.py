"""Editorial work on a claim that readers never see: who is on it, and the notes editors leave."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

COMMENT_MAX = 4000


class Assignment(models.Model):
    """The one editor or reviewer a claim waits for; no row means nobody is on it."""

    claim = models.OneToOneField(
        "claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="assignment"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.assignee_id}"


class Comment(models.Model):
    """An internal note on a claim; @username mentions put the claim in that user's queue."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")

    class Meta:
        ordering = ["claim", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_has_body")]

    def __str__(self) -> str:
        return f"{self.claim_id} · {self.author_id} · {self.created_at:%Y-%m-%d %H:%M}"
