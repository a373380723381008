"""What the claim page shows to this user: shared by the page itself and the actions that re-render it."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from claims import lineage, policies, projection, review, selectors, sipri, vocab
from claims.forms import AssessmentForm, CommentForm, RelationForm, RevisionDecisionForm, TransitionForm
from claims.models import Claim
from claims.views.claim_review import as_script_data, claim_review
from claims.wording import assessment_in_words, event_date_in_words, quantity_in_words

# Labels of the workflow buttons, by transition.
TRANSITION_LABELS = {
    (vocab.Status.DRAFT, vocab.Status.IN_REVIEW): ("submit", vocab.Status.IN_REVIEW),
    (vocab.Status.IN_REVIEW, vocab.Status.DRAFT): ("send_back", vocab.Status.DRAFT),
    (vocab.Status.IN_REVIEW, vocab.Status.PUBLISHED): ("publish", vocab.Status.PUBLISHED),
    (vocab.Status.PUBLISHED, vocab.Status.RETRACTED): ("retract", vocab.Status.RETRACTED),
}


def _words(assessment) -> str:
    return assessment_in_words(
        reliability=assessment.reliability,
        credibility=assessment.credibility,
        likelihood=assessment.likelihood,
        confidence=assessment.confidence,
    )


def reliability_suggestions(user, claim: Claim, hops: list) -> list[dict]:
    """What the originator's track record suggests as the reliability letter (one query per named
    originator: hop 0 has one speaker), beside the editors' own default for that actor, if any. The
    picker itself stays blank: the reviewer decides."""
    originators = [hop.speaker for hop in hops if hop.position == 0 and hop.speaker is not None]
    return [
        {"actor": actor, "record": selectors.track_record_visible_to(user, actor, excluding=claim)}
        for actor in originators
    ]


def available_transitions(user, claim: Claim) -> list[tuple[str, str]]:
    """(action name, target status) of each workflow button this user may press on this claim."""
    return [TRANSITION_LABELS[(claim.status, to)] for to in policies.transitions_open_to(user, claim)]


def load_claim(request, uuid) -> Claim:
    return get_object_or_404(
        selectors.claims_visible_to(request.user).with_details().select_related("created_by", "updated_by"),
        uuid=uuid,
    )


def detail_context(request, claim: Claim, **forms) -> dict:
    user = request.user
    hops = list(claim.hops.all())
    sources = list({hop.source.pk: hop.source for hop in hops if hop.source is not None}.values())
    relations = selectors.relations_visible_to(user, claim)
    ends = [(rel, rel.to_claim) for rel in claim.relations_out.all()]
    ends += [(rel, rel.from_claim) for rel in claim.relations_in.all()]
    index = projection.lineage_index({claim.pk, *(other.pk for _rel, other in ends)})
    own = index.of(claim.pk)
    for relation in relations:
        relation["removable"] = policies.may_unrelate(user, relation["relation"])
        comparison = lineage.compare(own, index.of(relation["other"].pk))
        relation["verdict"] = comparison.verdict.value
        relation["shared"] = ", ".join(index.origin(key)["name"] for key in comparison.shared)
    # Over published corroborations, as the document counts them (claims.representation).
    origins = lineage.independent_origins(
        own,
        [
            lineage.Corroboration(index.of(other.pk), rel.independence == vocab.Independence.INDEPENDENT)
            for rel, other in ends
            if rel.kind == vocab.RelationKind.CORROBORATES and other.status in vocab.PUBLIC_STATUSES
        ],
    )
    assessments = list(claim.assessments.select_related("assessed_by"))
    for assessment in assessments:
        assessment.words = _words(assessment)
    status_changes = list(
        selectors.status_changes_visible_to(user, claim)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )
    versions = list(
        selectors.versions_visible_to(user, claim)
        .select_related("changed_by")
        .defer("snapshot")
        .order_by("-version")
    )
    selectors.name_staff(user, assessments, "assessed_by")
    selectors.name_staff(user, [*status_changes, *versions], "changed_by")
    transitions = [
        (name, target, forms.get(f"transition_{target}") or TransitionForm(initial={"to": target}))
        for name, target in available_transitions(user, claim)
    ]
    context = {
        "claim": claim,
        "hops": hops,
        "route": list(claim.route.all()),
        "sources": sources,
        "relations": relations,
        "independent_origins": origins[0],
        "shared_channel_origins": origins[1],
        "sees_conflicts": policies.sees_unpublished(user),
        "assessments": assessments,
        "current_words": _words(claim.current_assessment) if claim.current_assessment else "",
        "when": event_date_in_words(claim.event_start, claim.event_end, claim.event_precision),
        "quantity": quantity_in_words(
            claim.quantity_qualifier,
            claim.quantity_min,
            claim.quantity_max,
            claim.quantity_unit,
            claim.quantity_text,
        ),
        "deal": sipri.deal_facts(claim) if claim.kind == vocab.ClaimKind.TRANSFER else [],
        "status_changes": status_changes,
        "versions": versions,
        "can_edit": policies.may_edit(user, claim),
        "can_suggest": policies.may_propose_revision(user, claim),
        "can_discard": policies.may_discard(user, claim),
        "transitions": transitions,
        "claim_review": as_script_data(claim_review(request, claim)),
    }
    if any(target == vocab.Status.PUBLISHED for _name, target, _form in transitions):
        context["unverified_sources"] = selectors.sources_needing_confirmation(claim)
    if policies.sees_unpublished(user):
        context["pending_revisions"] = selectors.pending_revisions_visible_to(user, claim)
    if policies.may_comment(user, claim):
        context["comments"] = list(selectors.comments_visible_to(user, claim))
        context["comment_form"] = forms.get("comment") or CommentForm()
        context["assignee"] = selectors.assignee_of(user, claim)
        if policies.may_assign(user, claim):
            context["assignable"] = selectors.assignable_users()
    context["review_due"] = review.review_due(claim)
    if policies.may_assess(user, claim):
        context["assessment_form"] = forms.get("assessment") or AssessmentForm()
        context["suggestions"] = reliability_suggestions(user, claim, hops)
    if policies.may_relate(user, claim):
        context["relation_form"] = forms.get("relation") or RelationForm(claim=claim, user=user)
    return context


def load_revision(request, claim: Claim, revision_id: int):
    """A suggested edit of this claim, for editorial roles; a 404 for anyone else, as for a draft."""
    revision = selectors.revision_visible_to(request.user, claim, revision_id)
    if revision is None:
        raise Http404
    return revision


def revision_context(request, claim: Claim, revision, *, reject_form=None) -> dict:
    user = request.user
    return {
        "claim": claim,
        "revision": revision,
        "lines": selectors.revision_diff(revision),
        "stale": revision.is_pending and revision.base_version != claim.version,
        "can_decide": revision.is_pending and policies.may_decide_revision(user, revision),
        "can_withdraw": revision.is_pending and policies.may_withdraw_revision(user, revision),
        "approve_form": RevisionDecisionForm(prefix="approve"),
        "reject_form": reject_form or RevisionDecisionForm(prefix="reject"),
    }
