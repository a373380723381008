"""Who may open the editor's pages: signed-in users with the viewer role or more."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def reader_required(view):
    """Anonymous visitors go to the login page; signed-in users without a role get a 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_perm(request.user, "claims.view_claim")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
