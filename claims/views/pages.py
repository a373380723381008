"""Read-only pages: dashboard, claim list, claim page and the difference between two versions."""

from collections import defaultdict
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import template_localtime

from claims import charts, policies, revisions, selectors, track_record, vocab
from claims.filtering import ClaimFilter, canonical_query
from claims.forms import ClaimSortForm, SaveSearchForm, actor_filter_pickers, quick_pickers
from claims.models import AttributionHop, Claim, ClaimRelation, Source
from claims.views.access import reader_required
from claims.views.claim_page import detail_context, load_claim, load_revision, revision_context
from claims.wording import event_date_in_words, formatted_date

PAGE_SIZES = (25, 50, 100)
LIST_PAGE_PARAMS = ("page", "per_page", "sort")
# What a row shows; the rest of a claim (its search text, deal, place) stays in the database.
ROW_FIELDS = (
    "uuid",
    "statement",
    "kind",
    "supplier__name",
    "recipient__name",
    "designation",
    "stage",
    "event_start",
    "event_end",
    "event_precision",
    "current_assessment__reliability",
    "current_assessment__credibility",
    "status",
    "updated_at",
)
# Who said it: the first hop of the chain, its speaker's name or else its words, read with the row.
_FIRST_HOP = AttributionHop.objects.filter(claim=OuterRef("pk"), position=0).order_by()
ORIGINATOR = {
    "first_speaker": Subquery(_FIRST_HOP.values("speaker__name")[:1]),
    "first_descriptor": Subquery(_FIRST_HOP.values("descriptor")[:1]),
}
TIMELINE_LIMIT = 80
REVIEW_DUE_SHOWN = 10


@reader_required
def dashboard(request):
    claims = selectors.claims_visible_to(request.user)
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("id")))
    status_counts = [(value, label, counts.get(value, 0)) for value, label in vocab.Status.choices]
    editorial = policies.sees_unpublished(request.user)
    sources = Source.objects.needing_attention().order_by("-last_checked_at", "-id")[:20] if editorial else []
    lineage_conflicts = (
        ClaimRelation.objects.exclude(lineage_conflict="")
        .select_related("from_claim", "to_claim")
        .order_by("-id")[:20]
        if editorial
        else []
    )
    in_review = (
        claims.filter(status=vocab.Status.IN_REVIEW).select_related("updated_by").order_by("updated_at")[:20]
    )
    review_due = list(
        selectors.review_due_visible_to(request.user).only("uuid", "statement")[:REVIEW_DUE_SHOWN]
    )
    recent = list(
        selectors.versions_visible_to(request.user)
        .select_related("claim", "changed_by")
        .defer("snapshot")
        .order_by("-changed_at", "-id")[:10]
    )
    selectors.name_staff(request.user, recent, "changed_by")
    # The pictures show what any reader may see; unpublished claims are only counted, above.
    pictured = selectors.public_claims().exclude(status=vocab.Status.RETRACTED)
    unpictured = counts.get(vocab.Status.DRAFT, 0) + counts.get(vocab.Status.IN_REVIEW, 0)
    rows = list(
        pictured.order_by("-event_start", "-id").values(
            "uuid", "statement", "event_start", "event_end", "event_precision", "stage", "negated"
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
                negated=row["negated"],
            )
            for row in rows
        ]
    )
    pairs: dict[tuple, dict] = defaultdict(lambda: {"count": 0, "categories": set()})
    for row in (
        pictured.filter(
            kind=vocab.ClaimKind.TRANSFER, negated=False, supplier__isnull=False, recipient__isnull=False
        )
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
            "lineage_conflicts": lineage_conflicts,
            "in_review": in_review,
            "review_due": review_due,
            "review_due_more": len(review_due) == REVIEW_DUE_SHOWN,
            "recent": recent,
            "queue": {name: list(claims[:10]) for name, claims in selectors.queue_of(request.user).items()},
            "reviews_suggestions": policies.reviews_suggestions(request.user),
            "suggestions": list(selectors.revisions_to_decide(request.user)[:10]),
            "timeline": timeline,
            "timeline_truncated": len(rows) == TIMELINE_LIMIT,
            "unpictured": unpictured,
            "graph": graph,
            "stages": stages,
            "editorial": editorial,
        },
    )


def _filter_params(query: QueryDict) -> QueryDict:
    """The claim filters of the list page's URL, without its own paging and sorting."""
    params = query.copy()
    for key in LIST_PAGE_PARAMS:
        params.pop(key, None)
    return params


_ANY_UUID = UUID(int=0)


def _rows(claims) -> list[dict]:
    """What each row shows, as plain values (a template reads a dict faster than a model's attributes)
    in the reader's language, each vocabulary translated once a page: a model's get_FOO_display
    translates every choice of its field on each call."""
    # Every row's link is the same URL but for its uuid: reversed once a page, not once a row.
    detail = reverse("claims:detail", args=[_ANY_UUID])
    kinds, stages, statuses, reliabilities, credibilities = (
        vocab.labels(vocabulary)
        for vocabulary in (vocab.ClaimKind, vocab.Stage, vocab.Status, vocab.Reliability, vocab.Credibility)
    )
    rows = []
    for claim in claims:
        assessment = claim.current_assessment
        rows.append(
            {
                "href": detail.replace(str(_ANY_UUID), str(claim.uuid)),
                "statement": claim.statement,
                "speaker": claim.first_speaker,
                "descriptor": claim.first_descriptor if claim.first_speaker is None else None,
                "supplier": claim.supplier.name if claim.supplier else None,
                "recipient": claim.recipient.name if claim.recipient else None,
                "kind": kinds.get(claim.kind, claim.kind),
                "designation": claim.designation,
                "stage": stages.get(claim.stage, claim.stage),
                "when": event_date_in_words(claim.event_start, claim.event_end, claim.event_precision),
                "code": assessment.code if assessment else None,
                "assessment": (
                    f"{reliabilities.get(assessment.reliability, assessment.reliability)}, "
                    f"{credibilities.get(assessment.credibility, assessment.credibility)}"
                )
                if assessment
                else None,
                "status": claim.status,
                "status_label": statuses.get(claim.status, claim.status),
                "updated": formatted_date(template_localtime(claim.updated_at).date(), "j M Y"),
            }
        )
    return rows


# The filter panel with no filter in use or wrong, by language: the same HTML for every reader, and
# its dozen fields through templates would cost more than the rest of the page.
_UNUSED_PANEL: dict[str, str] = {}


def _filter_panel(form, *, filters_in_use: int, dates_open: bool) -> str:
    context = {"form": form, "filters_in_use": filters_in_use, "dates_open": dates_open}
    if filters_in_use or form.errors or settings.DEBUG:  # DEBUG: template edits show at once
        return render_to_string("claims/_filters.html", context)
    language = translation.get_language()
    if language not in _UNUSED_PANEL:
        _UNUSED_PANEL[language] = render_to_string("claims/_filters.html", context)
    return _UNUSED_PANEL[language]


@reader_required
def claim_list(request):
    # The API's filter, names and meanings included; page, per_page and sort are the page's own, and
    # any other key in the URL is ignored (a browser only sends what the form has).
    filters = ClaimFilter(
        request.GET,
        queryset=selectors.claims_visible_to(request.user)
        .select_related("supplier", "recipient", "current_assessment")
        .only(*ROW_FIELDS)
        .annotate(**ORIGINATOR),
        request=request,
    )
    actor_filter_pickers(filters.form, request.user)
    quick_pickers(filters.form)
    editorial = policies.sees_unpublished(request.user)
    sort = ClaimSortForm(request.GET)
    quick_pickers(sort)
    query = request.GET.get("q", "").strip()
    valid = filters.is_valid() and sort.is_valid()
    claims = sort.order(filters.qs, query) if valid else Claim.objects.none()
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    page = Paginator(claims, per_page).get_page(request.GET.get("page"))
    dates = [field for field in filters.form if field.widget_type in ("date", "datetime")]
    filters_in_use = sum(1 for name in ClaimFilter.base_filters if name != "q" and request.GET.get(name))
    try:
        current_query = canonical_query(_filter_params(request.GET), form=filters.form) if valid else None
    except ValidationError:
        current_query = None
    save_search_form = SaveSearchForm(initial={"query": current_query})
    quick_pickers(save_search_form)
    return render(
        request,
        "claims/list.html",
        {
            "form": filters.form,
            "editorial": editorial,
            "current_query": current_query,
            "filter_panel": _filter_panel(
                filters.form,
                filters_in_use=filters_in_use,
                dates_open=any(field.value() or field.errors for field in dates),
            ),
            "saved_searches": selectors.saved_searches_of(request.user),
            "save_search_form": save_search_form,
            "sort_form": sort,
            "page": page,
            "rows": _rows(page.object_list),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            # A search's numbered pages hold its ranked head only; past it the page says so.
            "more_than": claims.count() if getattr(claims, "truncated", False) else None,
        },
    )


@reader_required
def claim_detail(request, uuid):
    claim = load_claim(request, uuid)
    return render(request, "claims/detail.html", detail_context(request, claim))


ACTOR_CLAIMS_SHOWN = 50


@reader_required
def actor_detail(request, actor_id):
    """An actor's track record, and the claims in which it speaks that this reader may see."""
    actor = get_object_or_404(selectors.actors_visible_to(request.user).select_related("parent"), pk=actor_id)
    claims = list(
        selectors.claims_visible_to(request.user)
        .filter(Exists(AttributionHop.objects.filter(claim=OuterRef("pk"), speaker=actor)))
        .select_related("current_assessment")
        .order_by("-updated_at", "-id")[: ACTOR_CLAIMS_SHOWN + 1]
    )
    return render(
        request,
        "claims/actor_detail.html",
        {
            "actor": actor,
            "record": selectors.track_record_visible_to(request.user, actor),
            "claims": claims[:ACTOR_CLAIMS_SHOWN],
            "more_claims": len(claims) > ACTOR_CLAIMS_SHOWN,
            "min_resolved": track_record.MIN_RESOLVED,
        },
    )


@reader_required
def claim_diff(request, uuid):
    claim = get_object_or_404(selectors.claims_visible_to(request.user), uuid=uuid)
    versions = list(
        selectors.versions_visible_to(request.user, claim).select_related("changed_by").order_by("version")
    )
    if not versions:
        raise Http404
    selectors.name_staff(request.user, versions, "changed_by")
    by_number = {version.version: version for version in versions}
    try:
        new = int(request.GET.get("to", versions[-1].version))
        old = int(request.GET.get("from", max(new - 1, versions[0].version)))
    except ValueError as error:
        raise Http404 from error
    if old not in by_number or new not in by_number:
        raise Http404
    old_snapshot, new_snapshot = selectors.redact_documents(
        request.user, [by_number[old].snapshot, by_number[new].snapshot]
    )
    related = {
        r["claim_id"] for snapshot in (old_snapshot, new_snapshot) for r in snapshot.get("relations") or []
    }
    lines = revisions.diff(
        old_snapshot, new_snapshot, selectors.claim_titles_visible_to(request.user, related)
    )
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
            "can_restore": old != claim.version
            and (
                policies.may_edit(request.user, claim) or policies.may_propose_revision(request.user, claim)
            ),
            "restore_is_suggestion": policies.may_propose_revision(request.user, claim),
        },
    )


@reader_required
def claim_revision(request, uuid, revision_id):
    """A suggested edit with its diff from the version it was made on; reviewers approve or reject it."""
    claim = load_claim(request, uuid)
    revision = load_revision(request, claim, revision_id)
    return render(request, "claims/revision.html", revision_context(request, claim, revision))
