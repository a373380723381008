"""What every service does first: check the permission, lock the claim and move it to its next version."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Claim


def require_perm(user: AbstractBaseUser, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this (%(perm)s).") % {"perm": perm})


def bump_version(claim_id: int, *, by: AbstractBaseUser) -> Claim:
    """Lock the claim and move it to its next version (for writes that need no If-Match)."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    claim.version += 1
    claim.updated_by = by
    claim.updated_at = timezone.now()
    claim._history_user = by
    claim.save()
    return claim
