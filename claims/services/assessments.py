"""Assessments: append-only, the newest is the claim's current one."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from claims import changes, policies, projection, vocab
from claims.models import RATIONALE_MAX, Assessment, Claim
from claims.services.common import bump_version, require
from claims.services.relations import has_independent_corroboration
from claims.services.validation import Errors


@transaction.atomic
def add_assessment(
    *,
    claim_id: int,
    by: AbstractBaseUser,
    reliability: str,
    credibility: int,
    rationale: str,
    likelihood: str = "",
    confidence: str = "",
) -> Assessment:
    """Append an assessment; it becomes the claim's current one."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    require(
        policies.may_assess(by, claim), _("Only reviewers assess, and a retracted claim stays as it was.")
    )
    errors = Errors()
    errors.check_choice("reliability", reliability, vocab.Reliability)
    if credibility not in vocab.Credibility.values:
        errors.add("credibility", _("Credibility is a whole number from 1 to 6."))
    errors.check_choice("likelihood", likelihood, vocab.Likelihood, required=False)
    errors.check_choice("confidence", confidence, vocab.Confidence, required=False)
    if not rationale.strip():
        errors.add("rationale", _("Explain the assessment: a rationale is required."))
    errors.check_length("rationale", rationale, RATIONALE_MAX)
    if credibility == vocab.Credibility.CONFIRMED and not has_independent_corroboration(claim_id):
        errors.add(
            "credibility",
            _(
                "Credibility 1 (confirmed) needs a corroborating claim of independent origin, related as "
                "independent, whose lineage (origins, relays and documents) is disjoint from this claim's."
            ),
        )
    errors.raise_if_any()
    assessment = Assessment.objects.create(
        claim=claim,
        reliability=reliability,
        credibility=credibility,
        likelihood=likelihood,
        confidence=confidence,
        rationale=rationale.strip(),
        assessed_by=by,
    )
    claim = bump_version(claim_id, by=by)
    claim.current_assessment = assessment
    claim.save(update_fields=["current_assessment"])
    projection.record(claim, by=by, change=changes.assessed(assessment.code))
    return assessment
