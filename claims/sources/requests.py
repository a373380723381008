"""Editors asking for a source to be re-checked now."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Source


@transaction.atomic
def request_source_check(*, source_id: int, by: AbstractBaseUser) -> Source:
    """Make the source due at once; the scheduler picks up due sources first-come."""
    if not by.has_perm("claims.change_source"):
        raise PermissionDenied(_("Only editors can ask for a source to be checked now."))
    source = Source.objects.select_for_update().get(pk=source_id)
    source.next_check_at = timezone.now()
    source.save(update_fields=["next_check_at"])
    return source
