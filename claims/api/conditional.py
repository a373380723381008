"""ETags computed from what a response will contain, so If-None-Match is answered before serializing."""

import hashlib

from django.db.models import F, OuterRef, Q, Subquery
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

from claims.models import Actor, Source


def freshness() -> dict:
    """Annotations that move whenever a claim's response moves without its version changing.

    A claim's own edits, hops, route, assessment, relations and status all bump its version; what
    can change beside it is the health of its sources (stamped by last_checked_at) and the name or
    kind of an actor it shows (stamped by updated_at).
    """
    claim = OuterRef("pk")
    return {
        "sources_stamp": Subquery(
            Source.objects.filter(hops__claim=claim)
            .order_by(F("last_checked_at").desc(nulls_last=True))
            .values("last_checked_at")[:1]
        ),
        "actors_stamp": Subquery(
            Actor.objects.filter(
                Q(claims_as_supplier=claim)
                | Q(claims_as_recipient=claim)
                | Q(claims_as_participant=claim)
                | Q(hops_spoken__claim=claim)
                | Q(hops_affiliated__claim=claim)
            )
            .order_by("-updated_at")
            .values("updated_at")[:1]
        ),
    }


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _claim_part(claim) -> str:
    return f"{claim.uuid}:{claim.version}:{claim.sources_stamp}:{claim.actors_stamp}"


def claim_etag(claim) -> str:
    # The version leads so that the ETag can be sent back as If-Match (see parse_if_match).
    return f'"{claim.version}-{_digest([_claim_part(claim)])}"'


def list_etag(claims, *extra: str) -> str:
    return f'"{_digest([*map(_claim_part, claims), *map(str, extra)])}"'


def not_modified(request, etag: str) -> Response | None:
    """A 304 when the client already holds this representation (weak comparison, RFC 9110)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    wanted = {tag.removeprefix("W/") for tag in parse_etags(header)}
    if "*" in wanted or etag in wanted:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return None
