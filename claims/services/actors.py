"""Actors created outside the admin (the claim form's inline "new actor")."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from claims import policies
from claims.models import Actor
from claims.services.common import require


@transaction.atomic
def create_actor(
    *,
    name: str,
    kind: str,
    by: AbstractBaseUser,
    country: str = "",
    parent_id: int | None = None,
    aliases: Iterable[str] = (),
    description: str = "",
    reliability: str = "",
    reliability_note: str = "",
) -> Actor:
    """Create an actor after the same validation the admin applies."""
    require(policies.may_create_actor(by), _("Only editors create actors."))
    actor = Actor(
        name=name.strip(),
        kind=kind,
        country=country.strip(),
        parent_id=parent_id,
        aliases=[alias.strip() for alias in aliases if alias.strip()],
        description=description.strip(),
        reliability=reliability,
        reliability_note=reliability_note.strip(),
    )
    actor.full_clean()
    actor._history_user = by
    actor.save()
    return actor
