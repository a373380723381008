"""The CSV shape of a claim, one row per claim, shared by the export and the importer."""

import json
import re

from django.db import models
from django.utils.text import capfirst

from claims import schema, vocab, wording
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
    if isinstance(field, models.FloatField):
        return f"{label}: decimal number or empty"
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


# Read by people, written from the machine columns beside them; the importer reads only the machine
# columns (and checks the actor names against the ids, so a file from another database is refused,
# not linked to the wrong actors).
READABLE = [
    ("originator", "who said it first (hop 0): actor name and/or the words used"),
    ("anonymity", "how the originator is identified, in words"),
    ("relays", "who relayed it between the originator and the document we read, separated by →"),
    ("document_read", "the document we read (last hop): who, then its URL"),
    ("quote", "the quote closest to the document we read, as printed"),
    ("assessment", "the current assessment in words"),
    ("speakers", "each hop's speaker name, separated by ; (empty for none)"),
    ("affiliations", "each hop's affiliation name, separated by ; (empty for none)"),
]

# (column, meaning) — the order is the file's column order; documented in the OpenAPI description.
COLUMNS = [
    ("id", "claim uuid: a row whose id is in the database updates that claim"),
    ("status", "draft, in_review, published or retracted"),
    ("version", "claim version"),
    *_claim_columns(),
    *READABLE,
    ("speaker_ids", "each hop's speaker actor id, separated by ; (empty for none)"),
    ("affiliation_ids", "each hop's affiliation actor id, separated by ; (empty for none)"),
    ("route", "JSON list of route stops, as in the API"),
    ("hops", "JSON list of attribution hops in the API's write shape (actors by id, source by URL)"),
    ("reliability", "current assessment: A–F"),
    ("credibility", "current assessment: 1–6"),
    ("likelihood", "current assessment: ICD 203 term"),
    ("confidence", "current assessment: low, moderate, high"),
    ("rationale", "current assessment: the reviewer's rationale"),
    ("relations", "JSON list of relations, as in the API (direction, kind, claim_id, independence, note)"),
    ("source_urls", "URLs read, separated by whitespace"),
    ("created_at", "ISO 8601"),
    ("updated_at", "ISO 8601"),
    ("published_at", "ISO 8601 or empty"),
]
# Columns an export → import into an empty database → export does not reproduce: the import is a new
# history (versions and times of its own), and published_at is when the import published.
NOT_ROUND_TRIPPED = ("version", "created_at", "updated_at", "published_at")
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


def _who(hop: dict) -> str:
    name = (hop.get("speaker") or {}).get("name", "")
    descriptor = hop.get("descriptor") or ""
    return f"{name} ({descriptor})" if name and descriptor else name or descriptor


def _names(hops: list[dict], key: str, attribute: str) -> str:
    return ";".join(str((hop.get(key) or {}).get(attribute, "")) for hop in hops)


def _readable(claim: dict) -> dict:
    """The readable columns, from the claim's document and claims.wording."""
    hops, assessment = claim["hops"], claim["assessment"]
    last = hops[-1] if hops else {}
    quoted = next((hop for hop in reversed(hops) if hop.get("quote")), {})
    return {
        "originator": _who(hops[0]) if hops else "",
        "anonymity": vocab.Anonymity(hops[0]["anonymity"]).label if hops else "",
        "relays": " → ".join(_who(hop) for hop in hops[1:-1]),
        "document_read": ", ".join(part for part in (_who(last), last.get("source") or "") if part),
        "quote": quoted.get("quote", ""),
        "assessment": wording.assessment_in_words(
            reliability=assessment["reliability"],
            credibility=assessment["credibility"],
            likelihood=assessment["likelihood"] or "",
            confidence=assessment["confidence"] or "",
        )
        if assessment
        else "",
        "speakers": _names(hops, "speaker", "name"),
        "affiliations": _names(hops, "affiliation", "name"),
        "speaker_ids": _names(hops, "speaker", "id"),
        "affiliation_ids": _names(hops, "affiliation", "id"),
    }


def _relations(claim: dict) -> list[dict]:
    # Sorted, so that the same relations give the same cell whatever order they were made in.
    return sorted(claim["relations"], key=lambda rel: (rel["direction"], rel["kind"], rel["claim_id"]))


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
    values |= _readable(claim) | {
        "route": json.dumps(claim["route"], ensure_ascii=False),
        "hops": json.dumps(write_shape(claim)["hops"], ensure_ascii=False),
        "reliability": assessment.get("reliability"),
        "credibility": assessment.get("credibility"),
        "likelihood": assessment.get("likelihood"),
        "confidence": assessment.get("confidence"),
        "rationale": assessment.get("rationale"),
        "relations": json.dumps(_relations(claim), ensure_ascii=False),
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
    if isinstance(field, models.DateField | models.FloatField):
        return raw or None
    if field.choices:
        return raw or schema.default_of(field)
    return row.get(field.name, "")


def _assessment(row: dict) -> dict | None:
    given = {
        name: row.get(name, "").strip() for name in ("reliability", "credibility", "likelihood", "confidence")
    }
    rationale = row.get("rationale", "")
    if not any(given.values()) and not rationale.strip():
        return None
    return {**given, "credibility": _optional_int(row, "credibility"), "rationale": rationale}


def _split(row: dict, column: str) -> list[str] | None:
    """A ;-separated cell as its parts; None when the file has no such column."""
    return row[column].split(";") if column in row else None


def _actor_names(row: dict) -> dict[str, str]:
    """The names a row gives for its actors, by the write shape's path (checked against the ids)."""
    names = {field.name: row.get(field.name, "") for field in schema.ACTOR_COLUMNS}
    participants = _split(row, "participants") if row.get("participants", "").strip() else []
    names |= {f"participants.{index}": name for index, name in enumerate(participants)}
    for column, key in (("speakers", "speaker"), ("affiliations", "affiliation")):
        for index, name in enumerate(_split(row, column) or []):
            names[f"hops.{index}.{key}"] = name
    return {path: name for path, name in names.items() if name.strip()}


def write_payload(row: dict[str, str]) -> dict:
    """A CSV row (as csv.DictReader gives it) in the API's write shape, for claims.schema; with the
    claim's id, status, version, assessment and relations as in the API, and the actor names given."""
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
        "id": row.get("id", "").strip(),
        "status": row.get("status", "").strip(),
        "version": _optional_int(row, "version"),
        "assessment": _assessment(row),
        "relations": _json_list(row, "relations"),
        "actor_names": _actor_names(row),
    }
