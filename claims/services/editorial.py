"""Assignments and internal notes: editorial work that changes no claim version and reaches no reader."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import policies
from claims.models import COMMENT_MAX, Assignment, Claim, Comment
from claims.services.common import require
from claims.services.validation import Errors

# "@rita" and "@j.doe": a username after an @ that does not follow a word character (not an e-mail).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*[\w+-])")


def mentioned_users(body: str) -> list[AbstractBaseUser]:
    """The editorial users a note names with @username; other @words stay plain text."""
    names = set(MENTION.findall(body))
    users = get_user_model().objects.filter(username__in=names, is_active=True).order_by("username")
    return [user for user in users if policies.may_be_assigned(user)]


@transaction.atomic
def add_comment(*, claim_id: int, body: str, by: AbstractBaseUser) -> Comment:
    claim = Claim.objects.get(pk=claim_id)
    require(policies.may_comment(by, claim), _("Internal notes are for editors and reviewers."))
    errors = Errors()
    if not body.strip():
        errors.add("body", _("Write something: an empty note is not kept."))
    errors.check_length("body", body, COMMENT_MAX)
    errors.raise_if_any()
    comment = Comment.objects.create(claim=claim, author=by, body=body.strip())
    comment.mentions.set(mentioned_users(body))
    return comment


@transaction.atomic
def assign_claim(*, claim_id: int, assignee_id: int | None, by: AbstractBaseUser) -> Assignment | None:
    """Put one editor or reviewer on a claim, or nobody (assignee_id None)."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    require(
        policies.may_assign(by, claim), _("Only editors and reviewers assign claims that are not retracted.")
    )
    if assignee_id is None:
        Assignment.objects.filter(claim=claim).delete()
        return None
    assignee = get_user_model().objects.filter(pk=assignee_id).first()
    if assignee is None or not policies.may_be_assigned(assignee):
        errors = Errors()
        errors.add("assignee", _("Assign an active editor or reviewer."))
        errors.raise_if_any()
    assignment, _created = Assignment.objects.update_or_create(
        claim=claim, defaults={"assignee": assignee, "assigned_by": by, "assigned_at": timezone.now()}
    )
    return assignment
