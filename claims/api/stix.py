"""STIX 2.1 of claims as a graph: a report per claim, an identity per actor, a note per attribution hop,
relationships between claims, and our own fields in a declared property extension (README "STIX 2.1").

The entry point is stix_objects(visible claim documents); bundle() wraps its result. Documents must come
from selectors.documents_visible_to: relations to claims the reader may not see are gone from them, so
no relationship here ever names such a claim.
"""

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from django.utils import translation

from claims import vocab, wording
from claims.models import Actor

# Fixed for ever: every id below is derived from it, so the same claim, hop, actor or relation has the
# same id in every export, and clients update the object they already hold instead of adding a copy.
NAMESPACE = "6f1d7c0e-3b5a-5d2e-9c4f-2a8b7e1d0c93"
PRODUCER_ID = "identity--ffaba409-488c-4bf7-891f-ccbdfdea9e4c"
EXTENSION_ID = "extension-definition--be31187c-c9f9-4525-82b4-a4eb26251c49"
# When the producer identity and the extension were defined: they change only with a new version here.
DEFINED_AT = "2026-11-30T00:00:00.000Z"
EXTENSION_VERSION = "1.0.0"

# STIX 2.1 Appendix "Admiralty Credibility" scale. Credibility 6 ("truth cannot be judged") maps to no
# confidence at all: the property is left out rather than set to a middling 50.
CONFIDENCE_BY_CREDIBILITY = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}

IDENTITY_CLASS = {
    vocab.ActorKind.PERSON: "individual",
    vocab.ActorKind.NON_STATE_ARMED_GROUP: "group",
    vocab.ActorKind.UNKNOWN: "unknown",
}  # every other kind of actor is an organization
SECTORS = {
    vocab.ActorKind.STATE: ["government-national"],
    vocab.ActorKind.GOVERNMENT_BODY: ["government-national"],
    vocab.ActorKind.ARMED_FORCES: ["defense"],
}
# The specification suggests no relationship type between two reports but its common ones; what the
# relation is (corroborates, denies, …) travels in the extension and the description.
RELATIONSHIP_TYPE = {vocab.RelationKind.DUPLICATES: "duplicate-of"}  # every other kind is related-to


def stable_id(kind: str, name: str) -> str:
    """A UUIDv4-shaped id that is a hash of `name`: the same on every export, random-looking to others.

    UUIDv5 would be the natural choice, but STIX 2.1 recommends v4 for domain and relationship objects
    (the validator's strict mode refuses anything else); v4 is 122 free bits, here taken from SHA-256.
    """
    digest = hashlib.sha256(f"{NAMESPACE}/{kind}/{name}".encode()).digest()
    return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"


def report_id(claim_id: str) -> str:
    return stable_id("report", claim_id)


def actor_id(actor: Mapping) -> str:
    return stable_id("identity", f"actor/{actor['id']}")


def _timestamp(value: str | datetime | None) -> str | None:
    """STIX wants UTC with a Z and millisecond precision; ours are ISO 8601 with an offset."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def confidence(claim: dict) -> int | None:
    assessment = claim.get("assessment")
    return CONFIDENCE_BY_CREDIBILITY.get(assessment["credibility"]) if assessment else None


def _compact(value):
    """Without empty values, at any depth: STIX allows no null and no empty list (an empty text says
    nothing either)."""
    if isinstance(value, dict):
        value = {key: _compact(item) for key, item in value.items()}
        return {key: item for key, item in value.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in map(_compact, value) if item not in (None, "", [], {})]
    return value


def _extended(obj: dict, properties: dict) -> dict:
    obj["extensions"] = {EXTENSION_ID: {"extension_type": "property-extension", **_compact(properties)}}
    return obj


def _common(kind: str, object_id: str, created: str, modified: str) -> dict:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": object_id,
        "created_by_ref": PRODUCER_ID,
        "created": created,
        "modified": modified,
    }


def shared_objects() -> list[dict]:
    """Us as the producer of every object, and the definition of our extension."""
    producer = {
        **_common("identity", PRODUCER_ID, DEFINED_AT, DEFINED_AT),
        "name": "Arms-Transfer Claim Tracker",
        "identity_class": "organization",
        "description": "Logs claims about arms transfers with their attribution chain and assessment.",
    }
    extension = {
        **_common("extension-definition", EXTENSION_ID, DEFINED_AT, DEFINED_AT),
        "name": "Arms-transfer claim",
        "description": "The claim tracker's own fields on reports (the claim: actors, item, stage, stance, "
        "quantity, dates, route, attribution hops, assessment), identities (the actor), notes (the hop) "
        "and relationships (the relation between claims and its independence).",
        "schema": "Property names and values are those of the claim tracker's claim JSON (its README, "
        "'Claim JSON'), with actors as identity references (_ref, _refs) and hops as notes (note_ref).",
        "version": EXTENSION_VERSION,
        "extension_types": ["property-extension"],
    }
    return [producer, extension]


def _identity(actor: dict, times: tuple[str, str]) -> dict:
    identity = {
        **_common("identity", actor_id(actor), *times),
        "name": actor["name"],
        "identity_class": IDENTITY_CLASS.get(actor["kind"], "organization"),
    }
    if actor["kind"] in SECTORS:
        identity["sectors"] = SECTORS[actor["kind"]]
    return _extended(
        identity, {"actor_id": actor["id"], "actor_kind": actor["kind"], "country": actor["country"]}
    )


def _actors(claim: dict) -> list[dict]:
    """Every actor the claim names, once, in the order a reader meets them."""
    named = [claim["supplier"], claim["recipient"], *claim["participants"]]
    named += [actor for hop in claim["hops"] for actor in (hop["speaker"], hop["affiliation"])]
    unique: dict[int, dict] = {}
    for actor in filter(None, named):
        unique.setdefault(actor["id"], actor)
    return list(unique.values())


def _ref(actor: dict | None) -> str | None:
    return actor_id(actor) if actor else None


def _who(hop: dict) -> str:
    return (hop["speaker"] or {}).get("name") or hop["descriptor"] or "undisclosed"


def _hop_note(claim: dict, hop: dict, times: tuple[str, str]) -> dict:
    words = [f"{_who(hop)} ({hop['anonymity']})"]
    if hop["quote"]:
        words.append(f"“{hop['quote']}” [{hop['quote_language']}]")
    if hop["translation"]:
        words.append(f"Translation: {hop['translation']}")
    if hop["source"]:
        words.append(f"Read at: {hop['source']}")
    return {
        **_common("note", stable_id("note", f"{claim['id']}/hop/{hop['position']}"), *times),
        "abstract": f"Attribution hop {hop['position']}: {_who(hop)}",
        "content": "\n".join(words),
        "object_refs": [report_id(claim["id"]), *filter(None, [_ref(hop["speaker"])])],
    }


def _hop_properties(hop: dict, note_id: str) -> dict:
    properties = {key: value for key, value in hop.items() if key not in ("speaker", "affiliation")}
    return {
        **properties,
        "speaker_ref": _ref(hop["speaker"]),
        "affiliation_ref": _ref(hop["affiliation"]),
        "note_ref": note_id,
    }


def _relationship(claim: dict, relation: dict, times: tuple[str, str]) -> dict:
    source, target = report_id(claim["id"]), report_id(relation["claim_id"])
    kind = relation["kind"]
    described = f"{kind} ({relation['independence'].replace('_', ' ')})"
    relationship = {
        **_common(
            "relationship", stable_id("relationship", f"{claim['id']}/{kind}/{relation['claim_id']}"), *times
        ),
        "relationship_type": RELATIONSHIP_TYPE.get(kind, "related-to"),
        "source_ref": source,
        "target_ref": target,
        "description": f"{described}: {relation['note']}" if relation["note"] else described,
    }
    return _extended(
        relationship,
        {"relation": kind, "independence": relation["independence"], "note": relation["note"]},
    )


def _description(claim: dict) -> str:
    assessment = claim["assessment"]
    if assessment is None:
        return f"{claim['statement']}\n\nNot assessed yet."
    with translation.override("en"):
        words = wording.assessment_in_words(
            reliability=assessment["reliability"],
            credibility=assessment["credibility"],
            likelihood=assessment["likelihood"] or "",
            confidence=assessment["confidence"] or "",
        )
    return f"{claim['statement']}\n\nAssessment: {words}. {assessment['rationale']}"


# Claim keys that become STIX properties or objects of their own rather than extension properties.
_NOT_EXTENDED = {"id", "statement", "supplier", "recipient", "participants", "hops", "relations", "sources"}


def _report(claim: dict, actors: list[dict], notes: list[dict], times: tuple[str, str]) -> dict:
    report = {
        **_common("report", report_id(claim["id"]), *times),
        "name": claim["statement"],
        "description": _description(claim),
        # A report must have a publication date; a draft (shown to editors only) has its last change.
        "published": _timestamp(claim["published_at"] or claim["updated_at"]),
        "object_refs": [actor_id(actor) for actor in actors] + [note["id"] for note in notes],
        "labels": [claim["kind"], claim["status"]],
        "lang": "en",
        # The sources' URLs are in the extension and the hop notes: an external reference with a URL
        # should carry the hashes of what it points to, and a page we quote changes under the URL.
        "external_references": [{"source_name": "claim-tracker", "external_id": claim["id"]}],
    }
    if (value := confidence(claim)) is not None:
        report["confidence"] = value
    properties = {key: value for key, value in claim.items() if key not in _NOT_EXTENDED}
    properties["sources"] = [
        {"url": source["url"], "liveness": source["liveness"], "last_checked_at": source["last_checked_at"]}
        for source in claim["sources"]
    ]
    return _extended(
        report,
        {
            "claim_id": claim["id"],
            **properties,
            "supplier_ref": _ref(claim["supplier"]),
            "recipient_ref": _ref(claim["recipient"]),
            "participant_refs": [actor_id(actor) for actor in claim["participants"]],
            "hops": [
                _hop_properties(hop, note["id"]) for hop, note in zip(claim["hops"], notes, strict=True)
            ],
        },
    )


def actor_times(actor_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """When each actor was created and last changed: its identity's created and modified."""
    rows = Actor.objects.filter(pk__in=set(actor_ids)).values_list("pk", "created_at", "updated_at")
    return {pk: (_timestamp(created), _timestamp(max(created, updated))) for pk, created, updated in rows}


def claim_objects(claim: dict, *, actors_changed: Mapping[int, tuple[str, str]] | None = None) -> list[dict]:
    """The STIX objects of one visible claim document: its report, the identities of its actors, a note
    per hop and a relationship per relation it starts (the claim it points to carries none, so a bundle
    has each relation once). `actors_changed` is actor_times() of its actors, looked up when not given.

    A retraction revokes the report, its notes and its relationships, at the claim's last change: STIX
    consumers then drop them, as they must drop a claim we withdrew.
    """
    times = (_timestamp(claim["created_at"]), _timestamp(claim["updated_at"]))
    actors = _actors(claim)
    if actors_changed is None:
        actors_changed = actor_times(actor["id"] for actor in actors)
    # An actor deleted since (a participant's name stays in the document) keeps the claim's times.
    identities = [_identity(actor, actors_changed.get(actor["id"], times)) for actor in actors]
    notes = [_hop_note(claim, hop, times) for hop in claim["hops"]]
    relationships = [
        _relationship(claim, relation, times)
        for relation in claim["relations"]
        if relation["direction"] == "out"
    ]
    owned = [_report(claim, actors, notes, times), *notes, *relationships]
    if claim["status"] == vocab.Status.RETRACTED:
        for obj in owned:
            obj["revoked"] = True
    return [*owned, *identities]


def actors_changed(claims: list[dict]) -> dict[int, tuple[str, str]]:
    """actor_times() of every actor these claim documents name, in one query."""
    return actor_times(actor["id"] for claim in claims for actor in _actors(claim))


def stix_objects(claims: list[dict]) -> list[dict]:
    """Every STIX object of these visible claim documents, each once: the producer and the extension
    definition first, then each claim's objects (an actor named by several claims is one identity)."""
    changed = actors_changed(claims)
    objects = {obj["id"]: obj for obj in shared_objects()}
    for claim in claims:
        for obj in claim_objects(claim, actors_changed=changed):
            objects.setdefault(obj["id"], obj)
    return list(objects.values())


def bundle(claims: list[dict]) -> dict:
    """Deterministic: the same claims at the same versions give the same bundle id."""
    name = ",".join(f"{claim['id']}@{claim['version']}" for claim in claims)
    return {"type": "bundle", "id": stable_id("bundle", name), "objects": stix_objects(claims)}
