"""Who may call the API at all; what they may change is decided by the services."""

from django.conf import settings
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadableOrAuthenticated(BasePermission):
    """Reads are open while PUBLIC_API is on; everything else needs a logged-in user or a token."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and settings.PUBLIC_API:
            return True
        return bool(request.user and request.user.is_authenticated)


def require(allowed: bool) -> None:
    """Refuse before the body is validated: field errors would show a caller who may not write what
    the endpoint checks. The services check again; this only puts the refusal first."""
    if not allowed:
        raise PermissionDenied()
