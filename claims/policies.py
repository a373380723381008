"""What a user may do to an object, as booleans: services refuse, pages show buttons, the admin asks.

How a published claim changes: only by a reviewer's act. Editors draft, edit their own drafts, submit
them, and relate claims that are not public; anything that touches a published claim (an edit, a
relation to or from it, a cited source's address) needs a reviewer, since each gives the public claim
a new version and its readers a feed event. So nothing an editor does alone reaches the public.

An editor may still *suggest* an edit (or a revert) of a published claim: it is kept as a pending
revision, seen only by editorial roles, and becomes a version only when a reviewer approves it.
Reviewers edit published claims directly, as before.
"""

from django.db.models import Q

from claims import vocab
from claims.models import Actor, Claim, ClaimRelation, Source


def sees_unpublished(user) -> bool:
    """Drafts, claims in review and the history before publication exist only for editorial roles."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.view_draft"))


def may_read(user) -> bool:
    """The editor's pages are for signed-in users with a role, viewers included."""
    return user.has_perm("claims.view_claim")


def _reviews(user) -> bool:
    return user.has_perm("claims.edit_any_claim")


def _is_public(claim: Claim) -> bool:
    return claim.status in vocab.PUBLIC_STATUSES


def may_create_claim(user) -> bool:
    return user.has_perm("claims.add_claim")


def may_import_workflow(user) -> bool:
    """An import that sets status, assessments and relations is a reviewer's act (each step still asks
    its own policy); an editor's import creates and edits drafts only."""
    return may_create_claim(user) and _reviews(user)


def may_edit(user, claim: Claim) -> bool:
    """Editors edit their own drafts; reviewers edit any claim that is not retracted."""
    if claim.status == vocab.Status.RETRACTED or not user.has_perm("claims.change_claim"):
        return False
    if _reviews(user):
        return True
    return claim.status == vocab.Status.DRAFT and claim.created_by_id == user.pk


def may_propose_revision(user, claim: Claim) -> bool:
    """Editors who may not edit a published claim directly suggest an edit for a reviewer to decide."""
    return (
        claim.status == vocab.Status.PUBLISHED
        and sees_unpublished(user)
        and user.has_perm("claims.change_claim")
        and not may_edit(user, claim)
    )


def reviews_suggestions(user) -> bool:
    """Approving a suggested edit publishes it: those who may publish decide."""
    return sees_unpublished(user) and user.has_perm("claims.publish_claim") and _reviews(user)


def may_decide_revision(user, revision) -> bool:
    """A reviewer approves or rejects a suggestion while its claim is published."""
    return (
        revision.claim.status == vocab.Status.PUBLISHED
        and reviews_suggestions(user)
        and may_edit(user, revision.claim)
    )


def may_withdraw_revision(user, revision) -> bool:
    """A proposer takes back their own suggestion (while it waits: the service checks its state)."""
    return user.is_authenticated and revision.proposed_by_id == user.pk


def may_discard(user, claim: Claim) -> bool:
    """A claim never published can be deleted by its author or a reviewer; a published one is retracted."""
    if claim.status not in (vocab.Status.DRAFT, vocab.Status.IN_REVIEW) or claim.published_at is not None:
        return False
    if not user.has_perm("claims.change_claim"):
        return False
    return _reviews(user) or claim.created_by_id == user.pk


def may_comment(user, claim: Claim) -> bool:
    """Internal notes are editorial talk: read and written by editorial roles only, on any claim."""
    return sees_unpublished(user)


def may_assign(user, claim: Claim) -> bool:
    """Editors and reviewers hand claims to each other while the claim is still being worked on."""
    return (
        sees_unpublished(user)
        and user.has_perm("claims.change_claim")
        and claim.status != vocab.Status.RETRACTED
    )


def may_be_assigned(user) -> bool:
    return user.is_active and sees_unpublished(user)


def may_transition(user, claim: Claim, to: str) -> bool:
    """The workflow step's own permission, on one's own claim unless one reviews."""
    perm = vocab.TRANSITIONS.get((claim.status, to))
    if perm is None or not user.has_perm(perm):
        return False
    return _reviews(user) or claim.created_by_id == user.pk


def transitions_open_to(user, claim: Claim) -> list[str]:
    """The statuses this user may move this claim to, in the workflow's order."""
    return [
        to for (from_, to) in vocab.TRANSITIONS if from_ == claim.status and may_transition(user, claim, to)
    ]


def may_assess(user, claim: Claim) -> bool:
    return user.has_perm("claims.add_assessment") and claim.status != vocab.Status.RETRACTED


def may_relate(user, claim: Claim, other: Claim | None = None) -> bool:
    """A relation gives both claims a new version: on a public claim, only a reviewer adds it.

    Without `other`, whether the user may relate this claim to anything at all (to show the form).
    """
    ends = [claim] if other is None else [claim, other]
    if not user.has_perm("claims.add_claimrelation"):
        return False
    if any(end.status == vocab.Status.RETRACTED for end in ends):
        return False
    return _reviews(user) or not any(_is_public(end) for end in ends)


def may_unrelate(user, relation: ClaimRelation) -> bool:
    ends = (relation.from_claim, relation.to_claim)
    if not user.has_perm("claims.delete_claimrelation"):
        return False
    if any(claim.status == vocab.Status.RETRACTED for claim in ends):
        return False
    return _reviews(user) or not any(_is_public(claim) for claim in ends)


def may_create_actor(user) -> bool:
    return user.has_perm("claims.add_actor")


def may_change_actor(user, actor: Actor | None = None) -> bool:
    """An actor's name shows on every public claim that names it: only a reviewer changes such an actor."""
    if not user.has_perm("claims.change_actor"):
        return False
    if actor is None or actor.pk is None or _reviews(user):
        return True
    names = Q(supplier=actor) | Q(recipient=actor) | Q(participants=actor)
    names |= Q(hops__speaker=actor) | Q(hops__affiliation=actor)
    return not Claim.objects.filter(names, status__in=vocab.PUBLIC_STATUSES).exists()


def may_tend_source(user) -> bool:
    """Ask for a check now, or accept a capture as the new baseline: editorial upkeep, not content."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.change_source"))


def may_change_source(user, source: Source | None = None) -> bool:
    """A source that public claims cite is part of what readers see: only a reviewer repoints it."""
    if not user.has_perm("claims.change_source"):
        return False
    if source is None or source.pk is None or _reviews(user):
        return True
    return not Claim.objects.filter(hops__source=source, status__in=vocab.PUBLIC_STATUSES).exists()


def may_register_webhook(user) -> bool:
    """Webhooks push every public change to a third party: reviewers and administrators only."""
    return bool(user is not None and user.is_authenticated and _reviews(user))


def may_manage_webhook(user, webhook) -> bool:
    """A webhook's owner reads its log and deletes it; an administrator may too."""
    return may_register_webhook(user) and (webhook.owner_id == user.pk or user.is_superuser)
