"""The public JSON shape of a claim (DESIGN §9): the one builder of documents, versions and feed events."""

from datetime import datetime

from claims import schema
from claims.models import Actor, Assessment, Claim


def iso(value: datetime | None) -> str | None:
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
        "assessed_at": iso(assessment.assessed_at),
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
                "last_checked_at": iso(source.last_checked_at),
            }
            for source in sources.values()
        ],
        "status": claim.status,
        "version": claim.version,
        "created_at": iso(claim.created_at),
        "updated_at": iso(claim.updated_at),
        "published_at": iso(claim.published_at),
    }
