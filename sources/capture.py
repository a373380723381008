"""Capture on add: fill a new source's missing title, publisher, date and language from its page."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError

from claims import vocab
from claims.models import SHORT_TEXT_MAX, Actor, Source, validate_language

_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2})(?:[-_].*)?")


def fill_metadata(source: Source, metadata: dict[str, str | None]) -> list[str]:
    """Set the fields an editor left blank from the page's metadata; returns the names of those set."""
    filled = []
    title = (metadata.get("title") or "").strip()
    if not source.title and title:
        source.title = title[:SHORT_TEXT_MAX]
        filled.append("title")
    publisher = find_actor(metadata.get("publisher") or "")
    if source.publisher_id is None and publisher is not None:
        source.publisher = publisher
        filled.append("publisher")
    published = _parse_date(metadata.get("published") or "")
    if source.published_on is None and published is not None:
        source.published_on = published
        source.published_precision = vocab.DatePrecision.DAY
        filled += ["published_on", "published_precision"]
    language = normalise_language(metadata.get("language") or "")
    if not source.language and language:
        source.language = language
        filled.append("language")
    return filled


def normalise_language(tag: str) -> str:
    """'it-IT', 'en_GB', 'IT' → the ISO 639-1 code ('it', 'en', 'it'); '' when not a known language."""
    match = _LANGUAGE_TAG.fullmatch(tag.strip())
    if match is None:
        return ""
    code = match.group(1).lower()
    try:
        validate_language(code)
    except ValidationError:
        return ""
    return code


def find_actor(name: str) -> Actor | None:
    """The Actor called `name` (or with it as an alias), case-insensitively; never a new one."""
    name = name.strip()
    if not name:
        return None
    actor = Actor.objects.filter(name__iexact=name).first()
    if actor is not None:
        return actor
    # Aliases are a JSON list, which SQLite cannot search case-insensitively: compare in Python.
    wanted = name.casefold()
    for candidate in Actor.objects.exclude(aliases=[]).only("pk", "aliases"):
        if any(alias.casefold() == wanted for alias in candidate.aliases):
            return Actor.objects.get(pk=candidate.pk)
    return None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
