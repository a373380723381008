"""Assessments, dates and quantities in words, as editors say them."""

import functools
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from claims import vocab


def reliability_in_words(reliability: str) -> str:
    if reliability == vocab.Reliability.F:
        return _("source reliability cannot be judged")
    return _("%(label)s source") % {"label": vocab.Reliability(reliability).label}


def credibility_in_words(credibility: int) -> str:
    if credibility == vocab.Credibility.CANNOT_BE_JUDGED:
        return _("truth of the information cannot be judged")
    return _("information %(label)s") % {"label": vocab.Credibility(credibility).label}


def assessment_in_words(
    *, reliability: str, credibility: int, likelihood: str = "", confidence: str = ""
) -> str:
    """E.g. B2, usually reliable source, information probably true, likely, moderate confidence.

    Likelihood and confidence are left out when not given, never guessed.
    """
    parts = [
        f"{reliability}{credibility} — "
        f"{reliability_in_words(reliability)}, {credibility_in_words(credibility)}"
    ]
    if likelihood:
        parts.append(str(vocab.Likelihood(likelihood).label))
    if confidence:
        parts.append(str(vocab.Confidence(confidence).label))
    return " · ".join(parts)


def formatted_date(value: date, format: str) -> str:
    """date_format(value, format) in the active language, remembered: a list page formats two or three
    dates a row (about 60 a page, each through Django's formatter and a translated month name), and the
    same days come back from page to page."""
    return _formatted(value, format, get_language())


@functools.lru_cache(maxsize=8192)
def _formatted(value: date, format: str, language: str | None) -> str:
    return date_format(value, format)  # `language` only keys the cache: date_format reads the active one


def event_date_in_words(start: date | None, end: date | None, precision: str) -> str:
    """'September 2023', '12 September 2023', 'about 21 Aug 2023 to 10 Sep 2023', 'date unknown'."""
    if start is None:
        return _("date unknown")
    if precision == vocab.DatePrecision.DAY:
        return formatted_date(start, "j F Y")
    if precision == vocab.DatePrecision.MONTH:
        return formatted_date(start, "F Y")
    if precision == vocab.DatePrecision.YEAR:
        return formatted_date(start, "Y")
    span = f"{formatted_date(start, 'j M Y')} – {formatted_date(end or start, 'j M Y')}"
    if precision == vocab.DatePrecision.APPROXIMATE:
        return _("about %(span)s") % {"span": span}
    return span


def quantity_in_words(qualifier: str, low: int | None, high: int | None, unit: str, text: str) -> str:
    """'about 300 000 shells', 'between 10 and 20 trains', 'limited quantities', ''."""
    Q = vocab.QuantityQualifier
    unit = f" {unit}" if unit else ""
    if qualifier == Q.QUALITATIVE:
        return text
    if qualifier == Q.UNKNOWN:
        return text
    if qualifier == Q.RANGE:
        return _("between %(low)s and %(high)s%(unit)s") % {"low": low, "high": high, "unit": unit}
    number = high if qualifier == Q.UP_TO else low
    words = f"{Q(qualifier).label} {number}{unit}"
    return f"{words} ({text})" if text else words
