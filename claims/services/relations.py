"""Relations between claims: both ends move to a new version, since each shows the relation."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from claims import changes, lineage, policies, projection, vocab
from claims.models import SHORT_TEXT_MAX, Actor, Assessment, Claim, ClaimRelation
from claims.representation import LineageIndex
from claims.services.common import bump_version, require
from claims.services.validation import Errors


def has_independent_corroboration(claim_id: int, *, excluding_relation_id: int | None = None) -> bool:
    """A corroborating claim related as independent whose whole lineage (origins, relays, documents)
    is disjoint from this claim's: what credibility 1 ("confirmed by other sources") rests on."""
    relations = ClaimRelation.objects.filter(
        Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id),
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.INDEPENDENT,
    )
    if excluding_relation_id is not None:
        relations = relations.exclude(pk=excluding_relation_id)
    others = {a if b == claim_id else b for a, b in relations.values_list("from_claim_id", "to_claim_id")}
    if not others:
        return False
    index = projection.lineage_index({claim_id, *others})
    own = index.of(claim_id)
    return any(
        lineage.compare(own, index.of(other)).verdict == lineage.Verdict.INDEPENDENT for other in others
    )


def shared_origins_in_words(comparison: lineage.Comparison, index: LineageIndex) -> str:
    return ", ".join(index.origin(key)["name"] for key in comparison.shared)


def _refuse_shared_origin(errors: Errors, from_claim_id: int, to_claim_id: int) -> None:
    index = projection.lineage_index({from_claim_id, to_claim_id})
    comparison = lineage.compare(index.of(from_claim_id), index.of(to_claim_id))
    if comparison.verdict == lineage.Verdict.SHARED_ORIGIN:
        errors.add(
            "independence",
            _("These claims share an origin (%(origins)s), so they are not independent.")
            % {"origins": shared_origins_in_words(comparison, index)},
        )


def _check_exchange(one: Claim, other: Claim, errors: Errors) -> None:
    """An exchange is two transfers going opposite ways: what one side gives, the other receives."""
    if one.kind != vocab.ClaimKind.TRANSFER or other.kind != vocab.ClaimKind.TRANSFER:
        errors.add("kind", _("An exchange relates two transfer claims."))
    elif (one.supplier_id, one.recipient_id) != (other.recipient_id, other.supplier_id):
        errors.add(
            "kind",
            _("In an exchange each claim's supplier is the other's recipient."),
        )


@transaction.atomic
def add_relation(
    *,
    from_claim_id: int,
    to_claim_id: int,
    kind: str,
    independence: str,
    by: AbstractBaseUser,
    note: str = "",
) -> ClaimRelation:
    """Relate two claims; both move to a new version since each shows the relation."""
    errors = Errors()
    if from_claim_id == to_claim_id:
        errors.add("to_claim", _("A claim cannot be related to itself."))
    errors.check_choice("kind", kind, vocab.RelationKind)
    errors.check_choice("independence", independence, vocab.Independence)
    errors.check_length("note", note, SHORT_TEXT_MAX)
    claims = Claim.objects.in_bulk([from_claim_id, to_claim_id])
    for path, claim_id in (("from_claim", from_claim_id), ("to_claim", to_claim_id)):
        if claim_id not in claims:
            errors.add(path, _("Unknown claim %(id)s.") % {"id": claim_id})
    if from_claim_id in claims and to_claim_id in claims:
        require(
            policies.may_relate(by, claims[from_claim_id], claims[to_claim_id]),
            _("Relating needs the editor role, no retracted claim, and a reviewer for a published claim."),
        )
    if from_claim_id in claims and to_claim_id in claims and kind == vocab.RelationKind.EXCHANGE:
        _check_exchange(claims[from_claim_id], claims[to_claim_id], errors)
    pairs = Q(from_claim_id=from_claim_id, to_claim_id=to_claim_id)
    if kind in vocab.SYMMETRIC_RELATIONS:  # one relation per pair says it of both claims
        pairs |= Q(from_claim_id=to_claim_id, to_claim_id=from_claim_id)
    existing = ClaimRelation.objects.filter(pairs, kind=kind).first()
    if existing is not None and not existing.lineage_conflict:
        errors.add("kind", _("These claims are already related this way."))
    if independence == vocab.Independence.INDEPENDENT and from_claim_id in claims and to_claim_id in claims:
        _refuse_shared_origin(errors, from_claim_id, to_claim_id)
    errors.raise_if_any()
    if existing is not None:  # re-relating a flagged relation settles it: the reviewer's new word stands
        existing.independence, existing.lineage_conflict = independence, ""
        existing.note = note.strip() or existing.note
        existing.save(update_fields=["independence", "lineage_conflict", "note"])
        for claim_id in sorted({from_claim_id, to_claim_id}):
            projection.record(bump_version(claim_id, by=by), by=by, change=changes.related(kind))
        return existing
    try:
        with transaction.atomic():  # another writer may have added the same relation since the check
            relation = ClaimRelation.objects.create(
                from_claim_id=from_claim_id,
                to_claim_id=to_claim_id,
                kind=kind,
                independence=independence,
                note=note.strip(),
                created_by=by,
            )
    except IntegrityError as error:
        raise ValidationError({"kind": [_("These claims are already related this way.")]}) from error
    for claim_id in sorted({from_claim_id, to_claim_id}):  # a fixed lock order avoids deadlocks
        projection.record(bump_version(claim_id, by=by), by=by, change=changes.related(kind))
    return relation


@transaction.atomic
def remove_relation(*, relation_id: int, by: AbstractBaseUser) -> None:
    """Remove a relation unless a claim's 'confirmed' credibility rests on it."""
    relation = ClaimRelation.objects.get(pk=relation_id)
    # Locked before the check, in id order, as add_assessment locks its claim: a "confirmed" assessment
    # cannot slip in between the check and the removal.
    locked = Claim.objects.select_for_update().in_bulk(sorted({relation.from_claim_id, relation.to_claim_id}))
    relation.from_claim, relation.to_claim = locked[relation.from_claim_id], locked[relation.to_claim_id]
    require(
        policies.may_unrelate(by, relation),
        _("Only a reviewer unrelates a published claim; a retracted claim keeps its relations."),
    )
    errors = Errors()
    for claim in (locked[relation.from_claim_id], locked[relation.to_claim_id]):
        confirmed = Assessment.objects.filter(
            pk=claim.current_assessment_id, credibility=vocab.Credibility.CONFIRMED
        ).exists()
        if confirmed and not has_independent_corroboration(claim.pk, excluding_relation_id=relation_id):
            errors.add(
                "relation",
                _("Claim %(id)s is confirmed on the strength of this relation; reassess it first.")
                % {"id": claim.uuid},
            )
    errors.raise_if_any()
    relation.delete()
    for claim_id in sorted({relation.from_claim_id, relation.to_claim_id}):
        projection.record(bump_version(claim_id, by=by), by=by, change=changes.unrelated(relation.kind))


def flag_lineage_conflicts(claim_ids: set[int]) -> set[int]:
    """Re-evaluate every relation of these claims declared independent, after their hops or an
    actor's parent changed: one whose claims now share an origin is flagged for a reviewer (never
    changed), a flag whose cause is gone is cleared. Returns the ids of the claims at the other ends,
    whose documents show these lineages too."""
    relations = list(
        ClaimRelation.objects.filter(Q(from_claim_id__in=claim_ids) | Q(to_claim_id__in=claim_ids)).order_by(
            "pk"
        )
    )
    ends = {claim_id for rel in relations for claim_id in (rel.from_claim_id, rel.to_claim_id)}
    index = projection.lineage_index(ends | claim_ids)
    changed = []
    for relation in relations:
        conflict = ""
        if relation.independence == vocab.Independence.INDEPENDENT:
            comparison = lineage.compare(index.of(relation.from_claim_id), index.of(relation.to_claim_id))
            if comparison.verdict == lineage.Verdict.SHARED_ORIGIN:
                conflict = shared_origins_in_words(comparison, index)[:SHORT_TEXT_MAX]
        if conflict != relation.lineage_conflict:
            relation.lineage_conflict = conflict
            changed.append(relation)
    ClaimRelation.objects.bulk_update(changed, ["lineage_conflict"])
    return ends - claim_ids


def claims_citing_actor(actor_id: int) -> set[int]:
    """Claims whose hops name this actor or one of its descendants (whose lineage it is part of)."""
    family, generation = {actor_id}, {actor_id}
    while generation:
        generation = set(Actor.objects.filter(parent_id__in=generation).values_list("pk", flat=True)) - family
        family |= generation
    return set(
        Claim.objects.filter(Q(hops__speaker_id__in=family) | Q(hops__affiliation_id__in=family))
        .values_list("pk", flat=True)
        .distinct()
    )


@transaction.atomic
def reevaluate_actor_lineage(*, actor_id: int) -> None:
    """After an actor's parent changed: flag the relations it unsettled and refresh the documents."""
    affected = claims_citing_actor(actor_id)
    if affected:
        neighbours = flag_lineage_conflicts(affected)
        projection.refresh_documents(affected | neighbours)
