"""Per-minute request budgets for anonymous and authenticated clients, read from settings per request."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    # DRF reads rates once at import; reading them per request lets tests and operators change them.
    setting_name = ""

    def get_rate(self) -> str | None:
        per_minute = getattr(settings, self.setting_name)
        return f"{per_minute}/min" if per_minute else None


class AnonymousThrottle(_SettingsRate, AnonRateThrottle):
    setting_name = "API_THROTTLE_ANON_PER_MINUTE"


class ClientThrottle(_SettingsRate, UserRateThrottle):
    setting_name = "API_THROTTLE_USER_PER_MINUTE"
