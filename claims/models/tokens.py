"""API tokens: stored hashed, named, expiring, revocable."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """The client name of a knox token (knox keeps only the digest); deleting either revokes it."""

    token = models.OneToOneField(
        "knox.AuthToken", primary_key=True, on_delete=models.CASCADE, related_name="client"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_name_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"
