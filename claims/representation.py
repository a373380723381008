"""The public JSON shape of a claim (DESIGN §9): the one builder of documents, versions and feed events."""

from datetime import datetime

from claims import schema, vocab
from claims.models import Actor, Assessment, Claim, FeedEvent, Source


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
        # Read only: the editor's deal.un_category, else what the item category maps to.
        "un_register_category": vocab.un_category(
            item_category=claim.item_category, explicit=claim.deal_un_category
        )
        or None,
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


def represent_source_health(source: Source, cited_by: list[str]) -> dict:
    """A source event's body: the source's health now, and the public claims (ids) that cite it."""
    return {
        "id": source.pk,
        "url": source.url,
        "title": source.title,
        "liveness": source.liveness,
        "quotes_missing": source.quotes_missing,
        "last_outcome": source.last_outcome,
        "last_checked_at": iso(source.last_checked_at),
        "cited_by": cited_by,
    }


def represent_feed_event(event: FeedEvent) -> dict:
    """One change-feed event as the API lists it and a webhook receives it (`claim` or `source` set).

    Expects the event loaded with its claim (select_related); the claim document is as stored, so a
    reader's redaction (selectors.redact_documents) still applies to `claim`."""
    about_claim = event.claim_id is not None
    return {
        "seq": event.seq,
        "type": event.type,
        "claim_id": str(event.claim.uuid) if about_claim else None,
        "version": event.version,
        # As DRF writes date-times, like every other API field outside the claim document.
        "at": event.at.isoformat().replace("+00:00", "Z"),
        "claim": event.payload if about_claim else None,
        "source": None if about_claim else event.payload,
    }
