"""The workflow: draft → in review → published → retracted, and what each step tells feed readers."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from claims import changes, policies, projection, selectors, vocab
from claims.models import SHORT_TEXT_MAX, Claim, PendingRevision, StatusChange
from claims.services.common import bump_version, require
from claims.services.validation import Errors

REASON_MAX = SHORT_TEXT_MAX * 2


def _retraction_tombstone(claim: Claim, change: StatusChange) -> dict:
    """What feed readers get for a retraction: enough to withdraw the claim, with the reason."""
    return {
        "id": str(claim.uuid),
        "status": vocab.Status.RETRACTED,
        "version": claim.version,
        "reason": change.reason,
        "retracted_at": change.changed_at.isoformat(),
    }


@transaction.atomic
def transition_claim(
    *, claim_id: int, to: str, reason: str, by: AbstractBaseUser, confirm_unverified_sources: bool = False
) -> StatusChange:
    """Move a claim through draft → in review → published → retracted, recording who, when and why.

    Publishing on sources never captured, suspect or dead needs `confirm_unverified_sources`."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    current = claim.status
    if current == vocab.Status.RETRACTED:
        raise ValidationError({"to": [_("A retracted claim stays retracted.")]})
    if (current, to) not in vocab.TRANSITIONS:
        raise ValidationError(
            {"to": [_("A claim cannot go from %(from)s to %(to)s.") % {"from": current, "to": to}]}
        )
    require(
        policies.may_transition(by, claim, to),
        _("This workflow step is not yours to take: editors submit their own claims, reviewers publish."),
    )
    errors = Errors()
    if not reason.strip():
        errors.add("reason", _("Say why: a reason is required."))
    errors.check_length("reason", reason, REASON_MAX)
    if to == vocab.Status.PUBLISHED and claim.current_assessment_id is None:
        errors.add("to", _("Assess the claim before publishing it."))
    if to == vocab.Status.PUBLISHED and not confirm_unverified_sources:
        unverified = selectors.sources_needing_confirmation(claim)
        if unverified:
            errors.add(
                "confirm_unverified_sources",
                _(
                    "No intact copy of these sources was captured, or they are suspect or dead: "
                    "%(urls)s. Confirm that you publish anyway."
                )
                % {"urls": ", ".join(source.url for source in unverified)},
            )
    errors.raise_if_any()

    change = StatusChange.objects.create(
        claim=claim, from_status=current, to_status=to, reason=reason.strip(), changed_by=by
    )
    claim = bump_version(claim_id, by=by)
    claim.status = to
    if to == vocab.Status.PUBLISHED and claim.published_at is None:
        claim.published_at = change.changed_at
    claim._history_user = by
    claim.save()
    what = changes.transitioned(from_status=current, to_status=to, reason=change.reason)
    if to == vocab.Status.RETRACTED:
        # A retracted claim stays as it was: edits suggested for it can no longer be approved.
        PendingRevision.objects.filter(claim=claim, state=vocab.RevisionState.PENDING).update(
            state=vocab.RevisionState.SUPERSEDED, decided_by=by, decided_at=change.changed_at
        )
        projection.record(
            claim,
            by=by,
            change=what,
            event_type=vocab.FeedEventType.RETRACTED,
            event_payload=_retraction_tombstone(claim, change),
        )
    elif to == vocab.Status.PUBLISHED:
        projection.record(claim, by=by, change=what, event_type=vocab.FeedEventType.PUBLISHED)
    else:
        projection.record(claim, by=by, change=what)
    return change
