"""Sign-in pages: password reset exists only when mail can be sent, and is rate-limited then."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

RESET_WINDOW_SECONDS = 3600


def password_reset_enabled() -> bool:
    """Without a mail server a reset link cannot reach anyone; Django would try localhost:25."""
    return bool(settings.EMAIL_HOST)


def mail_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not password_reset_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "password_reset_enabled": password_reset_enabled()}


def _spend(key: str) -> bool:
    """One request from this budget; False when it is used up for the current window."""
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key) <= settings.PASSWORD_RESET_PER_HOUR
    except ValueError:  # expired between add and incr: a new window starts with this request
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        return True


class PasswordResetView(auth_views.PasswordResetView):
    """Each reset sends a mail: per client address and per address asked for, a few an hour."""

    def form_valid(self, form):
        # The address counted the way the API throttles count it (DJANGO_BEHIND_PROXY decides).
        client = BaseThrottle().get_ident(self.request)
        email = form.cleaned_data["email"].strip().lower()
        allowed = [_spend(f"password-reset:client:{client}"), _spend(f"password-reset:email:{email}")]
        if not all(allowed):
            form.add_error(None, _("Too many password reset requests. Try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


password_reset_urls = [
    ("password_reset/", PasswordResetView.as_view(), "password_reset"),
    ("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), "password_reset_done"),
    ("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), "password_reset_confirm"),
    ("reset/done/", auth_views.PasswordResetCompleteView.as_view(), "password_reset_complete"),
]
