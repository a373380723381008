"""STIX 2.1 bundles of claims as plain dicts: a report per claim, a note per attribution hop."""

import uuid
from datetime import UTC, datetime

from claims import schema, vocab

# Fixed for ever: the STIX ids of a claim's objects are uuid5 names under it, so re-exports match.
NAMESPACE = uuid.UUID("6f1d7c0e-3b5a-5d2e-9c4f-2a8b7e1d0c93")

# STIX 2.1 §A "Admiralty Credibility" scale. Credibility 6 ("truth cannot be judged") maps to no
# confidence at all: the property is left out rather than set to a middling 50.
CONFIDENCE_BY_CREDIBILITY = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}


def _id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


def _timestamp(value: str | None) -> str | None:
    """STIX wants UTC with a Z and at least second precision; ours are ISO 8601 with an offset."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def confidence(claim: dict) -> int | None:
    assessment = claim.get("assessment")
    return CONFIDENCE_BY_CREDIBILITY.get(assessment["credibility"]) if assessment else None


def _who(hop: dict) -> str:
    return (hop["speaker"] or {}).get("name") or hop["descriptor"] or "undisclosed"


def claim_objects(claim: dict) -> list[dict]:
    report_id = _id("report", claim["id"])
    created, modified = _timestamp(claim["created_at"]), _timestamp(claim["updated_at"])
    notes = []
    for hop in claim["hops"]:
        words = [f"{_who(hop)} ({hop['anonymity']})"]
        if hop["quote"]:
            words.append(f"“{hop['quote']}” [{hop['quote_language']}]")
        if hop["translation"]:
            words.append(f"Translation: {hop['translation']}")
        note = {
            "type": "note",
            "spec_version": "2.1",
            "id": _id("note", f"{claim['id']}/hop/{hop['position']}"),
            "created": created,
            "modified": modified,
            "abstract": f"Attribution hop {hop['position']}: {_who(hop)}",
            "content": "\n".join(words),
            "object_refs": [report_id],
        }
        if hop["source"]:
            note["external_references"] = [{"source_name": "source", "url": hop["source"]}]
        notes.append(note)
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": report_id,
        "created": created,
        "modified": modified,
        "name": claim["statement"],
        "description": claim["statement"],
        "report_types": ["arms-transfer-claim"],
        "published": _timestamp(claim["published_at"] or claim["updated_at"]),
        "object_refs": [note["id"] for note in notes],
        "labels": [claim["kind"], claim["status"]],
        "external_references": [
            {"source_name": "claim-tracker", "external_id": claim["id"]},
            *({"source_name": "source", "url": source["url"]} for source in claim["sources"]),
        ],
        "x_claim": {
            **{key: claim.get(key) for key in schema.CLAIM_KEYS if key not in ("statement", "hops")},
            "assessment": claim["assessment"],
            "version": claim["version"],
        },
    }
    if claim["status"] == vocab.Status.RETRACTED:
        report["revoked"] = True
    if (value := confidence(claim)) is not None:
        report["confidence"] = value
    return [report, *notes]


def bundle(claims: list[dict]) -> dict:
    """Deterministic: the same claims at the same versions give the same bundle id."""
    name = ",".join(f"{claim['id']}@{claim['version']}" for claim in claims)
    return {
        "type": "bundle",
        "id": _id("bundle", name),
        "objects": [obj for claim in claims for obj in claim_objects(claim)],
    }
