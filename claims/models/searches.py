"""Saved searches: a user's named claim-list filters, each with its own Atom feed and CSV download."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

SAVED_SEARCH_NAME_MAX = 100
SAVED_SEARCH_QUERY_MAX = 2000


class SavedSearch(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=SAVED_SEARCH_NAME_MAX)
    # The claim-list filters as a query string (the same parameters as /claims/ and /api/v1/claims/).
    query = models.CharField(max_length=SAVED_SEARCH_QUERY_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_search_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} / {self.name}"
