"""Who may open the editor's pages: signed-in users with the viewer role or more."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from claims import policies


def require(allowed: bool) -> None:
    """Pass the answer of a claims.policies question; a no is a 403."""
    if not allowed:
        raise PermissionDenied


def reader_required(view):
    """Anonymous visitors go to the login page; signed-in users without a role get a 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require(policies.may_read(request.user))
        return view(request, *args, **kwargs)

    return login_required(wrapped)
