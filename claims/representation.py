"""The public JSON shape of a claim (DESIGN §9), shared by snapshots, the feed and the API."""

from datetime import datetime

import orjson
from django.db.models import F, TextField
from django.db.models.functions import Cast

from claims import schema
from claims.models import Actor, Assessment, Claim, ClaimVersion, Source


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def represent_actor(actor: Actor | None) -> dict | None:
    if actor is None:
        return None
    return {"id": actor.pk, "name": actor.name, "kind": actor.kind, "country": actor.country}


def represent_assessment(assessment: Assessment | None) -> dict | None:
    if assessment is None:
        return None
    return {
        "reliability": assessment.reliability,
        "credibility": assessment.credibility,
        "likelihood": assessment.likelihood or None,
        "confidence": assessment.confidence or None,
        "rationale": assessment.rationale,
        "assessed_at": _iso(assessment.assessed_at),
    }


def represent_claim(claim: Claim) -> dict:
    """Expects a claim loaded with Claim.objects.with_details(); issues no queries of its own then."""
    hops = list(claim.hops.all())
    sources = {hop.source.pk: hop.source for hop in hops if hop.source is not None}
    relations = [
        {
            "direction": "out",
            "kind": rel.kind,
            "claim_id": str(rel.to_claim.uuid),
            "independence": rel.independence,
            "note": rel.note,
        }
        for rel in claim.relations_out.all()
    ] + [
        {
            "direction": "in",
            "kind": rel.kind,
            "claim_id": str(rel.from_claim.uuid),
            "independence": rel.independence,
            "note": rel.note,
        }
        for rel in claim.relations_in.all()
    ]
    return {
        "id": str(claim.uuid),
        **schema.document_fields(claim, represent_actor),
        "assessment": represent_assessment(claim.current_assessment),
        "relations": relations,
        "sources": [
            {
                "id": source.pk,
                "url": source.url,
                "liveness": source.liveness,
                "last_checked_at": _iso(source.last_checked_at),
            }
            for source in sources.values()
        ],
        "status": claim.status,
        "version": claim.version,
        "created_at": _iso(claim.created_at),
        "updated_at": _iso(claim.updated_at),
        "published_at": _iso(claim.published_at),
    }


def _actor_slots(document: dict):
    """Every place an actor appears in a claim document, as (container, key) pairs."""
    for key in ("supplier", "recipient"):
        yield document, key
    yield from ((document["participants"], index) for index in range(len(document["participants"])))
    for hop in document["hops"]:
        yield hop, "speaker"
        yield hop, "affiliation"


def current_representations(claims: list[Claim]) -> list[dict]:
    """Each claim as the snapshot stored for its current version, with actors and source health as now.

    Every write records the whole claim at its new version, so only what changes without a new version
    (an actor renamed, a source re-checked) is read afresh: three queries for any number of claims.
    """
    # As text, parsed by orjson: several times faster than the JSON field's own decoding.
    snapshots = dict(
        ClaimVersion.objects.filter(claim__in=claims, version=F("claim__version")).values_list(
            "claim_id", Cast("snapshot", TextField())
        )
    )
    documents = [orjson.loads(snapshots[claim.pk]) for claim in claims]
    actor_ids = {
        slot[key]["id"] for document in documents for slot, key in _actor_slots(document) if slot[key]
    }
    source_ids = {source["id"] for document in documents for source in document["sources"]}
    actors = {
        row["id"]: row
        for row in Actor.objects.filter(id__in=actor_ids).values("id", "name", "kind", "country")
    }
    sources = {
        row["id"]: {**row, "last_checked_at": _iso(row["last_checked_at"])}
        for row in Source.objects.filter(id__in=source_ids).values("id", "url", "liveness", "last_checked_at")
    }
    for document in documents:
        for slot, key in _actor_slots(document):
            if slot[key]:
                # A participant's actor may since have been deleted: the stored name then stands.
                slot[key] = actors.get(slot[key]["id"], slot[key])
        document["sources"] = [sources[source["id"]] for source in document["sources"]]
    return documents
