"""Suggested edits in the browser: the edit form sends an editor's edit to a reviewer, who decides."""

import pytest
from django.test import Client
from django.utils import translation

from claims import services, vocab
from claims.models import FeedEvent, PendingRevision
from tests.conftest import claim_data
from tests.test_views import edit_post

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def published(make_claim):
    return make_claim(vocab.Status.PUBLISHED)


@pytest.fixture
def suggestion(published, actors, editor):
    return services.propose_revision(
        claim=published,
        data=claim_data(actors, statement="North Korea has shipped shells to Russia."),
        by=editor,
        base_version=published.version,
    )


def test_the_edit_form_tells_an_editor_their_edit_goes_to_a_reviewer(published, editor, reviewer):
    page = logged_in(editor).get(f"/claims/{published.uuid}/edit/").content.decode()
    assert "Your edit will be sent to a reviewer." in page and "Send to a reviewer" in page
    own = logged_in(reviewer).get(f"/claims/{published.uuid}/edit/").content.decode()
    assert "Your edit will be sent to a reviewer." not in own


def test_an_editors_save_becomes_a_suggestion_and_the_claim_stays_as_it_was(published, actors, editor):
    events = FeedEvent.objects.count()
    response = logged_in(editor).post(
        f"/claims/{published.uuid}/edit/", edit_post(published, actors, statement="Suggested in the browser.")
    )
    revision = PendingRevision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{published.uuid}/revisions/{revision.pk}/"
    assert revision.body["statement"] == "Suggested in the browser."
    version = published.version
    published.refresh_from_db()
    assert (published.version, FeedEvent.objects.count()) == (version, events)


def test_an_invalid_suggestion_is_shown_with_field_errors_and_nothing_is_kept(published, actors, editor):
    response = logged_in(editor).post(
        f"/claims/{published.uuid}/edit/", edit_post(published, actors, statement="")
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert not PendingRevision.objects.exists()


def test_the_claim_page_shows_editorial_users_the_suggestion_and_readers_nothing(
    published, suggestion, editor, reviewer, viewer
):
    for user in (editor, reviewer):
        page = logged_in(user).get(f"/claims/{published.uuid}/").content.decode()
        assert "1 suggested edit" in page
        assert f"/claims/{published.uuid}/revisions/{suggestion.pk}/" in page
    page = logged_in(viewer).get(f"/claims/{published.uuid}/").content.decode()
    assert "suggested edit" not in page and "shells" not in page


def test_the_review_page_shows_the_diff_with_approve_and_reject_for_reviewers(
    published, suggestion, reviewer
):
    page = logged_in(reviewer).get(f"/claims/{published.uuid}/revisions/{suggestion.pk}/").content.decode()
    assert "<ins>Statement: North Korea has shipped shells to Russia.</ins>" in page
    assert "<del>Statement: North Korea has shipped munitions to Russia.</del>" in page
    assert f"revisions/{suggestion.pk}/approve/" in page and f"revisions/{suggestion.pk}/reject/" in page


def test_the_proposer_sees_withdraw_but_no_decision(published, suggestion, editor):
    page = logged_in(editor).get(f"/claims/{published.uuid}/revisions/{suggestion.pk}/").content.decode()
    assert "/withdraw/" in page and "/approve/" not in page and "/reject/" not in page


def test_readers_get_404_for_the_review_page(published, suggestion, viewer):
    assert logged_in(viewer).get(f"/claims/{published.uuid}/revisions/{suggestion.pk}/").status_code == 404


def test_the_reviewer_approves_and_the_claim_changes_with_one_feed_event(published, suggestion, reviewer):
    events = FeedEvent.objects.count()
    response = logged_in(reviewer).post(
        f"/claims/{published.uuid}/revisions/{suggestion.pk}/approve/", {"approve-reason": "Right."}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.statement == "North Korea has shipped shells to Russia."
    assert FeedEvent.objects.count() == events + 1


def test_approving_a_stale_suggestion_says_why_and_changes_nothing(published, suggestion, reviewer, actors):
    services.update_claim(
        claim_id=published.pk,
        expected_version=published.version,
        data=claim_data(actors, statement="Moved on."),
        by=reviewer,
    )
    client = logged_in(reviewer)
    page = client.get(f"/claims/{published.uuid}/revisions/{suggestion.pk}/").content.decode()
    assert "cannot be approved as it is" in page and "/approve/" not in page
    response = client.post(f"/claims/{published.uuid}/revisions/{suggestion.pk}/approve/", follow=True)
    assert "nothing was changed" in response.content.decode()
    published.refresh_from_db()
    assert published.statement == "Moved on."
    suggestion.refresh_from_db()
    assert suggestion.state == vocab.RevisionState.PENDING


def test_rejecting_without_a_reason_shows_the_error_in_the_form(published, suggestion, reviewer):
    url = f"/claims/{published.uuid}/revisions/{suggestion.pk}/reject/"
    response = logged_in(reviewer).post(url, {"reject-reason": ""})
    assert response.status_code == 200
    assert "a reason is required" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == vocab.RevisionState.PENDING
    logged_in(reviewer).post(url, {"reject-reason": "Not in the source."})
    suggestion.refresh_from_db()
    assert suggestion.state == vocab.RevisionState.REJECTED


def test_the_reviewers_dashboard_queue_lists_suggestions_waiting(published, suggestion, editor, reviewer):
    page = logged_in(reviewer).get("/").content.decode()
    assert "Suggested edits to review" in page
    assert f"/claims/{published.uuid}/revisions/{suggestion.pk}/" in page
    assert "Suggested edits to review" not in logged_in(editor).get("/").content.decode()


def test_an_editors_restore_on_a_published_claim_is_sent_to_a_reviewer(published, actors, editor, reviewer):
    services.update_claim(
        claim_id=published.pk,
        expected_version=published.version,
        data=claim_data(actors, statement="Reviewer's wording."),
        by=reviewer,
    )
    published.refresh_from_db()
    client = logged_in(editor)
    page = client.get(f"/claims/{published.uuid}/diff/?from=1").content.decode()
    assert "Your revert will be sent to a reviewer." in page
    response = client.post(
        f"/claims/{published.uuid}/revert/",
        {"to_version": "1", "expected_version": str(published.version), "reason": "Original was right."},
    )
    revision = PendingRevision.objects.get()
    assert response["Location"] == f"/claims/{published.uuid}/revisions/{revision.pk}/"
    assert revision.reverts_to == 1
    published.refresh_from_db()
    assert published.statement == "Reviewer's wording."


def test_the_suggestion_pages_speak_italian(published, suggestion, reviewer):
    client = logged_in(reviewer)
    with translation.override("it"):
        page = client.get(
            f"/claims/{published.uuid}/revisions/{suggestion.pk}/", HTTP_ACCEPT_LANGUAGE="it"
        ).content.decode()
    assert "Modifica suggerita" in page and "Approva" in page and "Rifiuta" in page
