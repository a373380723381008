"""Limits, validators and URL normalisation shared by every model."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from claims.hosts import normalise_host

# Limits on free text, enforced by the models and the services alike.
STATEMENT_MAX = 1000
SHORT_TEXT_MAX = 300
QUOTE_MAX = 5000
RATIONALE_MAX = 4000
URL_MAX = 2000

# Query parameters that identify a campaign, not a document.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def validate_country(value: str) -> None:
    """Accept ISO 3166-1 alpha-2 codes only (GB, not UK; RU, not RUS)."""
    if value and (len(value) != 2 or not value.isupper() or pycountry.countries.get(alpha_2=value) is None):
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code (for example GB, RU, KP)."),
            code="invalid_country",
            params={"value": value},
        )


def validate_language(value: str) -> None:
    """Accept ISO 639-1 two-letter language codes (it, en, ko)."""
    if value and (len(value) != 2 or not value.islower() or pycountry.languages.get(alpha_2=value) is None):
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code (for example it, en, ru)."),
            code="invalid_language",
            params={"value": value},
        )


def normalise_url(url: str) -> str:
    """One spelling per document: lower-case scheme and host, no default port, fragment or tracking."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:  # e.g. characters that NFKC-normalise to "/", "?", "#", "@" or ":"
        raise ValidationError(_("Enter an http or https URL with a host."), code="invalid_url") from error
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("Enter an http or https URL with a host."), code="invalid_url")
    # One Source per host however it is spelled: apple.com with a Cyrillic "a" is stored as xn--pple-43d.com.
    host = normalise_host(parts.hostname)
    default_port = {"http": 80, "https": 443}[scheme]
    try:
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("The URL has an invalid port."), code="invalid_url") from error
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, default_port) else f"[{host}]:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.startswith(TRACKING_PARAMS)
        ]
    )
    normalised = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    if len(normalised) > URL_MAX:
        raise ValidationError(_("URLs are limited to %(max)d characters."), params={"max": URL_MAX})
    return normalised
