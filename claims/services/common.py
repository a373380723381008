"""What every service does first: ask the policy, lock the claim and move it to its next version."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from claims.models import Claim


def require(allowed: bool, message: str) -> None:
    """Pass the answer of a claims.policies question: the one place that decides who may do what."""
    if not allowed:
        raise PermissionDenied(message)


def bump_version(claim_id: int, *, by: AbstractBaseUser) -> Claim:
    """Lock the claim and move it to its next version (for writes that need no If-Match)."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    claim.version += 1
    claim.updated_by = by
    claim.updated_at = timezone.now()
    claim._history_user = by
    claim.save()
    return claim
