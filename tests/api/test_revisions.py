"""Suggested edits over the API: an editor's PATCH of a published claim is 202, a reviewer decides."""

import pytest

from claims import services, vocab
from claims.models import FeedEvent, PendingRevision
from tests.api.test_writes import LIST, refused
from tests.conftest import claim_data

pytestmark = pytest.mark.django_db

SHELLS = "North Korea has shipped shells to Russia."


def suggest(client, claim, statement=SHELLS):
    return client.patch(
        f"{LIST}{claim.uuid}/", {"statement": statement}, format="json", HTTP_IF_MATCH=f'"{claim.version}"'
    )


def test_an_editors_patch_of_a_published_claim_is_accepted_for_review_and_changes_nothing(
    as_user, editor, published
):
    events = FeedEvent.objects.count()
    response = suggest(as_user(editor), published)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "pending" and body["base_version"] == published.version
    assert body["body"]["statement"] == SHELLS and body["proposed_by"] == "eddie"
    assert body["stale"] is False
    assert response["Location"].endswith(f"/api/v1/claims/{published.uuid}/revisions/{body['id']}/")
    claim = as_user(editor).get(f"{LIST}{published.uuid}/").json()
    assert claim["statement"] != SHELLS and claim["version"] == published.version
    assert FeedEvent.objects.count() == events


def test_a_reviewers_patch_of_a_published_claim_still_applies_at_once(as_user, reviewer, published):
    response = suggest(as_user(reviewer), published)
    assert response.status_code == 200
    assert response.json()["statement"] == SHELLS
    assert not PendingRevision.objects.exists()


def test_a_suggestion_is_validated_as_an_edit_and_refused_with_field_errors(
    as_user, editor, published, actors
):
    answer = refused(
        as_user(editor),
        "patch",
        f"{LIST}{published.uuid}/",
        {"recipient": actors["KP"].pk},
        status=400,
        HTTP_IF_MATCH=f'"{published.version}"',
    )
    assert "recipient" in answer["errors"]


def test_a_suggestion_on_a_stale_version_is_412_and_without_if_match_428(as_user, editor, published):
    refused(
        as_user(editor),
        "patch",
        f"{LIST}{published.uuid}/",
        {"statement": SHELLS},
        status=412,
        HTTP_IF_MATCH=f'"{published.version - 1}"',
    )
    refused(as_user(editor), "patch", f"{LIST}{published.uuid}/", {"statement": SHELLS}, status=428)


def test_the_reviewer_lists_the_suggestion_sees_its_diff_and_approves_it(
    as_user, editor, reviewer, published
):
    revision_id = suggest(as_user(editor), published).json()["id"]
    listed = as_user(reviewer).get(f"{LIST}{published.uuid}/revisions/").json()
    assert [item["id"] for item in listed] == [revision_id]
    detail = as_user(reviewer).get(f"{LIST}{published.uuid}/revisions/{revision_id}/").json()
    assert {"op": "added", "text": f"Statement: {SHELLS}"} in detail["diff"]
    events = FeedEvent.objects.count()
    response = as_user(reviewer).post(
        f"{LIST}{published.uuid}/revisions/{revision_id}/approve/", {"reason": "Fine."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["statement"] == SHELLS
    assert response.json()["version"] == published.version + 1
    [event] = FeedEvent.objects.all()[events:]
    assert event.type == "updated"
    state = as_user(reviewer).get(f"{LIST}{published.uuid}/revisions/{revision_id}/").json()
    assert (state["state"], state["decided_by"], state["approved_version"]) == (
        "approved",
        "rita",
        published.version + 1,
    )


def test_approving_a_stale_suggestion_is_409_and_changes_nothing(
    as_user, editor, reviewer, published, actors
):
    revision_id = suggest(as_user(editor), published).json()["id"]
    services.update_claim(
        claim_id=published.pk,
        expected_version=published.version,
        data=claim_data(actors, statement="Moved on."),
        by=reviewer,
    )
    listed = as_user(reviewer).get(f"{LIST}{published.uuid}/revisions/").json()
    assert listed[0]["stale"] is True
    answer = refused(
        as_user(reviewer), "post", f"{LIST}{published.uuid}/revisions/{revision_id}/approve/", {}, status=409
    )
    assert answer["code"] == "stale_revision" and answer["current_version"] == published.version + 1


def test_rejection_needs_a_reason_and_leaves_the_claim_and_feed_alone(as_user, editor, reviewer, published):
    revision_id = suggest(as_user(editor), published).json()["id"]
    url = f"{LIST}{published.uuid}/revisions/{revision_id}/reject/"
    answer = refused(as_user(reviewer), "post", url, {"reason": ""}, status=400)
    assert "reason" in answer["errors"]
    events = FeedEvent.objects.count()
    response = as_user(reviewer).post(url, {"reason": "Not what the source says."}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    assert FeedEvent.objects.count() == events
    # Decided once: a second decision is a 400 that changes nothing.
    refused(
        as_user(reviewer), "post", f"{LIST}{published.uuid}/revisions/{revision_id}/approve/", {}, status=400
    )


def test_editors_may_not_decide_but_withdraw_their_own(as_user, editor, other_editor, published):
    revision_id = suggest(as_user(editor), published).json()["id"]
    base = f"{LIST}{published.uuid}/revisions/{revision_id}"
    refused(as_user(editor), "post", f"{base}/approve/", {}, status=403)
    refused(as_user(editor), "post", f"{base}/reject/", {"reason": "Mine."}, status=403)
    refused(as_user(other_editor), "post", f"{base}/withdraw/", None, status=403)
    response = as_user(editor).post(f"{base}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_readers_get_404_for_suggestions(anon, as_user, viewer, editor, published):
    revision_id = suggest(as_user(editor), published).json()["id"]
    for client in (anon, as_user(viewer)):
        assert client.get(f"{LIST}{published.uuid}/revisions/").status_code == 404
        assert client.get(f"{LIST}{published.uuid}/revisions/{revision_id}/").status_code == 404


def test_a_suggestion_of_another_claim_is_404(as_user, editor, reviewer, make_claim, published):
    other = make_claim(vocab.Status.PUBLISHED, statement="Another.")
    revision_id = suggest(as_user(editor), published).json()["id"]
    refused(as_user(reviewer), "post", f"{LIST}{other.uuid}/revisions/{revision_id}/approve/", {}, status=404)


def test_the_revisions_list_runs_a_fixed_number_of_queries(
    as_user, editor, other_editor, reviewer, published, django_assert_num_queries
):
    client = as_user(reviewer)
    suggest(as_user(editor), published)
    suggest(as_user(other_editor), published, statement="Edna's.")
    for count in (2, 3):
        # The user's permissions, the claim, then the suggestions with their claim and users.
        with django_assert_num_queries(3):
            assert len(client.get(f"{LIST}{published.uuid}/revisions/").json()) == count
        suggest(as_user(editor), published, statement="Eddie's second thought.")  # supersedes his first
