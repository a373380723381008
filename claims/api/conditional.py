"""ETags computed from what a response will contain, so If-None-Match is answered before serializing."""

import hashlib

from django.db.models import DateTimeField, Max
from django.db.models.expressions import RawSQL
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

from claims.models import Actor, AttributionHop, Claim, Source

# Annotate the claims handed to stamp() with these. An actor edit anywhere moves every ETag: actors
# change rarely, and one indexed MAX is far cheaper than finding the actors each claim shows.
ACTOR_STAMPS = {
    "actors_stamp": RawSQL(  # noqa: S611 (a table name, no input)
        f"(SELECT updated_at FROM {Actor._meta.db_table} ORDER BY updated_at DESC LIMIT 1)",  # noqa: S608
        [],
        output_field=DateTimeField(),
    )
}
# What stamp() reads, as an annotation of claims (a query naming them by their table): a list's page
# and its stamps come in one query. SQL rather than Subqueries: Django resolving and compiling those
# cost more than the rest of the page's Python.
SOURCE_STAMPS = {
    "sources_stamp": RawSQL(  # noqa: S611 (table names, no input)
        f"(SELECT max(s.last_checked_at) FROM {AttributionHop._meta.db_table} h"  # noqa: S608
        f" JOIN {Source._meta.db_table} s ON s.id = h.source_id"
        f" WHERE h.claim_id = {Claim._meta.db_table}.id)",
        [],
        output_field=DateTimeField(),
    )
}


def stamp(claims: list) -> list:
    """Mark each claim with what moves its response without moving its version: one query a page.

    A claim's own edits, hops, route, assessment, relations and status all bump its version; what
    can change beside it is the health of its sources (stamped by last_checked_at) and the name or
    kind of an actor (stamped by updated_at, see ACTOR_STAMPS). Not stamped, so a 304 can lag until
    the claim's next version: an editor accepting a source's new baseline (liveness moves without a
    check), for readers without drafts, a related draft being published, and the lineage shown of
    a related claim whose hops or whose actors' parents changed (projection.refresh_documents).
    """
    checked = dict(
        AttributionHop.objects.filter(claim_id__in=[claim.pk for claim in claims], source__isnull=False)
        .values("claim_id")
        .annotate(latest=Max("source__last_checked_at"))
        .values_list("claim_id", "latest")
    )
    for claim in claims:
        claim.sources_stamp = checked.get(claim.pk)
    return claims


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _claim_part(claim) -> str:
    return f"{claim.uuid}:{claim.version}:{claim.sources_stamp}:{claim.actors_stamp}"


def claim_etag(claim, *, drafts_visible: bool) -> str:
    # The version leads so that the ETag can be sent back as If-Match (see parse_if_match). Readers
    # who see drafts get another body (relations to drafts), so another tag.
    return f'"{claim.version}-{_digest([_claim_part(claim), str(drafts_visible)])}"'


def list_etag(claims, *extra: str, drafts_visible: bool) -> str:
    return f'"{_digest([*map(_claim_part, claims), *map(str, extra), str(drafts_visible)])}"'


def not_modified(request, etag: str) -> Response | None:
    """A 304 when the client already holds this representation (weak comparison, RFC 9110)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    wanted = {tag.removeprefix("W/") for tag in parse_etags(header)}
    if "*" in wanted or etag in wanted:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return None
