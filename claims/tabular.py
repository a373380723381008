"""The CSV shape of a claim, one row per claim, shared by the export and the importer."""

import json
import re

from django.db import models
from django.utils.text import capfirst

from claims import schema
from claims.schema import write_shape


def _meaning(field: models.Field) -> str:
    label = capfirst(str(field.verbose_name))
    if field.choices:
        return f"{label}: {', '.join(str(value) for value, _label in field.choices)}"
    if isinstance(field, models.BooleanField):
        return f"{label}: true or false"
    if isinstance(field, models.IntegerField):
        return f"{label}: whole number or empty"
    if isinstance(field, models.DateField):
        return f"{label}: YYYY-MM-DD or empty"
    return label


def _claim_columns():
    """The claim's own columns, read off the model through claims.schema (actors: id and name)."""
    for field in schema.STANDALONE:
        if field.is_relation:
            yield f"{field.name}_id", f"{capfirst(str(field.verbose_name))}: actor id"
            yield field.name, f"{capfirst(str(field.verbose_name))}: actor name"
        else:
            yield field.name, _meaning(field)
    yield "participant_ids", "actor ids separated by ;"
    yield "participants", "actor names separated by ;"
    for fields in schema.GROUPED.values():
        yield from ((field.name, _meaning(field)) for field in fields)


# (column, meaning) — the order is the file's column order; documented in the OpenAPI description.
COLUMNS = [
    ("id", "claim uuid"),
    ("status", "draft, in_review, published or retracted"),
    ("version", "claim version"),
    *_claim_columns(),
    ("route", "JSON list of route stops, as in the API"),
    ("hops", "JSON list of attribution hops in the API's write shape (actors by id, source by URL)"),
    ("reliability", "current assessment: A–F"),
    ("credibility", "current assessment: 1–6"),
    ("likelihood", "current assessment: ICD 203 term"),
    ("confidence", "current assessment: low, moderate, high"),
    ("source_urls", "URLs read, separated by whitespace"),
    ("created_at", "ISO 8601"),
    ("updated_at", "ISO 8601"),
    ("published_at", "ISO 8601 or empty"),
]
HEADER = [name for name, _ in COLUMNS]

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection). A
# spreadsheet set to split on ";" or tab (Italian and other EU locales) starts a cell after each of
# those too, so every segment after , ; or tab counts as a start. The quote is put before each such
# start, and before a quote already there, so that import can always strip exactly the ones we added.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_SEGMENT_START = re.compile(r"(^|[,;\t])(?=[=+\-@\t\r'])")
_ADDED_QUOTE = re.compile(r"(^|[,;\t])'(?=[=+\-@\t\r'])")


def neutralise(cell: str) -> str:
    return _SEGMENT_START.sub(r"\1'", cell)


def restore(cell: str) -> str:
    return _ADDED_QUOTE.sub(r"\1", cell)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def claim_row(claim: dict) -> list[str]:
    """One CSV row from a claim's §9 JSON, every cell neutralised."""
    assessment = claim["assessment"] or {}
    values = {"id": claim["id"], "status": claim["status"], "version": claim["version"]}
    for field in schema.STANDALONE:
        if field.is_relation:
            actor = claim.get(field.name) or {}
            values[f"{field.name}_id"], values[field.name] = actor.get("id"), actor.get("name")
        else:
            values[field.name] = claim.get(field.name)
    values["participant_ids"] = ";".join(str(actor["id"]) for actor in claim["participants"])
    values["participants"] = ";".join(actor["name"] for actor in claim["participants"])
    for group, fields in schema.GROUPED.items():
        values |= {field.name: (claim.get(group) or {}).get(schema.group_of(field)[1]) for field in fields}
    values |= {
        "route": json.dumps(claim["route"], ensure_ascii=False),
        "hops": json.dumps(write_shape(claim)["hops"], ensure_ascii=False),
        "reliability": assessment.get("reliability"),
        "credibility": assessment.get("credibility"),
        "likelihood": assessment.get("likelihood"),
        "confidence": assessment.get("confidence"),
        "source_urls": " ".join(source["url"] for source in claim["sources"]),
        "created_at": claim["created_at"],
        "updated_at": claim["updated_at"],
        "published_at": claim["published_at"],
    }
    return [neutralise(_text(values[name])) for name in HEADER]


class RowError(ValueError):
    """A cell that cannot be read; the message names the column."""


def _json_list(row: dict, column: str) -> list:
    try:
        value = json.loads(row.get(column) or "[]")
    except json.JSONDecodeError as error:
        raise RowError(f"{column}: not valid JSON ({error.msg}).") from error
    if not isinstance(value, list):
        raise RowError(f"{column}: expected a JSON list.")
    return value


def _optional_int(row: dict, column: str) -> int | None:
    value = row.get(column, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise RowError(f"{column}: {value!r} is not a whole number.") from error


def _cell(field: models.Field, row: dict):
    """A cell as the write shape wants it; an empty or missing cell takes the model's default."""
    raw = row.get(field.name, "").strip()
    if isinstance(field, models.BooleanField):
        raw = raw.lower()
        if raw not in ("true", "false", ""):
            raise RowError(f"{field.name}: true or false, not {raw!r}.")
        return raw == "true" if raw else schema.default_of(field)
    if isinstance(field, models.IntegerField):
        return _optional_int(row, field.name)
    if isinstance(field, models.DateField):
        return raw or None
    if field.choices:
        return raw or schema.default_of(field)
    return row.get(field.name, "")


def write_payload(row: dict[str, str]) -> dict:
    """A CSV row (as csv.DictReader gives it) in the API's write shape, for ClaimWriteSerializer."""
    row = {key: restore(value or "") for key, value in row.items() if key is not None}
    missing = [name for name in ("statement", "kind", "hops") if name not in row]
    if missing:
        raise RowError(f"missing column(s): {', '.join(missing)}.")
    participants = [part for part in row.get("participant_ids", "").split(";") if part.strip()]
    try:
        participant_ids = [int(part) for part in participants]
    except ValueError as error:
        raise RowError("participant_ids: actor ids separated by ;.") from error
    body = {
        field.name: _optional_int(row, f"{field.name}_id") if field.is_relation else _cell(field, row)
        for field in schema.STANDALONE
    }
    for group, fields in schema.GROUPED.items():
        body[group] = {schema.group_of(field)[1]: _cell(field, row) for field in fields}
    return {
        **body,
        "participants": participant_ids,
        "route": _json_list(row, "route"),
        "hops": _json_list(row, "hops"),
    }
