"""What a user may see: claims, their versions, status changes, relations and sources. One rule, asked
by every page, endpoint, export and feed.

The rule: drafts and claims in review exist only for editorial roles (policies.sees_unpublished). For
everyone else, a claim's past begins at its publication, and a relation to a claim they may not see
is not there at all, note included.
"""

from django.db.models import Q, QuerySet

from claims import vocab
from claims.models import Claim, ClaimRelation, ClaimVersion, QuoteCheck, Source, StatusChange
from claims.policies import sees_unpublished
from claims.projection import current_representations


def claims_visible_to(user) -> QuerySet[Claim]:
    claims = Claim.objects.all()
    return claims if sees_unpublished(user) else claims.public()


def sources_visible_to(user) -> QuerySet[Source]:
    """A source cited only by unpublished claims would reveal what the newsroom is working on."""
    if sees_unpublished(user):
        return Source.objects.all()
    return Source.objects.filter(
        pk__in=Source.objects.filter(hops__claim__in=Claim.objects.public()).values("pk")
    )


def quote_checks_visible_to(user) -> QuerySet[QuoteCheck]:
    """A quote result names a hop, and an unpublished claim's hop carries its quote."""
    return QuoteCheck.objects.filter(hop__claim__in=claims_visible_to(user))


def versions_visible_to(user, claim: Claim) -> QuerySet[ClaimVersion]:
    """Readers see a claim's versions from its publication on, never the drafts before it."""
    versions = ClaimVersion.objects.filter(claim=claim)
    if sees_unpublished(user):
        return versions
    return versions.filter(snapshot__status__in=list(vocab.PUBLIC_STATUSES))


def status_changes_visible_to(user, claim: Claim) -> QuerySet[StatusChange]:
    """The reasons given while a claim was being prepared are editorial talk."""
    changes = StatusChange.objects.filter(claim=claim)
    if sees_unpublished(user):
        return changes
    return changes.filter(to_status__in=vocab.PUBLIC_STATUSES)


def relations_visible_to(user, claim: Claim) -> list[dict]:
    """The claim's relations as {id, relation, other, direction}, without those this user may not see.

    Expects the claim loaded with Claim.objects.with_details() (no queries of its own then).
    """
    relations = [
        {"id": r.pk, "relation": r, "other": r.to_claim, "direction": "out"}
        for r in claim.relations_out.all()
    ] + [
        {"id": r.pk, "relation": r, "other": r.from_claim, "direction": "in"}
        for r in claim.relations_in.all()
    ]
    if sees_unpublished(user):
        return relations
    return [r for r in relations if r["other"].status in vocab.PUBLIC_STATUSES]


def relation_visible_to(user, claim: Claim, relation_id: int) -> ClaimRelation | None:
    """One relation of this claim, if this user may see both of its ends."""
    visible = claims_visible_to(user)
    return (
        ClaimRelation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim), pk=relation_id)
        .filter(from_claim__in=visible, to_claim__in=visible)
        .select_related("from_claim", "to_claim")
        .first()
    )


def redact_documents(user, documents: list[dict]) -> list[dict]:
    """Drop, in place, relations to claims this user may not see from claim documents or snapshots
    (history, feed, diff): one query for the statuses they mention."""
    if sees_unpublished(user):
        return documents
    mentioned = {r["claim_id"] for document in documents for r in document.get("relations", ())}
    if not mentioned:
        return documents
    public = {
        str(uuid) for uuid in Claim.objects.public().filter(uuid__in=mentioned).values_list("uuid", flat=True)
    }
    for document in documents:
        if "relations" in document:
            document["relations"] = [r for r in document["relations"] if r["claim_id"] in public]
    return documents


def documents_visible_to(user, claims: list[Claim]) -> list[dict]:
    """The current document of each claim, as this user may see it, in a fixed number of queries."""
    return redact_documents(user, current_representations(claims))
