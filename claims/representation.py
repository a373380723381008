"""The public JSON shape of a claim (DESIGN §9): the one builder of documents, versions and feed events."""

from datetime import datetime

from claims import lineage, schema, vocab
from claims.lineage import Key, Lineage
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


class LineageIndex:
    """The lineages of a claim and of the claims related to it, with the names of their origins."""

    def __init__(self, lineages: dict[int, Lineage], names: dict[Key, str]):
        self.lineages, self.names = lineages, names

    def of(self, claim_id: int) -> Lineage:
        return self.lineages.get(claim_id, Lineage())

    def origin(self, key: Key) -> dict:
        return {
            "kind": key[0],
            "id": key[1] if key[0] in ("actor", "source") else None,
            "name": lineage.label(key, self.names),
        }


def represent_lineage(own: Lineage, other: Lineage, index: LineageIndex) -> dict:
    comparison = lineage.compare(own, other)
    return {"verdict": comparison.verdict.value, "shared": [index.origin(key) for key in comparison.shared]}


def represent_claim(claim: Claim, index: LineageIndex | None = None) -> dict:
    """Expects a claim loaded with Claim.objects.with_details() and, when it has relations, the
    lineages of it and its related claims (projection.lineage_index); issues no queries of its own then."""
    hops = list(claim.hops.all())
    sources = {hop.source.pk: hop.source for hop in hops if hop.source is not None}
    ends = [("out", rel, rel.to_claim) for rel in claim.relations_out.all()] + [
        ("in", rel, rel.from_claim) for rel in claim.relations_in.all()
    ]
    if ends and index is None:
        raise ValueError("A claim with relations is represented with its lineage index.")
    own = index.of(claim.pk) if index else Lineage()
    relations = [
        {
            "direction": direction,
            "kind": rel.kind,
            "claim_id": str(other.uuid),
            "independence": rel.independence,
            "note": rel.note,
            "lineage": represent_lineage(own, index.of(other.pk), index),
            "lineage_conflict": rel.lineage_conflict,
        }
        for direction, rel, other in ends
    ]
    # Published corroborations only: the document is every reader's, and a draft's corroboration
    # (or an edit to its chain) must not show in a public claim's counts.
    independent, shared_channel = lineage.independent_origins(
        own,
        [
            lineage.Corroboration(
                index.of(other.pk), declared_independent=rel.independence == vocab.Independence.INDEPENDENT
            )
            for _direction, rel, other in ends
            if rel.kind == vocab.RelationKind.CORROBORATES and other.status in vocab.PUBLIC_STATUSES
        ],
    )
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
        "independent_origins": independent,
        "shared_channel_origins": shared_channel,
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
