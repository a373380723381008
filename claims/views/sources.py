"""Source monitoring pages: the list of sources, one source's checks and text diff, and its two actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import charts, policies, selectors, vocab
from claims.forms import SourceFilterForm
from claims.hosts import describe_host
from claims.models import AttributionHop, QuoteCheck, Source
from claims.views.access import reader_required, require
from sources.checks import accept_source_baseline, latest_capture_diff
from sources.dispatch import request_source_check

SOURCES_PER_PAGE = 50
# The page shows this many checks; older ones stay in the database and the API.
TIMELINE_LIMIT = 50


@reader_required
def source_list(request):
    form = SourceFilterForm(request.GET)
    sources = form.apply(selectors.sources_visible_to(request.user).select_related("publisher"))
    page = Paginator(sources.order_by("-last_checked_at", "-id"), SOURCES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "claims/source_list.html", {"form": form, "page": page})


def _visible_source(request, source_id: int) -> Source:
    return get_object_or_404(
        selectors.sources_visible_to(request.user).select_related("publisher"), pk=source_id
    )


@reader_required
def source_detail(request, source_id: int):
    source = _visible_source(request, source_id)
    quotes = selectors.quote_checks_visible_to(request.user).select_related("hop").order_by("hop__position")
    checks = list(
        source.checks.order_by("-checked_at", "-id").prefetch_related(Prefetch("quotes", queryset=quotes))[
            : TIMELINE_LIMIT + 1
        ]
    )
    truncated = len(checks) > TIMELINE_LIMIT
    checks = checks[:TIMELINE_LIMIT]
    hops = list(
        AttributionHop.objects.filter(source=source, claim__in=selectors.claims_visible_to(request.user))
        .select_related("claim", "speaker")
        .order_by("claim__statement", "claim_id", "position")
    )
    # Each hop's newest quote result: a 304 or a failed fetch does not look at quotes again.
    latest_quote: dict[int, QuoteCheck] = {}
    for check in checks:
        for quote in check.quotes.all():
            latest_quote.setdefault(quote.hop_id, quote)
    for hop in hops:
        hop.latest_quote = latest_quote.get(hop.pk)
    strip = charts.outcome_strip(
        [(c.outcome, f"{c.checked_at:%Y-%m-%d %H:%M} · {c.get_outcome_display()}") for c in reversed(checks)]
    )
    legend = [
        (tone, [vocab.CheckOutcome(outcome).label for outcome in outcomes])
        for tone, outcomes in charts.OUTCOME_TONES.items()
    ]
    return render(
        request,
        "claims/source_detail.html",
        {
            "source": source,
            "hops": hops,
            "checks": checks,
            "truncated": truncated,
            "strip": strip,
            "legend": legend,
            "diff": latest_capture_diff(source) if source.baseline_sha256 else None,
            "host": describe_host(source.url),
            "can_act": policies.may_tend_source(request.user),
        },
    )


@reader_required
@require_POST
def source_check_now(request, source_id: int):
    require(policies.may_tend_source(request.user))
    source = _visible_source(request, source_id)
    request_source_check(source_id=source.pk, by=request.user)
    messages.success(request, _("A check of this source is queued; its result will appear here."))
    return redirect("claims:source", source_id=source.pk)


@reader_required
@require_POST
def source_accept_baseline(request, source_id: int):
    require(policies.may_tend_source(request.user))
    source = _visible_source(request, source_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm to accept the latest capture as the new baseline."))
        return redirect("claims:source", source_id=source.pk)
    try:
        accept_source_baseline(source_id=source.pk, by=request.user)
    except ValidationError:
        messages.error(request, _("This source has no capture yet: check it before accepting a baseline."))
    else:
        messages.success(request, _("The latest capture is now the baseline for this source."))
    return redirect("claims:source", source_id=source.pk)
