"""Suggested edits to published claims: an editor proposes, a reviewer approves or rejects.

A proposal changes nothing on the claim and leaves no version, document or feed event; approval is
an ordinary edit (save_version), so it leaves exactly what any edit of a published claim leaves.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import changes, policies, schema, vocab
from claims.models import Claim, PendingRevision
from claims.services.claims import StaleVersion, reverted_data, save_version
from claims.services.common import require
from claims.services.validation import ClaimData, Errors, validate_claim_data
from claims.services.workflow import REASON_MAX


def _actor_ref(actor_id: int | None) -> dict | None:
    return {"id": actor_id} if actor_id else None


def write_body(data: ClaimData) -> dict:
    """ClaimData as the write shape (actors by id, a hop's source by URL), as the API accepts it."""
    return schema.write_shape(schema.input_document(data, _actor_ref))


def _claim_to_propose_on(claim_id: int, base_version: int, by: AbstractBaseUser) -> Claim:
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    require(
        policies.may_propose_revision(by, claim),
        _("Only editors suggest edits, and only to a published claim."),
    )
    if claim.version != base_version:  # the suggestion would undo what was saved after it began
        raise StaleVersion(claim.pk, base_version, claim.version)
    return claim


@transaction.atomic
def propose_revision(
    *,
    claim: Claim,
    data: ClaimData,
    by: AbstractBaseUser,
    base_version: int,
    reverts_to: int | None = None,
    note: str = "",
) -> PendingRevision:
    """Keep an edit of a published claim for a reviewer; the claim itself does not change.

    Validated exactly as update_claim validates; a proposer's earlier pending suggestion for the same
    claim is superseded by this one."""
    claim = _claim_to_propose_on(claim.pk, base_version, by)
    errors = Errors()
    errors.check_length("note", note, REASON_MAX)
    errors.raise_if_any()
    validate_claim_data(data)
    now = timezone.now()
    PendingRevision.objects.filter(claim=claim, proposed_by=by, state=vocab.RevisionState.PENDING).update(
        state=vocab.RevisionState.SUPERSEDED, decided_by=by, decided_at=now
    )
    return PendingRevision.objects.create(
        claim=claim,
        body=write_body(data),
        base_version=base_version,
        reverts_to=reverts_to,
        note=note.strip(),
        proposed_by=by,
        proposed_at=now,
    )


@transaction.atomic
def propose_revert(
    *, claim: Claim, to_version: int, reason: str, by: AbstractBaseUser, base_version: int
) -> PendingRevision:
    """An editor's revert of a published claim: the earlier version's content, as a suggestion."""
    claim = _claim_to_propose_on(claim.pk, base_version, by)
    data = reverted_data(claim, to_version=to_version, reason=reason)
    return propose_revision(
        claim=claim, data=data, by=by, base_version=base_version, reverts_to=to_version, note=reason
    )


def _locked_revision(revision: PendingRevision) -> PendingRevision:
    # The claim first, then the suggestion: the order every edit of the claim takes its locks in.
    Claim.objects.select_for_update().filter(pk=revision.claim_id).first()
    return PendingRevision.objects.select_for_update().select_related("claim").get(pk=revision.pk)


def _refuse_if_decided(revision: PendingRevision) -> None:
    if not revision.is_pending:
        raise ValidationError(
            {"state": [_("This suggestion was already %(state)s.") % {"state": revision.get_state_display()}]}
        )


@transaction.atomic
def approve_revision(*, revision: PendingRevision, by: AbstractBaseUser, reason: str = "") -> Claim:
    """Apply the suggestion as a new version of the claim (document, history, one feed event).

    Refused, changing nothing, when the claim has moved on since the suggestion's base version."""
    revision = _locked_revision(revision)
    _refuse_if_decided(revision)
    require(
        policies.may_decide_revision(by, revision),
        _("Only reviewers decide on suggested edits, and only while the claim is published."),
    )
    errors = Errors()
    errors.check_length("reason", reason, REASON_MAX)
    errors.raise_if_any()
    try:
        data = schema.read_write_shape(revision.body)
    except schema.ShapeError as error:  # stored before a change of the write shape
        raise ValidationError(error.messages) from error
    if revision.reverts_to is not None:
        change = changes.reverted(to_version=revision.reverts_to, reason=revision.note)
    else:
        change = changes.edited()
    claim = save_version(revision.claim_id, revision.base_version, data, by, change)
    revision.state = vocab.RevisionState.APPROVED
    revision.decided_by = by
    revision.decided_at = timezone.now()
    revision.reason = reason.strip()
    revision.approved_version = claim.version
    revision.save()
    return claim


@transaction.atomic
def reject_revision(*, revision: PendingRevision, by: AbstractBaseUser, reason: str) -> PendingRevision:
    """Turn a suggestion down, saying why; the claim does not change."""
    revision = _locked_revision(revision)
    _refuse_if_decided(revision)
    require(
        policies.may_decide_revision(by, revision),
        _("Only reviewers decide on suggested edits, and only while the claim is published."),
    )
    errors = Errors()
    if not reason.strip():
        errors.add("reason", _("Say why: a reason is required."))
    errors.check_length("reason", reason, REASON_MAX)
    errors.raise_if_any()
    revision.state = vocab.RevisionState.REJECTED
    revision.decided_by = by
    revision.decided_at = timezone.now()
    revision.reason = reason.strip()
    revision.save()
    return revision


@transaction.atomic
def withdraw_revision(*, revision: PendingRevision, by: AbstractBaseUser) -> PendingRevision:
    """The proposer takes their suggestion back while it waits."""
    revision = _locked_revision(revision)
    _refuse_if_decided(revision)
    require(policies.may_withdraw_revision(by, revision), _("Only its author withdraws a suggestion."))
    revision.state = vocab.RevisionState.WITHDRAWN
    revision.decided_by = by
    revision.decided_at = timezone.now()
    revision.save()
    return revision
