"""Keeps draft claims out of what readers without claims.view_draft receive, down to relation ids."""

from claims import vocab
from claims.models import Claim, sees_drafts
from claims.projection import current_representations
from claims.representation import represent_claim

__all__ = ["represent_for", "represent_many", "sees_drafts", "strip_hidden_relations"]


def represent_for(claim: Claim, user, *, drafts_visible: bool) -> dict:
    """represent_claim, minus relations to claims this reader may not know exist."""
    representation = represent_claim(claim)
    if drafts_visible:
        return representation
    hidden = {
        str(relation.to_claim.uuid)
        for relation in claim.relations_out.all()
        if relation.to_claim.status not in vocab.PUBLIC_STATUSES
    } | {
        str(relation.from_claim.uuid)
        for relation in claim.relations_in.all()
        if relation.from_claim.status not in vocab.PUBLIC_STATUSES
    }
    if hidden:
        representation["relations"] = [r for r in representation["relations"] if r["claim_id"] not in hidden]
    return representation


def represent_many(claims: list[Claim], *, drafts_visible: bool) -> list[dict]:
    """The current representation of each claim, as this reader may see it, in a fixed number of queries."""
    documents = current_representations(claims)
    strip_hidden_relations(documents, drafts_visible=drafts_visible)
    return documents


def strip_hidden_relations(snapshots: list[dict], *, drafts_visible: bool) -> None:
    """Same rule for stored snapshots (history, feed): one query for the statuses they mention."""
    if drafts_visible:
        return
    mentioned = {r["claim_id"] for snapshot in snapshots for r in snapshot.get("relations", ())}
    if not mentioned:
        return
    public = {
        str(uuid) for uuid in Claim.objects.public().filter(uuid__in=mentioned).values_list("uuid", flat=True)
    }
    for snapshot in snapshots:
        if "relations" in snapshot:
            snapshot["relations"] = [r for r in snapshot["relations"] if r["claim_id"] in public]
