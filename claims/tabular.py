"""The CSV shape of a claim, one row per claim, shared by the export and the importer."""

import json
import re

from claims.schema import write_shape

# (column, meaning) — the order is the file's column order; documented in the OpenAPI description.
COLUMNS = [
    ("id", "claim uuid"),
    ("status", "draft, in_review, published or retracted"),
    ("version", "claim version"),
    ("statement", "the atomic claim, in English"),
    ("kind", "claim kind"),
    ("supplier_id", "actor id"),
    ("supplier", "actor name"),
    ("recipient_id", "actor id"),
    ("recipient", "actor name"),
    ("participant_ids", "actor ids separated by ;"),
    ("participants", "actor names separated by ;"),
    ("place", "place of a non-transfer event"),
    ("item_category", "item category"),
    ("item_description", "free description of the items"),
    ("stage", "stage"),
    ("stance", "stance"),
    ("modality", "modality"),
    ("negated", "true or false"),
    ("quantity_qualifier", "quantity qualifier"),
    ("quantity_min", "whole number or empty"),
    ("quantity_max", "whole number or empty"),
    ("quantity_unit", "unit of the quantity"),
    ("quantity_text", "the words used for the quantity"),
    ("event_start", "YYYY-MM-DD or empty"),
    ("event_end", "YYYY-MM-DD or empty"),
    ("event_precision", "date precision"),
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
    values = {
        "id": claim["id"],
        "status": claim["status"],
        "version": claim["version"],
        "statement": claim["statement"],
        "kind": claim["kind"],
        "supplier_id": (claim["supplier"] or {}).get("id"),
        "supplier": (claim["supplier"] or {}).get("name"),
        "recipient_id": (claim["recipient"] or {}).get("id"),
        "recipient": (claim["recipient"] or {}).get("name"),
        "participant_ids": ";".join(str(actor["id"]) for actor in claim["participants"]),
        "participants": ";".join(actor["name"] for actor in claim["participants"]),
        "place": claim["place"],
        "item_category": claim["item_category"],
        "item_description": claim["item_description"],
        "stage": claim["stage"],
        "stance": claim["stance"],
        "modality": claim["modality"],
        "negated": claim["negated"],
        "quantity_qualifier": claim["quantity"]["qualifier"],
        "quantity_min": claim["quantity"]["min"],
        "quantity_max": claim["quantity"]["max"],
        "quantity_unit": claim["quantity"]["unit"],
        "quantity_text": claim["quantity"]["text"],
        "event_start": claim["event_date"]["start"],
        "event_end": claim["event_date"]["end"],
        "event_precision": claim["event_date"]["precision"],
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
    negated = row.get("negated", "false").strip().lower()
    if negated not in ("true", "false", ""):
        raise RowError(f"negated: true or false, not {negated!r}.")
    return {
        "statement": row["statement"],
        "kind": row["kind"],
        "supplier": _optional_int(row, "supplier_id"),
        "recipient": _optional_int(row, "recipient_id"),
        "participants": participant_ids,
        "place": row.get("place", ""),
        "item_category": row.get("item_category", ""),
        "item_description": row.get("item_description", ""),
        "stage": row.get("stage", ""),
        "stance": row.get("stance") or "assert",
        "modality": row.get("modality") or "occurred",
        "negated": negated == "true",
        "quantity": {
            "qualifier": row.get("quantity_qualifier") or "unknown",
            "min": _optional_int(row, "quantity_min"),
            "max": _optional_int(row, "quantity_max"),
            "unit": row.get("quantity_unit", ""),
            "text": row.get("quantity_text", ""),
        },
        "event_date": {
            "start": row.get("event_start") or None,
            "end": row.get("event_end") or None,
            "precision": row.get("event_precision") or "unknown",
        },
        "route": _json_list(row, "route"),
        "hops": _json_list(row, "hops"),
    }
