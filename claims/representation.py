"""The public JSON shape of a claim (DESIGN §9): the one builder of documents, versions and feed events."""

from datetime import datetime

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
        "statement": claim.statement,
        "kind": claim.kind,
        "supplier": represent_actor(claim.supplier),
        "recipient": represent_actor(claim.recipient),
        "participants": [represent_actor(actor) for actor in claim.participants.all()],
        "place": claim.place,
        "item_category": claim.item_category or None,
        "item_description": claim.item_description,
        "stage": claim.stage or None,
        "stance": claim.stance,
        "modality": claim.modality,
        "negated": claim.negated,
        "quantity": {
            "qualifier": claim.quantity_qualifier,
            "min": claim.quantity_min,
            "max": claim.quantity_max,
            "unit": claim.quantity_unit,
            "text": claim.quantity_text,
        },
        "event_date": {
            "start": claim.event_start.isoformat() if claim.event_start else None,
            "end": claim.event_end.isoformat() if claim.event_end else None,
            "precision": claim.event_precision,
        },
        "route": [
            {
                "position": stop.position,
                "role": stop.role,
                "country": stop.country,
                "region": stop.region,
                "approximate": stop.approximate,
            }
            for stop in claim.route.all()
        ],
        "hops": [
            {
                "position": hop.position,
                "speaker": represent_actor(hop.speaker),
                "descriptor": hop.descriptor,
                "affiliation": represent_actor(hop.affiliation),
                "role": hop.role,
                "anonymity": hop.anonymity,
                "source": hop.source.url if hop.source else None,
                "quote": hop.quote,
                "quote_language": hop.quote_language,
                "translation": hop.translation,
            }
            for hop in hops
        ],
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


def write_shape(representation: dict) -> dict:
    """A claim's read JSON turned into the write shape, e.g. as the base a PATCH merges onto."""

    def actor_id(actor: dict | None) -> int | None:
        return actor["id"] if actor else None

    return {
        "statement": representation["statement"],
        "kind": representation["kind"],
        "supplier": actor_id(representation["supplier"]),
        "recipient": actor_id(representation["recipient"]),
        "participants": [actor["id"] for actor in representation["participants"]],
        "place": representation["place"],
        "item_category": representation["item_category"] or "",
        "item_description": representation["item_description"],
        "stage": representation["stage"] or "",
        "stance": representation["stance"],
        "modality": representation["modality"],
        "negated": representation["negated"],
        "quantity": dict(representation["quantity"]),
        "event_date": dict(representation["event_date"]),
        "route": [dict(stop) for stop in representation["route"]],
        "hops": [
            {
                **{key: value for key, value in hop.items() if key not in ("speaker", "affiliation")},
                "speaker": actor_id(hop["speaker"]),
                "affiliation": actor_id(hop["affiliation"]),
            }
            for hop in representation["hops"]
        ],
    }
