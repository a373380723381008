"""API tokens: knox stores only a digest; we add the client's name so a token can be found and revoked."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from claims.models import ApiToken


@transaction.atomic
def create_api_token(*, user: AbstractBaseUser, name: str, expires_in: timedelta | None = None) -> str:
    """Return a new token for this client; it is shown once and only its digest is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Name the client this token is for.")]})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": [_("This user already has a token named %(name)r.") % {"name": name}]})
    if expires_in is not None and expires_in <= timedelta(0):
        raise ValidationError({"expires": [_("A token must expire in the future.")]})
    token, secret = AuthToken.objects.create(user=user, expiry=expires_in)
    ApiToken.objects.create(token=token, user=user, name=name)
    return secret


@transaction.atomic
def revoke_api_token(*, user: AbstractBaseUser, name: str) -> None:
    deleted, _rows = AuthToken.objects.filter(user=user, client__name=name).delete()
    if not deleted:
        raise ValidationError({"name": [_("No token named %(name)r for this user.") % {"name": name}]})
