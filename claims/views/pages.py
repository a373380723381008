"""Read-only pages: dashboard, claim list, claim page and the difference between two versions."""

from collections import defaultdict
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from claims import charts, revisions, vocab
from claims.forms import AssessmentForm, ClaimFilterForm, RelationForm, TransitionForm
from claims.models import Actor, Claim, ClaimVersion, Source, sees_drafts
from claims.services import can_edit_claim
from claims.views.access import reader_required
from claims.wording import assessment_in_words, event_date_in_words, quantity_in_words

PAGE_SIZES = (25, 50, 100)
TIMELINE_LIMIT = 80
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


@reader_required
def dashboard(request):
    claims = Claim.objects.visible_to(request.user)
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("id")))
    status_counts = [(value, label, counts.get(value, 0)) for value, label in vocab.Status.choices]
    editorial = sees_drafts(request.user)
    sources = Source.objects.needing_attention().order_by("-last_checked_at", "-id")[:20] if editorial else []
    in_review = (
        claims.filter(status=vocab.Status.IN_REVIEW).select_related("updated_by").order_by("updated_at")[:20]
    )
    recent = (
        ClaimVersion.objects.filter(claim__in=claims)
        .select_related("claim", "changed_by")
        .defer("snapshot")
        .order_by("-changed_at", "-id")[:10]
    )
    pictured = claims.exclude(status=vocab.Status.RETRACTED)
    rows = list(
        pictured.order_by("-event_start", "-id").values(
            "uuid", "statement", "event_start", "event_end", "event_precision", "stage"
        )[:TIMELINE_LIMIT]
    )
    timeline = charts.timeline(
        [
            charts.TimelineItem(
                href=reverse("claims:detail", args=[row["uuid"]]),
                label=row["statement"],
                start=row["event_start"],
                end=row["event_end"],
                precision=row["event_precision"],
                stage=row["stage"],
                detail=event_date_in_words(row["event_start"], row["event_end"], row["event_precision"]),
            )
            for row in rows
        ]
    )
    pairs: dict[tuple, dict] = defaultdict(lambda: {"count": 0, "categories": set()})
    for row in (
        pictured.filter(kind=vocab.ClaimKind.TRANSFER, supplier__isnull=False, recipient__isnull=False)
        .order_by()
        .values("supplier_id", "supplier__name", "recipient_id", "recipient__name", "item_category")
        .annotate(n=Count("id"))
    ):
        key = (row["supplier_id"], row["supplier__name"], row["recipient_id"], row["recipient__name"])
        pairs[key]["count"] += row["n"]
        if row["item_category"]:
            pairs[key]["categories"].add(str(vocab.ItemCategory(row["item_category"]).label))
    graph = charts.graph(
        [
            charts.Flow(
                supplier_id=s_id,
                supplier=s_name,
                recipient_id=r_id,
                recipient=r_name,
                count=value["count"],
                categories=tuple(sorted(value["categories"])),
                href=reverse("claims:list") + "?" + urlencode({"supplier": s_id, "recipient": r_id}),
            )
            for (s_id, s_name, r_id, r_name), value in pairs.items()
        ]
    )
    stages = [(value, label) for value, label in vocab.Stage.choices]
    return render(
        request,
        "claims/dashboard.html",
        {
            "status_counts": status_counts,
            "sources": sources,
            "in_review": in_review,
            "recent": recent,
            "timeline": timeline,
            "timeline_truncated": len(rows) == TIMELINE_LIMIT,
            "graph": graph,
            "stages": stages,
            "editorial": editorial,
        },
    )


@reader_required
def claim_list(request):
    # (id, name) pairs, not instances: building 400 model instances a page showed in the profile.
    actors = list(Actor.objects.order_by("name").values_list("id", "name"))
    form = ClaimFilterForm(request.GET, actors=actors)
    claims = form.apply(
        Claim.objects.visible_to(request.user).select_related("supplier", "recipient", "current_assessment")
    )
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    page = Paginator(claims, per_page).get_page(request.GET.get("page"))
    for claim in page.object_list:
        claim.when = event_date_in_words(claim.event_start, claim.event_end, claim.event_precision)
    context = {"form": form, "page": page, "per_page": per_page, "page_sizes": PAGE_SIZES}
    # A search's numbered pages hold its ranked head only; past it the page says so.
    context["more_than"] = claims.count() if getattr(claims, "truncated", False) else None
    return render(request, "claims/list.html", context)


def available_transitions(user, claim: Claim) -> list[tuple[str, str]]:
    """(action name, target status) of each workflow button this user may press on this claim."""
    if not user.has_perm("claims.edit_any_claim") and claim.created_by_id != user.pk:
        return []
    return [
        TRANSITION_LABELS[(from_, to)]
        for (from_, to), perm in vocab.TRANSITIONS.items()
        if from_ == claim.status and user.has_perm(perm)
    ]


def load_claim(request, uuid) -> Claim:
    return get_object_or_404(
        Claim.objects.visible_to(request.user).with_details().select_related("created_by", "updated_by"),
        uuid=uuid,
    )


def detail_context(request, claim: Claim, **forms) -> dict:
    user = request.user
    hops = list(claim.hops.all())
    sources = list({hop.source.pk: hop.source for hop in hops if hop.source is not None}.values())
    public_only = not sees_drafts(user)
    relations = [
        {"id": r.pk, "kind": r, "other": r.to_claim, "direction": "out"} for r in claim.relations_out.all()
    ] + [{"id": r.pk, "kind": r, "other": r.from_claim, "direction": "in"} for r in claim.relations_in.all()]
    for relation in relations:
        relation["hidden"] = public_only and relation["other"].status not in vocab.PUBLIC_STATUSES
    assessments = list(claim.assessments.select_related("assessed_by"))
    for assessment in assessments:
        assessment.words = _words(assessment)
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
        "status_changes": list(claim.status_changes.select_related("changed_by")),
        "versions": list(claim.versions.select_related("changed_by").defer("snapshot").order_by("-version")),
        "can_edit": can_edit_claim(user, claim),
        "transitions": transitions,
        "can_remove_relation": user.has_perm("claims.delete_claimrelation")
        and claim.status != vocab.Status.RETRACTED,
    }
    if user.has_perm("claims.add_assessment") and claim.status != vocab.Status.RETRACTED:
        context["assessment_form"] = forms.get("assessment") or AssessmentForm()
    if user.has_perm("claims.add_claimrelation") and claim.status != vocab.Status.RETRACTED:
        context["relation_form"] = forms.get("relation") or RelationForm(claim=claim, user=user)
    return context


@reader_required
def claim_detail(request, uuid):
    claim = load_claim(request, uuid)
    return render(request, "claims/detail.html", detail_context(request, claim))


@reader_required
def claim_diff(request, uuid):
    claim = get_object_or_404(Claim.objects.visible_to(request.user), uuid=uuid)
    versions = list(claim.versions.select_related("changed_by").order_by("version"))
    if not versions:
        raise Http404
    by_number = {version.version: version for version in versions}
    try:
        new = int(request.GET.get("to", versions[-1].version))
        old = int(request.GET.get("from", max(new - 1, versions[0].version)))
    except ValueError as error:
        raise Http404 from error
    if old not in by_number or new not in by_number:
        raise Http404
    lines = revisions.diff(by_number[old].snapshot, by_number[new].snapshot)
    return render(
        request,
        "claims/diff.html",
        {
            "claim": claim,
            "versions": versions,
            "old": by_number[old],
            "new": by_number[new],
            "lines": lines,
            "changed": any(line.op != "same" for line in lines),
        },
    )
