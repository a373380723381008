"""Create and edit a claim in one form (hops and route inline), and log one from an article."""

import uuid as uuid_module

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from claims import matching, policies, revisions, schema, selectors, services, vocab
from claims.forms import ClaimForm, FromArticleForm, HopFormSet, RouteFormSet, claim_data, put_errors
from claims.models import Actor, Claim, ClaimVersion
from claims.representation import represent_actor
from claims.views.access import reader_required, require


def _snapshot_of(data: services.ClaimData, claim: Claim) -> dict:
    """The unsaved edit in the shape of a version snapshot, so both sides of a conflict read alike."""
    ids = {data.supplier_id, data.recipient_id, *data.participant_ids}
    ids |= {hop.speaker_id for hop in data.hops} | {hop.affiliation_id for hop in data.hops}
    actors = Actor.objects.in_bulk(ids - {None})

    def actor(actor_id):
        return represent_actor(actors.get(actor_id)) if actor_id else None

    return {**schema.input_document(data, actor), "status": claim.status}


def _forms(data=None, *, initial=None, hops=None, route=None):
    return (
        ClaimForm(data, initial=initial),
        HopFormSet(data, initial=hops, prefix="hops"),
        RouteFormSet(data, initial=route, prefix="route"),
    )


def _render(request, claim, form, hops, route, *, conflict=None, suggesting=False):
    # A refused save is re-shown with 200, like any invalid form: a 4xx would be logged as an error
    # in the browser's console although the page is exactly what the editor needs to see.
    return render(
        request,
        "claims/form.html",
        {
            "claim": claim,
            "form": form,
            "hops": hops,
            "route": route,
            "conflict": conflict,
            "suggesting": suggesting,
            "actor_kinds": vocab.ActorKind.choices,
            # Beside each actor picker ("Actor missing? Create it"); reversed once, not once per row.
            "actor_create_url": reverse("claims:actor_create")
            if policies.may_create_actor(request.user)
            else "",
        },
    )


def _save(request, claim: Claim | None, *, suggesting: bool = False):
    """Validate, call the service; on refusal re-show the form with every error in its place.

    `suggesting`: an editor's edit of a published claim, kept as a suggestion for a reviewer."""
    form, hops, route = _forms(request.POST)
    if not all([form.is_valid(), hops.is_valid(), route.is_valid()]):
        return _render(request, claim, form, hops, route, suggesting=suggesting)
    data = claim_data(form, hops, route)
    try:
        if suggesting:
            revision = services.propose_revision(
                claim=claim,
                data=data,
                by=request.user,
                base_version=form.cleaned_data["expected_version"] or 0,
            )
            messages.success(request, _("Your edit was sent to a reviewer."))
            return redirect("claims:revision", uuid=claim.uuid, revision_id=revision.pk)
        if claim is None:
            saved = services.create_claim(data=data, by=request.user)
        else:
            saved = services.update_claim(
                claim_id=claim.pk,
                expected_version=form.cleaned_data["expected_version"] or 0,
                data=data,
                by=request.user,
            )
    except ValidationError as error:
        put_errors(error, form)
        hops.put_errors(error, "hops")
        route.put_errors(error, "route")
        return _render(request, claim, form, hops, route, suggesting=suggesting)
    except services.StaleVersion as stale:
        theirs = ClaimVersion.objects.select_related("changed_by").get(
            claim=claim, version=stale.current_version
        )
        mine = _snapshot_of(data, claim)
        # The stored version also holds what this form does not edit (assessment, relations):
        # compared with nothing, it would read as removed although saving keeps it.
        theirs_edited = {key: value for key, value in theirs.snapshot.items() if key in mine}
        # The form comes back with the user's input, now based on their version: saving again is a
        # deliberate choice made after seeing it, never a silent overwrite.
        posted = request.POST.copy()
        posted["expected_version"] = str(stale.current_version)
        form, hops, route = _forms(posted)
        for bound in (form, hops, route):
            bound.is_valid()
        conflict = {
            "theirs": theirs,
            "their_lines": revisions.flatten(theirs_edited),
            "my_lines": revisions.flatten(mine),
            "lines": revisions.diff(theirs_edited, mine),
        }
        return _render(request, claim, form, hops, route, conflict=conflict, suggesting=suggesting)
    messages.success(request, _("Saved as version %(v)s.") % {"v": saved.version})
    return redirect("claims:detail", uuid=saved.uuid)


@reader_required
@require_http_methods(["GET", "POST"])
def claim_create(request):
    require(policies.may_create_claim(request.user))
    if request.method == "POST":
        return _save(request, None)
    form, hops, route = _forms(hops=[{}])
    return _render(request, None, form, hops, route)


@reader_required
@require_http_methods(["GET", "POST"])
def claim_edit(request, uuid):
    claim = get_object_or_404(selectors.claims_visible_to(request.user).with_details(), uuid=uuid)
    suggesting = policies.may_propose_revision(request.user, claim)
    if not (suggesting or policies.may_edit(request.user, claim)):
        raise PermissionDenied(_("You cannot edit this claim in its current status."))
    if request.method == "POST":
        return _save(request, claim, suggesting=suggesting)
    hop_rows = [
        {
            "speaker": hop.speaker,
            "descriptor": hop.descriptor,
            "affiliation": hop.affiliation,
            "role": hop.role,
            "anonymity": hop.anonymity,
            "source_url": hop.source.url if hop.source else "",
            "quote": hop.quote,
            "quote_language": hop.quote_language,
            "translation": hop.translation,
            "ORDER": hop.position + 1,
        }
        for hop in claim.hops.all()
    ]
    route_rows = [
        {
            "role": stop.role,
            "country": stop.country,
            "region": stop.region,
            "approximate": stop.approximate,
            "ORDER": stop.position + 1,
        }
        for stop in claim.route.all()
    ]
    form, hops, route = _forms(initial=ClaimForm.initial_for(claim), hops=hop_rows, route=route_rows)
    return _render(request, claim, form, hops, route, suggesting=suggesting)


@reader_required
@require_http_methods(["GET", "POST"])
def from_article(request):
    """Paste a URL and a passage: the claim form opens with them as the document we read."""
    require(policies.may_create_claim(request.user))
    article = FromArticleForm(request.POST or None)
    if request.method == "POST" and article.is_valid():
        c = article.cleaned_data
        # The article is the last hop, in the outlet's voice; hop 0 stays empty for the originator.
        article_hop = {
            "anonymity": vocab.Anonymity.OUTLET_VOICE,
            "source_url": c["source_url"],
            "quote": c["quote"],
            "quote_language": c["quote_language"],
        }
        form, hops, route = _forms(hops=[{}, article_hop])
        return _render(request, None, form, hops, route)
    return render(request, "claims/from_article.html", {"form": article})


def _probe_from_form(request) -> tuple[matching.Probe, list[str]]:
    """The claim form as it stands, half typed: what its fields hold that is valid so far, and the
    source URLs its hops give. A field still invalid (an actor not picked yet) is left out, not refused."""
    exclude = request.POST.get("exclude") or None
    form, hops, _ = _forms(request.POST)
    form.is_valid()
    rows, urls = [], []
    if hops.management_form.is_valid():
        for position, hop in enumerate(hops.forms):
            hop.is_valid()
            c = hop.cleaned_data
            if c.get("DELETE"):
                continue
            rows.append(
                services.HopData(
                    position=position,
                    speaker_id=c["speaker"].pk if c.get("speaker") else None,
                    affiliation_id=c["affiliation"].pk if c.get("affiliation") else None,
                    source_url=c.get("source_url") or "",
                    quote=c.get("quote") or "",
                    translation=c.get("translation") or "",
                )
            )
            urls += [c["source_url"]] if c.get("source_url") else []
    try:
        exclude = str(uuid_module.UUID(exclude)) if exclude else None
    except ValueError:
        exclude = None
    data = schema.from_cleaned(form.cleaned_data, hops=rows, route=[])
    try:
        return matching.probe_of(data, exclude_uuid=exclude), urls
    except matching.Refused:  # the form's own checks come first: nothing here to refuse
        return matching.Probe(), urls


@reader_required
@require_POST
def claim_match(request):
    """The claim form's side panel, as the editor types: claims that may say the same, and sources
    other claims already cite. Writes nothing; the user sees only what they may read."""
    probe, urls = _probe_from_form(request)
    return render(
        request,
        "claims/_matches.html",
        {
            "suggestions": matching.suggest(request.user, probe),
            "citations": selectors.citations_visible_to(request.user, urls, exclude_uuid=probe.exclude_uuid),
        },
    )
