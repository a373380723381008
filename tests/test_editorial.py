"""Assignments, internal notes and mentions (claims/services/editorial.py), and where they show."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import selectors, services, vocab
from claims.models import Assignment, Comment
from claims.services.editorial import mentioned_users
from tests.conftest import api, make_user

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- services


def test_a_note_mentioning_an_editor_puts_the_claim_in_their_queue(make_claim, editor, reviewer):
    claim = make_claim()
    comment = services.add_comment(
        claim_id=claim.pk, body="@rita can you check hop 2? (cc @nobody)", by=editor
    )
    assert [user.username for user in comment.mentions.all()] == ["rita"]
    assert list(selectors.queue_of(reviewer)["mentioned"]) == [claim]
    assert list(selectors.queue_of(editor)["mentioned"]) == []


def test_mentions_skip_email_addresses_readers_and_trailing_punctuation(editor, reviewer, viewer):
    assert [u.username for u in mentioned_users("write to eddie@example.org")] == []
    assert [u.username for u in mentioned_users("@vera, @rita.")] == ["rita"]  # vera is a viewer


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_an_empty_or_overlong_note_is_refused_and_nothing_is_kept(make_claim, editor, body):
    claim = make_claim()
    with pytest.raises(ValidationError) as caught:
        services.add_comment(claim_id=claim.pk, body=body, by=editor)
    assert "body" in caught.value.message_dict
    assert not Comment.objects.exists()


def test_a_note_of_exactly_the_limit_is_kept(make_claim, editor):
    claim = make_claim()
    services.add_comment(claim_id=claim.pk, body="x" * 4000, by=editor)
    assert Comment.objects.get().body == "x" * 4000


def test_a_viewer_cannot_leave_a_note(make_claim, viewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.add_comment(claim_id=claim.pk, body="Hello", by=viewer)
    assert not Comment.objects.exists()


def test_assigning_puts_the_claim_waiting_for_that_person_and_none_clears_it(make_claim, editor, reviewer):
    claim = make_claim(vocab.Status.IN_REVIEW)
    first = services.assign_claim(claim_id=claim.pk, assignee_id=editor.pk, by=editor).assigned_at
    again = services.assign_claim(claim_id=claim.pk, assignee_id=reviewer.pk, by=editor)
    assert again.assigned_at > first and Assignment.objects.get().assignee == reviewer
    assert list(selectors.queue_of(reviewer)["assigned"]) == [claim]
    services.assign_claim(claim_id=claim.pk, assignee_id=None, by=editor)
    assert not Assignment.objects.exists()


def test_a_claim_can_only_wait_for_an_active_editorial_user(make_claim, editor, viewer):
    claim = make_claim()
    inactive = make_user("ivan", "editor", is_active=False)
    for assignee in (viewer.pk, inactive.pk, 987654):
        with pytest.raises(ValidationError) as caught:
            services.assign_claim(claim_id=claim.pk, assignee_id=assignee, by=editor)
        assert "assignee" in caught.value.message_dict
    assert not Assignment.objects.exists()


def test_the_assignee_picker_offers_active_editorial_users_in_one_query(
    django_assert_num_queries, editor, reviewer, viewer, admin_user
):
    make_user("ivan", "editor", is_active=False)
    extra = [make_user(f"ed{n}", "editor") for n in range(5)]
    with django_assert_num_queries(1):
        offered = list(selectors.assignable_users())
    assert set(offered) == {editor, reviewer, admin_user, *extra}


def test_viewers_cannot_assign_and_retracted_claims_are_not_assigned(make_claim, viewer, reviewer):
    with pytest.raises(PermissionDenied):
        services.assign_claim(
            claim_id=make_claim(vocab.Status.PUBLISHED).pk, assignee_id=reviewer.pk, by=viewer
        )
    with pytest.raises(PermissionDenied):
        services.assign_claim(
            claim_id=make_claim(vocab.Status.RETRACTED).pk, assignee_id=reviewer.pk, by=reviewer
        )
    assert not Assignment.objects.exists()


def test_my_drafts_are_in_my_queue_and_not_in_anyone_elses(make_claim, editor, reviewer):
    mine = make_claim()
    assert list(selectors.queue_of(editor)["drafts"]) == [mine]
    assert list(selectors.queue_of(reviewer)["drafts"]) == []


def test_readers_have_no_queue(viewer):
    assert selectors.queue_of(viewer) == {}


# ---------------------------------------------------------------- API


def test_editors_read_and_write_notes_through_the_api(make_claim, editor, reviewer):
    claim = make_claim()
    url = f"/api/v1/claims/{claim.uuid}/comments/"
    created = api(editor).post(url, {"body": "Second source? @rita"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "created_at": "",
        "author": "eddie",
        "body": "Second source? @rita",
        "mentions": ["rita"],
    }
    listed = api(reviewer).get(url).json()
    assert [note["body"] for note in listed] == ["Second source? @rita"]


def test_notes_on_a_published_claim_are_a_404_for_readers_and_anonymous(make_claim, editor, viewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    services.add_comment(claim_id=claim.pk, body="Internal: the daily misquoted Kirby.", by=editor)
    url = f"/api/v1/claims/{claim.uuid}/comments/"
    assert api().get(url).status_code == 404
    assert api(viewer).get(url).status_code == 404
    assert api(viewer).post(url, {"body": "hi"}, format="json").status_code == 404
    assert api().post(url, {"body": "hi"}, format="json").status_code == 401
    document = api(viewer).get(f"/api/v1/claims/{claim.uuid}/").content.decode()
    assert "misquoted" not in document
    assert Comment.objects.count() == 1


def test_an_empty_note_through_the_api_is_a_400_on_body(make_claim, editor):
    claim = make_claim()
    response = api(editor).post(f"/api/v1/claims/{claim.uuid}/comments/", {"body": ""}, format="json")
    assert response.status_code == 400 and "body" in response.json()["errors"]
    assert not Comment.objects.exists()


def test_assignee_through_the_api_by_username(make_claim, editor, reviewer):
    claim = make_claim()
    url = f"/api/v1/claims/{claim.uuid}/assignee/"
    assert api(editor).get(url).json() == {"assignee": None}
    assert api(editor).put(url, {"assignee": "rita"}, format="json").json() == {"assignee": "rita"}
    assert api(reviewer).get(url).json() == {"assignee": "rita"}
    assert api(editor).put(url, {"assignee": None}, format="json").json() == {"assignee": None}
    refused = api(editor).put(url, {"assignee": "ghost"}, format="json")
    assert refused.status_code == 400 and "assignee" in refused.json()["errors"]


def test_assignee_is_not_there_for_readers(make_claim, viewer, reviewer, editor):
    claim = make_claim(vocab.Status.PUBLISHED)
    services.assign_claim(claim_id=claim.pk, assignee_id=reviewer.pk, by=editor)
    url = f"/api/v1/claims/{claim.uuid}/assignee/"
    assert api(viewer).get(url).status_code == 404
    assert api(viewer).put(url, {"assignee": "vera"}, format="json").status_code == 404
    assert Assignment.objects.get().assignee == reviewer


def test_the_assignee_and_author_filters_serve_editorial_work_only(make_claim, editor, reviewer, viewer):
    waiting = make_claim(vocab.Status.PUBLISHED, statement="Waiting for Rita.")
    make_claim(statement="Eddie's own draft.")
    services.assign_claim(claim_id=waiting.pk, assignee_id=reviewer.pk, by=editor)

    def statements(user, query):
        return [item["statement"] for item in api(user).get("/api/v1/claims/", query).json()["results"]]

    assert statements(reviewer, {"assignee": "me"}) == ["Waiting for Rita."]
    assert statements(editor, {"assignee": "me"}) == []
    assert statements(editor, {"author": "me", "status": "draft"}) == ["Eddie's own draft."]
    assert statements(viewer, {"assignee": "me"}) == []
    assert statements(None, {"author": "me"}) == []
    assert api(reviewer).get("/api/v1/claims/", {"assignee": "rita"}).status_code == 400


# ---------------------------------------------------------------- pages


def test_the_claim_page_shows_notes_and_the_assignee_to_editors_only(
    client, make_claim, editor, viewer, reviewer
):
    claim = make_claim(vocab.Status.PUBLISHED)
    client.force_login(editor)
    response = client.post(
        f"/claims/{claim.uuid}/comments/", {"body": "Check the Italian quote, @rita"}, follow=True
    )
    assert "Check the Italian quote" in response.content.decode()
    client.post(f"/claims/{claim.uuid}/assign/", {"assignee": str(reviewer.pk)})
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "Internal notes" in page and "<strong>rita</strong>" in page
    client.force_login(viewer)
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "Internal notes" not in page and "Check the Italian quote" not in page
    assert client.post(f"/claims/{claim.uuid}/comments/", {"body": "x"}).status_code == 403
    assert Comment.objects.count() == 1


def test_an_empty_note_in_the_browser_shows_the_error_and_keeps_nothing(client, make_claim, editor):
    claim = make_claim()
    client.force_login(editor)
    response = client.post(f"/claims/{claim.uuid}/comments/", {"body": "  "})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_dashboard_puts_my_queue_first(client, make_claim, editor, reviewer):
    claim = make_claim(vocab.Status.IN_REVIEW, statement="Rita, this one is yours.")
    services.assign_claim(claim_id=claim.pk, assignee_id=reviewer.pk, by=editor)
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert html.index("Your queue") < html.index("Needs attention")
    queue = html[html.index("Your queue") : html.index("Needs attention")]
    assert "Rita, this one is yours." in queue


def test_readers_get_no_queue_and_no_me_filters(client, make_claim, viewer):
    make_claim(vocab.Status.PUBLISHED)
    client.force_login(viewer)
    assert "Your queue" not in client.get("/").content.decode()
    listing = client.get("/claims/").content.decode()
    assert 'name="assignee"' not in listing and 'name="author"' not in listing
