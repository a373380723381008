"""Each role, action and claim status: the button a page shows is exactly what the service allows, and
nothing an editor does alone changes what readers see of a published claim."""

import contextlib

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from claims import policies, services, vocab
from claims.models import Actor, ClaimRelation, FeedEvent, PendingRevision, Source, Webhook
from claims.tokens import create_api_token
from tests.conftest import claim_data, hop, make_user

pytestmark = pytest.mark.django_db

STATUSES = [vocab.Status.DRAFT, vocab.Status.IN_REVIEW, vocab.Status.PUBLISHED, vocab.Status.RETRACTED]


class _Undo(Exception):
    """Raised to roll back a service call once we know whether it was allowed."""


def service_allows(call) -> bool:
    """Run a service and undo it: False when it refuses the user, True otherwise (a ValidationError
    means the user may act but this input was wrong)."""
    try:
        with transaction.atomic():
            with contextlib.suppress(ValidationError):
                call()
            raise _Undo
    except PermissionDenied:
        return False
    except _Undo:
        return True


@pytest.fixture
def world(make_claim, editor, reviewer):
    """One claim per status, each related to a private anchor draft (so each has a Remove button)."""
    claims = {status: make_claim(status, statement=f"A {status} claim.") for status in STATUSES}
    anchor = make_claim(statement="An anchor draft.")
    relations = {}
    for status, claim in claims.items():
        if status == vocab.Status.RETRACTED:
            continue  # a retracted claim gains no relations; its Remove buttons are covered by the rest
        relations[status] = services.add_relation(
            from_claim_id=claim.pk,
            to_claim_id=anchor.pk,
            kind="context",
            independence="possibly_shared_origin",
            by=reviewer,
        )
    for claim in claims.values():
        claim.refresh_from_db()
    return {"claims": claims, "anchor": anchor, "relations": relations}


def _page(user, claim) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/claims/{claim.uuid}/")
    return response.content.decode() if response.status_code == 200 else ""


def _shown_and_allowed(user, claim, world, actors):
    """(action, shown on the page, allowed by the service) for every action on this claim."""
    page = _page(user, claim)
    rows = [
        (
            "edit",
            'data-action="edit"' in page,
            service_allows(
                lambda: services.update_claim(
                    claim_id=claim.pk,
                    expected_version=claim.version,
                    data=claim_data(actors, statement="Changed."),
                    by=user,
                )
            ),
        ),
        (
            "suggest an edit",
            'data-action="suggest"' in page,
            service_allows(
                lambda: services.propose_revision(
                    claim=claim,
                    data=claim_data(actors, statement="Changed."),
                    by=user,
                    base_version=claim.version,
                )
            ),
        ),
        (
            "assess",
            f'action="/claims/{claim.uuid}/assess/"' in page,
            service_allows(
                lambda: services.add_assessment(
                    claim_id=claim.pk, by=user, reliability="C", credibility=3, rationale="Plausible."
                )
            ),
        ),
        (
            "relate",
            f'action="/claims/{claim.uuid}/relations/"' in page,
            service_allows(
                lambda: services.add_relation(
                    from_claim_id=claim.pk,
                    to_claim_id=world["anchor"].pk,
                    kind="qualifies",
                    independence="same_origin",
                    by=user,
                )
            ),
        ),
    ]
    for from_, to in vocab.TRANSITIONS:
        if from_ == claim.status:
            rows.append(
                (
                    f"transition to {to}",
                    f'name="to" value="{to}"' in page,
                    service_allows(
                        lambda to=to: services.transition_claim(
                            claim_id=claim.pk, to=to, reason="Because.", by=user
                        )
                    ),
                )
            )
    relation = world["relations"].get(claim.status)
    if relation is not None:
        rows.append(
            (
                "remove relation",
                f"/relations/{relation.pk}/remove/" in page,
                service_allows(lambda: services.remove_relation(relation_id=relation.pk, by=user)),
            )
        )
    return rows


@pytest.mark.parametrize("role", ["viewer", "editor", "other_editor", "reviewer"])
@pytest.mark.parametrize("status", STATUSES)
def test_every_button_shown_is_exactly_what_the_service_allows(role, status, world, actors, request):
    user = request.getfixturevalue(role)
    claim = world["claims"][status]
    disagreements = [
        f"{action}: shown={shown} allowed={allowed}"
        for action, shown, allowed in _shown_and_allowed(user, claim, world, actors)
        if shown != allowed
    ]
    assert disagreements == []


def test_the_matrix_is_not_vacuous_every_action_is_offered_to_someone(world, actors, editor, reviewer):
    offered = {
        action
        for user in (editor, reviewer)
        for claim in world["claims"].values()
        for action, shown, allowed in _shown_and_allowed(user, claim, world, actors)
        if shown and allowed
    }
    assert offered == {
        "edit",
        "suggest an edit",
        "assess",
        "relate",
        "remove relation",
        "transition to in_review",
        "transition to draft",
        "transition to published",
        "transition to retracted",
    }


def _public_view(claim) -> tuple:
    client = APIClient()
    head = FeedEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return head, client.get(f"/api/v1/claims/{claim.uuid}/").json(), client.get("/api/v1/feed/").json()


def test_an_editors_attempts_on_a_published_claim_leave_the_feed_and_the_public_json_unchanged(
    make_claim, actors, editor, reviewer
):
    published = make_claim(vocab.Status.PUBLISHED, statement="Published.")
    other = make_claim(vocab.Status.PUBLISHED, statement="Also published.")
    own_draft = make_claim(statement="Eddie's draft.")
    kept = services.add_relation(
        from_claim_id=published.pk,
        to_claim_id=other.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    published.refresh_from_db()
    source = Source.objects.get()
    before = _public_view(published)
    attempts = [
        lambda: services.update_claim(
            claim_id=published.pk,
            expected_version=published.version,
            data=claim_data(actors, statement="Quietly changed."),
            by=editor,
        ),
        lambda: services.add_relation(
            from_claim_id=own_draft.pk,
            to_claim_id=published.pk,
            kind="corroborates",
            independence="possibly_shared_origin",
            by=editor,
        ),
        lambda: services.remove_relation(relation_id=kept.pk, by=editor),
        lambda: services.update_source(source_id=source.pk, by=editor, url="https://elsewhere.example.org/x"),
        lambda: services.transition_claim(
            claim_id=published.pk, to="retracted", reason="Mine now.", by=editor
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    token = create_api_token(user=editor, name="policy-test")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    patched = api.patch(
        f"/api/v1/claims/{published.uuid}/",
        {"statement": "Via the API."},
        format="json",
        HTTP_IF_MATCH=f'"{published.version}"',
    )
    assert patched.status_code == 202  # kept as a suggestion for a reviewer: nothing public changes
    assert _public_view(published) == before
    assert ClaimRelation.objects.filter(pk=kept.pk).exists()


def test_a_reviewer_repoints_a_cited_source_and_the_citing_claims_move_to_a_new_version(make_claim, reviewer):
    published = make_claim(vocab.Status.PUBLISHED)
    head = FeedEvent.objects.order_by("-seq").first().seq
    source = Source.objects.get()
    services.update_source(
        source_id=source.pk, by=reviewer, url="https://news.example.org/2023/09/arms-moved"
    )
    published.refresh_from_db()
    event = FeedEvent.objects.order_by("-seq").first()
    assert event.seq > head and event.claim_id == published.pk and event.type == "updated"
    assert APIClient().get(f"/api/v1/claims/{published.uuid}/").json()["hops"][0]["source"] == (
        "https://news.example.org/2023/09/arms-moved"
    )


def test_an_editor_may_still_correct_a_source_only_drafts_cite(make_claim, editor):
    make_claim()
    source = Source.objects.get()
    assert policies.may_change_source(editor, source)
    services.update_source(source_id=source.pk, by=editor, title="Corrected title")
    assert Source.objects.get().title == "Corrected title"


def test_unknown_source_fields_are_refused_and_nothing_changes(make_claim, reviewer):
    make_claim()
    source = Source.objects.get()
    with pytest.raises(ValidationError) as refused:
        services.update_source(source_id=source.pk, by=reviewer, liveness="live")
    assert "liveness" in refused.value.message_dict
    assert Source.objects.get().liveness == source.liveness


def test_a_user_without_a_role_may_do_nothing(make_claim):
    outsider = make_user("nobody")
    claim = make_claim(vocab.Status.PUBLISHED)
    assert not policies.may_read(outsider)
    assert not policies.may_create_claim(outsider)
    assert not policies.may_edit(outsider, claim)
    assert not policies.may_assess(outsider, claim)
    assert not policies.may_relate(outsider, claim)
    assert policies.transitions_open_to(outsider, claim) == []
    assert not policies.may_tend_source(outsider)
    assert not policies.may_change_source(outsider)
    assert not policies.may_change_source(outsider, Source.objects.get())


def test_a_source_public_claims_cite_is_the_reviewers_and_one_only_drafts_cite_stays_the_editors(
    make_claim, editor, reviewer, viewer
):
    make_claim(vocab.Status.PUBLISHED)
    make_claim(hops=[hop(source_url="https://internal.example.net/draft-only")])
    public = Source.objects.get(url="https://news.example.org/2023/09/arms")
    draft_only = Source.objects.get(url="https://internal.example.net/draft-only")
    assert not policies.may_change_source(editor, public)
    assert policies.may_change_source(editor, draft_only)  # other claims being public does not matter
    assert policies.may_change_source(reviewer, public) and policies.may_change_source(reviewer, draft_only)
    assert policies.may_change_source(editor) and policies.may_change_source(editor, Source())  # a new one
    assert not policies.may_change_source(viewer, draft_only)


def test_a_reviewer_may_unrelate_public_claims_but_not_once_one_end_is_retracted(
    make_claim, reviewer, editor
):
    first = make_claim(vocab.Status.PUBLISHED, statement="First.")
    second = make_claim(vocab.Status.PUBLISHED, statement="Second.")
    relation = services.add_relation(
        from_claim_id=first.pk,
        to_claim_id=second.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    assert policies.may_unrelate(reviewer, relation)
    assert not policies.may_unrelate(editor, relation)  # public ends: a reviewer's act
    services.transition_claim(claim_id=second.pk, to=vocab.Status.RETRACTED, reason="withdrawn", by=reviewer)
    relation = ClaimRelation.objects.select_related("from_claim", "to_claim").get(pk=relation.pk)
    assert not policies.may_unrelate(reviewer, relation)


def test_a_retracted_claim_is_edited_and_related_by_nobody_while_a_published_one_is_by_a_reviewer(
    make_claim, reviewer, editor
):
    published = make_claim(vocab.Status.PUBLISHED, statement="Published.")
    retracted = make_claim(vocab.Status.RETRACTED, statement="Retracted.")
    assert policies.may_edit(reviewer, published) and policies.may_relate(reviewer, published)
    assert not policies.may_edit(reviewer, retracted)
    assert not policies.may_relate(reviewer, retracted)
    assert not policies.may_relate(reviewer, published, retracted)
    assert not policies.may_edit(editor, retracted) and not policies.may_relate(editor, retracted)


def user_with(username: str, *codenames: str, **extra):
    """A user holding exactly these claims permissions and no role: one rule's inputs set apart."""
    user = make_user(username, **extra)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
    )
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


NAMED_AS = {
    "supplier": lambda actor: {"supplier_id": actor.pk},
    "recipient": lambda actor: {"recipient_id": actor.pk},
    "participant": lambda actor: {"participant_ids": [actor.pk]},
    "speaker": lambda actor: {
        "hops": [hop(anonymity=vocab.Anonymity.NAMED_ON_RECORD, speaker_id=actor.pk, descriptor="")]
    },
    "affiliation": lambda actor: {"hops": [hop(affiliation_id=actor.pk)]},
}


@pytest.mark.parametrize("role", NAMED_AS)
def test_an_actor_a_public_claim_names_is_changed_by_a_reviewer_only(role, make_claim, editor, reviewer):
    actor = Actor.objects.create(name="Rosoboronexport", kind=vocab.ActorKind.COMPANY, country="RU")
    claim = make_claim(**NAMED_AS[role](actor))
    assert policies.may_change_actor(editor, actor)  # only a draft names it yet
    services.transition_claim(claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=editor)
    assert policies.may_change_actor(editor, actor)  # in review is not public either
    make_claim(vocab.Status.PUBLISHED, statement="Now public.", **NAMED_AS[role](actor))
    assert not policies.may_change_actor(editor, actor)
    assert policies.may_change_actor(reviewer, actor)


def test_an_actor_no_public_claim_names_stays_the_editors_whatever_else_is_public(
    make_claim, actors, editor, viewer
):
    make_claim(vocab.Status.PUBLISHED)  # names Russia and North Korea, not China
    assert policies.may_change_actor(editor, actors["CN"])
    assert not policies.may_change_actor(editor, actors["RU"])
    assert policies.may_change_actor(editor) and policies.may_change_actor(editor, Actor(name="New"))
    assert not policies.may_change_actor(viewer, actors["CN"])
    assert not policies.may_change_actor(viewer)


def test_a_retracted_claim_still_shows_its_actors_so_they_stay_the_reviewers(make_claim, actors, editor):
    make_claim(vocab.Status.RETRACTED)
    assert not policies.may_change_actor(editor, actors["KP"])


def test_assigning_needs_both_the_editorial_view_and_the_change_permission(make_claim, editor):
    claim = make_claim()
    assert policies.may_assign(editor, claim)
    assert not policies.may_assign(user_with("changes_only", "change_claim"), claim)
    assert not policies.may_assign(user_with("sees_only", "view_draft"), claim)


def test_an_inactive_editor_is_never_offered_as_an_assignee(editor):
    assert policies.may_be_assigned(editor)
    assert not policies.may_be_assigned(make_user("gone", "editor", is_active=False))
    assert not policies.may_be_assigned(make_user("reader", "viewer"))


def test_only_those_who_see_drafts_publish_and_review_decide_suggested_edits(editor, reviewer, viewer):
    assert policies.reviews_suggestions(reviewer)
    assert not policies.reviews_suggestions(editor)
    assert not policies.reviews_suggestions(viewer)
    assert not policies.reviews_suggestions(user_with("reviews_only", "edit_any_claim"))
    assert not policies.reviews_suggestions(user_with("no_publish", "view_draft", "edit_any_claim"))
    assert not policies.reviews_suggestions(user_with("no_review", "view_draft", "publish_claim"))


def test_a_suggestion_is_decided_by_a_reviewer_who_may_also_edit_its_published_claim(
    make_claim, editor, reviewer
):
    claim = make_claim(vocab.Status.PUBLISHED)
    revision = PendingRevision(claim=claim, proposed_by=editor)
    assert policies.may_decide_revision(reviewer, revision)
    assert not policies.may_decide_revision(editor, revision)
    # May edit the published claim but not publish: editing is not deciding.
    edits_any = user_with("edits_any", "view_draft", "change_claim", "edit_any_claim")
    assert policies.may_edit(edits_any, claim)
    assert not policies.may_decide_revision(edits_any, revision)
    # Publishes and reviews, but may not change claims: no edit, no decision.
    assert not policies.may_decide_revision(
        user_with("no_change", "view_draft", "publish_claim", "edit_any_claim"), revision
    )


def test_only_a_claims_reviewer_imports_statuses_and_relations(editor, reviewer, viewer):
    assert policies.may_import_workflow(reviewer)
    assert not policies.may_import_workflow(editor)
    assert not policies.may_import_workflow(viewer)
    assert not policies.may_import_workflow(user_with("reviews_no_create", "edit_any_claim"))


def test_a_draft_is_discarded_by_its_author_or_a_reviewer_and_never_by_someone_who_may_not_change_claims(
    make_claim, editor, other_editor, reviewer, viewer
):
    draft = make_claim()
    assert policies.may_discard(editor, draft) and policies.may_discard(reviewer, draft)
    assert not policies.may_discard(other_editor, draft)
    assert not policies.may_discard(viewer, draft)
    assert not policies.may_discard(user_with("reviews_no_change", "edit_any_claim"), draft)


def test_a_claim_once_published_is_never_discarded_even_back_in_draft(make_claim, editor, reviewer):
    draft = make_claim()
    draft.published_at = draft.created_at  # a past publication, whatever its status now
    assert not policies.may_discard(editor, draft)
    assert not policies.may_discard(reviewer, draft)


def test_a_webhook_is_managed_by_its_reviewer_owner_or_an_administrator_only(reviewer, editor, admin_user):
    assert policies.may_manage_webhook(reviewer, Webhook(owner=reviewer))
    assert policies.may_manage_webhook(admin_user, Webhook(owner=reviewer))
    assert not policies.may_manage_webhook(make_user("rosa", "reviewer"), Webhook(owner=reviewer))
    # An owner who has since lost the reviewer role no longer manages it.
    assert not policies.may_manage_webhook(editor, Webhook(owner=editor))
