"""Relations between claims: both ends move to a new version, since each shows the relation."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from claims import changes, policies, projection, vocab
from claims.models import SHORT_TEXT_MAX, Assessment, Claim, ClaimRelation
from claims.services.common import bump_version, require
from claims.services.validation import Errors


def has_independent_corroboration(claim_id: int, *, excluding_relation_id: int | None = None) -> bool:
    relations = ClaimRelation.objects.filter(
        Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id),
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.INDEPENDENT,
    )
    if excluding_relation_id is not None:
        relations = relations.exclude(pk=excluding_relation_id)
    return relations.exists()


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
    if ClaimRelation.objects.filter(pairs, kind=kind).exists():
        errors.add("kind", _("These claims are already related this way."))
    errors.raise_if_any()
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
