"""Workflow, assessment, relation and actor actions: POST only, each a call to one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import policies, selectors, services, vocab
from claims.filtering import canonical_query, countries_matching
from claims.forms import (
    ActorForm,
    AssessmentForm,
    CommentForm,
    RelationForm,
    RevertForm,
    RevisionDecisionForm,
    SaveSearchForm,
    TransitionForm,
    put_errors,
)
from claims.views.access import reader_required, require
from claims.views.claim_page import detail_context, load_claim, load_revision, revision_context

ACTOR_QUERY_MAX = 100


def _detail_with(request, claim, **forms):
    return render(request, "claims/detail.html", detail_context(request, claim, **forms))


@reader_required
@require_POST
def transition(request, uuid):
    claim = load_claim(request, uuid)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition_claim(
                claim_id=claim.pk,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                confirm_unverified_sources=form.cleaned_data["confirm_unverified_sources"],
            )
        except ValidationError as error:
            put_errors(error, form, rename={"to": "reason"})
        else:
            label = vocab.Status(form.cleaned_data["to"]).label
            messages.success(request, _("The claim is now %(status)s.") % {"status": label})
            return redirect("claims:detail", uuid=claim.uuid)
    target = request.POST.get("to", "")
    return _detail_with(request, claim, **{f"transition_{target}": form})


@reader_required
@require_POST
def discard(request, uuid):
    claim = load_claim(request, uuid)
    require(policies.may_discard(request.user, claim))
    services.discard_claim(claim_id=claim.pk, by=request.user)
    messages.success(request, _("The claim “%(statement)s” was discarded.") % {"statement": claim.statement})
    return redirect("claims:list")


@reader_required
@require_POST
def revert(request, uuid):
    claim = load_claim(request, uuid)
    suggesting = policies.may_propose_revision(request.user, claim)
    require(suggesting or policies.may_edit(request.user, claim))
    form = RevertForm(request.POST)
    if form.is_valid():
        try:
            if suggesting:
                revision = services.propose_revert(
                    claim=claim,
                    to_version=form.cleaned_data["to_version"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    base_version=form.cleaned_data["expected_version"],
                )
                messages.success(request, _("Your revert was sent to a reviewer."))
                return redirect("claims:revision", uuid=claim.uuid, revision_id=revision.pk)
            services.revert_claim(claim_id=claim.pk, by=request.user, **form.cleaned_data)
        except services.StaleVersion:
            messages.error(request, _("Someone saved this claim meanwhile: compare again before restoring."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Version %(n)s is restored as a new version.") % {"n": form.cleaned_data["to_version"]},
            )
            return redirect("claims:detail", uuid=claim.uuid)
    else:
        messages.error(request, _("Say why: a reason is required."))
    return redirect(f"{reverse('claims:diff', args=[claim.uuid])}?from={request.POST.get('to_version', '')}")


@reader_required
@require_POST
def revision_approve(request, uuid, revision_id):
    claim = load_claim(request, uuid)
    revision = load_revision(request, claim, revision_id)
    require(policies.may_decide_revision(request.user, revision))
    form = RevisionDecisionForm(request.POST, prefix="approve")
    back = redirect("claims:revision", uuid=claim.uuid, revision_id=revision.pk)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    try:
        saved = services.approve_revision(
            revision=revision, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.StaleVersion as stale:
        messages.error(
            request,
            _(
                "The claim is at version %(current)s, not the version %(base)s this edit was suggested on: "
                "nothing was changed. Reject it, or ask for it to be suggested again."
            )
            % {"current": stale.current_version, "base": stale.expected_version},
        )
        return back
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(request, _("Suggested edit approved: saved as version %(v)s.") % {"v": saved.version})
    return redirect("claims:detail", uuid=claim.uuid)


@reader_required
@require_POST
def revision_reject(request, uuid, revision_id):
    claim = load_claim(request, uuid)
    revision = load_revision(request, claim, revision_id)
    require(policies.may_decide_revision(request.user, revision))
    form = RevisionDecisionForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.reject_revision(revision=revision, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            put_errors(error, form, rename={"state": "reason"})
        else:
            messages.success(request, _("Suggested edit rejected; the claim is unchanged."))
            return redirect("claims:detail", uuid=claim.uuid)
    context = revision_context(request, claim, revision, reject_form=form)
    return render(request, "claims/revision.html", context)


@reader_required
@require_POST
def revision_withdraw(request, uuid, revision_id):
    claim = load_claim(request, uuid)
    revision = load_revision(request, claim, revision_id)
    require(policies.may_withdraw_revision(request.user, revision))
    try:
        services.withdraw_revision(revision=revision, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("claims:revision", uuid=claim.uuid, revision_id=revision.pk)
    messages.success(request, _("Your suggested edit was withdrawn."))
    return redirect("claims:detail", uuid=claim.uuid)


@reader_required
@require_POST
def comment(request, uuid):
    claim = load_claim(request, uuid)
    require(policies.may_comment(request.user, claim))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(claim_id=claim.pk, body=form.cleaned_data["body"], by=request.user)
        except ValidationError as error:
            put_errors(error, form)
        else:
            messages.success(request, _("Note added."))
            return redirect(f"{reverse('claims:detail', args=[claim.uuid])}#notes-h")
    return _detail_with(request, claim, comment=form)


@reader_required
@require_POST
def assign(request, uuid):
    claim = load_claim(request, uuid)
    require(policies.may_assign(request.user, claim))
    chosen = request.POST.get("assignee", "")
    try:
        assignee_id = int(chosen) if chosen else None
        services.assign_claim(claim_id=claim.pk, assignee_id=assignee_id, by=request.user)
    except (ValueError, ValidationError):
        messages.error(request, _("Assign an active editor or reviewer."))
    else:
        messages.success(request, _("Assignment saved."))
    return redirect("claims:detail", uuid=claim.uuid)


@reader_required
@require_POST
def save_search(request):
    form = SaveSearchForm(request.POST)
    if form.is_valid():
        try:
            query = canonical_query(QueryDict(form.cleaned_data["query"]))
            search = services.save_search(name=form.cleaned_data["name"], query=query, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Search saved as “%(name)s”.") % {"name": search.name})
            return redirect(f"{reverse('claims:list')}?{search.query}")
    else:
        messages.error(request, _("Give the search a name."))
    return redirect(f"{reverse('claims:list')}?{form.data.get('query', '')}")


@reader_required
@require_POST
def delete_search(request, search_id: int):
    search = selectors.saved_searches_of(request.user).filter(pk=search_id).first()
    if search is None:
        raise Http404
    services.delete_saved_search(search_id=search.pk, by=request.user)
    messages.success(request, _("Saved search “%(name)s” deleted.") % {"name": search.name})
    return redirect("claims:list")


@reader_required
@require_POST
def assess(request, uuid):
    claim = load_claim(request, uuid)
    require(policies.may_assess(request.user, claim))
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.add_assessment(claim_id=claim.pk, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            put_errors(error, form)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("claims:detail", uuid=claim.uuid)
    return _detail_with(request, claim, assessment=form)


@reader_required
@require_POST
def relate(request, uuid):
    claim = load_claim(request, uuid)
    require(policies.may_relate(request.user, claim))
    form = RelationForm(request.POST, claim=claim, user=request.user)
    if form.is_valid():
        require(policies.may_relate(request.user, claim, form.cleaned_data["to_claim"]))
        c = form.cleaned_data
        try:
            services.add_relation(
                from_claim_id=claim.pk,
                to_claim_id=c["to_claim"].pk,
                kind=c["kind"],
                independence=c["independence"],
                note=c["note"],
                by=request.user,
            )
        except ValidationError as error:
            put_errors(error, form)
        else:
            messages.success(request, _("Relation added."))
            return redirect("claims:detail", uuid=claim.uuid)
    return _detail_with(request, claim, relation=form)


@reader_required
@require_POST
def unrelate(request, uuid, relation_id):
    claim = load_claim(request, uuid)
    relation = selectors.relation_visible_to(request.user, claim, relation_id)
    if relation is None:
        raise Http404
    require(policies.may_unrelate(request.user, relation))
    try:
        services.remove_relation(relation_id=relation.pk, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Relation removed."))
    return redirect("claims:detail", uuid=claim.uuid)


@reader_required
@require_GET
def actor_search(request):
    """Type-ahead for actor pickers: the visible actors whose name or an alias contains `q` (case and
    accents ignored), at most 20; with `countries=1` also the countries it names (the filters')."""
    query = request.GET.get("q", "")
    if len(query) > ACTOR_QUERY_MAX:
        error = _("Type at most %(n)s characters.") % {"n": ACTOR_QUERY_MAX}
    elif "\x00" in query:
        error = _("A search cannot contain a NUL character.")
    else:
        error = None
    if error:
        return JsonResponse({"errors": {"q": [error]}}, status=400)
    body = {"results": selectors.actors_matching(request.user, query)}
    if request.GET.get("countries") == "1":
        body["countries"] = countries_matching(query)
    return JsonResponse(body)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@reader_required
@require_http_methods(["GET", "POST"])
def actor_create(request):
    """The inline 'create actor' form posts here (by fetch, or as a plain form without JavaScript)."""
    require(policies.may_create_actor(request.user))
    form = ActorForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            actor = services.create_actor(
                name=c["name"],
                kind=c["kind"],
                country=c["country"].upper(),
                description=c["description"],
                by=request.user,
            )
        except ValidationError as error:
            put_errors(error, form)
        else:
            if _wants_json(request):
                return JsonResponse({"id": actor.pk, "name": actor.name}, status=201)
            messages.success(request, _("Actor “%(name)s” created.") % {"name": actor.name})
            return redirect(next_url or "claims:list")
    if request.method == "POST" and _wants_json(request):
        return JsonResponse({"errors": form.errors}, status=400)
    return render(request, "claims/actor_form.html", {"form": form, "next": next_url})
