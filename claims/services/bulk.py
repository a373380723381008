"""Many draft claims at once (the importer), validated one by one and written in bulk (COPY on PostgreSQL)."""

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import changes, policies, projection, vocab
from claims.models import Actor, AttributionHop, Claim, RouteStop, Source, load, normalise_url
from claims.services.claims import apply_claim_fields, hop_values, stop_values
from claims.services.common import require
from claims.services.validation import ClaimData, actor_ids, validate_claim_data

# What documents and search text read of actors and sources: a source's captured text stays behind.
REPRESENTED_ACTOR = ("name", "kind", "country", "aliases")
REPRESENTED_SOURCE = ("url", "liveness", "last_checked_at")


@transaction.atomic
def create_claims(
    *, rows: list[ClaimData], by: AbstractBaseUser, uuids: list[UUID | None] | None = None
) -> tuple[list[Claim], dict[int, ValidationError]]:
    """Create many draft claims at once (the importer): every row is validated as create_claim does,
    the valid ones are written in bulk with their history and first version; refusals by row index.

    New sources are left due now, so the dispatcher captures them within a minute instead of one
    high-priority task each. `uuids` keeps the ids of claims exported elsewhere (None: a new id).
    """
    require(policies.may_create_claim(by), _("Only editors create claims."))
    actors = Actor.objects.only(*REPRESENTED_ACTOR).in_bulk(set().union(*(actor_ids(data) for data in rows)))
    valid, refused = [], {}
    for index, data in enumerate(rows):
        try:
            valid.append((data, validate_claim_data(data, known_actors=actors), index))
        except ValidationError as error:
            refused[index] = error
    now = timezone.now()
    normalised = {
        hop.source_url: normalise_url(hop.source_url)
        for data, _range, _index in valid
        for hop in data.hops
        if hop.source_url
    }
    urls = set(normalised.values())
    sources = {source.url: source for source in Source.objects.only(*REPRESENTED_SOURCE).filter(url__in=urls)}
    new_sources = [
        Source(url=url, next_check_at=now, created_at=now) for url in sorted(urls - sources.keys())
    ]
    sources |= {source.url: source for source in load(Source, new_sources, history_by=by, at=now)}
    claims = []
    for data, event_range, index in valid:
        claim = Claim(created_by=by, updated_by=by, status=vocab.Status.DRAFT, created_at=now, updated_at=now)
        if uuids is not None and uuids[index] is not None:
            claim.uuid = uuids[index]
        apply_claim_fields(claim, data, event_range)
        claim.supplier, claim.recipient = actors.get(claim.supplier_id), actors.get(claim.recipient_id)
        # Known before the rows exist, so it goes in with the INSERT rather than an UPDATE per claim.
        claim.search_document = projection.search_text(
            claim, data.hops, (actors.get(i) for i in actor_ids(data))
        )
        claims.append(claim)
    load(Claim, claims, history_by=by, at=now)
    written = []
    for claim, (data, _range, _index) in zip(claims, valid, strict=True):
        hops = [
            AttributionHop(
                claim=claim,
                **hop_values(hop, sources[normalised[hop.source_url]] if hop.source_url else None),
            )
            for hop in data.hops
        ]
        for hop in hops:
            hop.speaker, hop.affiliation = actors.get(hop.speaker_id), actors.get(hop.affiliation_id)
        route = [RouteStop(claim=claim, **stop_values(stop)) for stop in data.route]
        written.append((claim, hops, route, [actors[actor_id] for actor_id in data.participant_ids]))
    load(
        AttributionHop,
        [hop for _claim, hops, _route, _actors in written for hop in hops],
        history_by=by,
        at=now,
    )
    load(
        RouteStop,
        [stop for _claim, _hops, route, _actors in written for stop in route],
        history_by=by,
        at=now,
    )
    load(
        Claim.participants.through,
        [
            Claim.participants.through(claim=claim, actor=actor)
            for claim, _hops, _route, participants in written
            for actor in participants
        ],
    )
    projection.record_new(written, by=by, change=changes.imported())
    return claims, refused
