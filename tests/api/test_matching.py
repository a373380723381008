"""POST /api/v1/claims/match/: suggestions for a claim being written; nothing is written."""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from claims import matching, vocab
from claims.models import Actor
from tests.api.test_writes import payload
from tests.test_services import row_counts

pytestmark = pytest.mark.django_db

MATCH = "/api/v1/claims/match/"


def match(client, body, status: int = 200) -> dict:
    before = row_counts()
    response = client.post(MATCH, body, format="json")
    assert response.status_code == status, response.content
    assert row_counts() == before  # a match writes nothing, whatever it answers
    return response.json()


def test_a_statement_alone_finds_a_published_claim_that_says_the_same(as_user, viewer, published):
    body = match(as_user(viewer), {"statement": "North Korea shipped munitions to Russia"})
    [found] = body["suggestions"]
    assert found["id"] == str(published.uuid)
    assert found["statement"] == published.statement
    assert matching.THRESHOLD <= found["score"] <= 1
    assert found["reasons"] == [matching.SIMILAR_STATEMENT]


def test_a_whole_write_body_is_scored_on_its_structure_too(as_user, viewer, actors, published):
    body = match(as_user(viewer), payload(actors, statement="Pyongyang sent shells to Moscow."))
    [found] = body["suggestions"]
    assert found["id"] == str(published.uuid)
    assert {matching.SAME_PARTIES, matching.SAME_ITEM, matching.SAME_STAGE} <= set(found["reasons"])


def test_suggestions_come_best_first(as_user, viewer, make_claim):
    close = make_claim(
        vocab.Status.PUBLISHED, statement="North Korea has shipped artillery shells to Russia."
    )
    far = make_claim(vocab.Status.PUBLISHED, statement="North Korea shipped some shells to Russia by rail.")
    body = match(as_user(viewer), {"statement": "North Korea has shipped artillery shells to Russia"})
    ids = [found["id"] for found in body["suggestions"]]
    assert ids == [str(close.uuid), str(far.uuid)]
    assert body["suggestions"][0]["score"] > body["suggestions"][1]["score"]


def test_another_recipient_is_not_the_same_proposition(as_user, viewer, actors, published):
    body = match(as_user(viewer), payload(actors, recipient=actors["CN"].pk))
    assert body["suggestions"] == []


def test_a_draft_is_never_suggested_to_a_viewer_but_is_to_an_editor(as_user, viewer, editor, make_claim):
    draft = make_claim(vocab.Status.DRAFT)
    probe = {"statement": draft.statement}
    assert match(as_user(viewer), probe)["suggestions"] == []
    assert [found["id"] for found in match(as_user(editor), probe)["suggestions"]] == [str(draft.uuid)]


def test_the_claim_being_edited_is_left_out(as_user, editor, published):
    body = match(as_user(editor), {"statement": published.statement, "exclude": str(published.uuid)})
    assert body["suggestions"] == []


def test_a_body_naming_nothing_to_compare_suggests_nothing(as_user, viewer, published):
    assert match(as_user(viewer), {})["suggestions"] == []
    assert match(as_user(viewer), {"kind": "transfer"})["suggestions"] == []


def test_every_field_is_checked_as_the_write_shape_documents_it_though_none_is_required(as_user, viewer):
    errors = match(as_user(viewer), {"statement": " ", "designation": "x" * 1000}, status=400)["errors"]
    assert set(errors) == {"statement", "designation"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"statement": ["a", "list"]}, "statement"),
        ({"statement": "x", "supplier": "Russia"}, "supplier"),
        ({"statement": "x", "participants": "all"}, "participants"),
        ({"statement": "x", "hops": "none"}, "hops"),
        ({"statement": "x", "hops": ["a hop"]}, "hops.0"),
        ({"statement": "x", "hops": [{"quote": {"it": "ciao"}}]}, "hops.0.quote"),
        ({"statement": "x", "event_date": "2023"}, "event_date"),
        ({"statement": "x", "event_date": {"start": "autumn"}}, "event_date.start"),
        ({"statement": "x" * 1001}, "statement"),
        ({"statement": "x", "hops": [{"quote": "q" * 5001}]}, "hops.0.quote"),
        ({"statement": "x", "hops": [{"source": "https://e.org/" + "a" * 2000}]}, "hops.0.source"),
        ({"statement": "x", "item_category": "teleport"}, "item_category"),
        ({"statement": "x", "exclude": "not-a-uuid"}, "exclude"),
        ({"statement": "x", "exclude": 7}, "exclude"),
    ],
)
def test_malformed_input_is_a_400_keyed_by_field(as_user, viewer, body, field):
    errors = match(as_user(viewer), body, status=400)["errors"]
    assert field in errors, errors


def test_a_body_that_is_not_an_object_is_a_400(as_user, viewer):
    assert "non_field_errors" in match(as_user(viewer), ["statement"], status=400)["errors"]


def test_actor_ids_no_actor_has_are_a_400_naming_each(as_user, viewer, actors):
    missing = Actor.objects.order_by("-pk").first().pk + 1
    body = {
        "statement": "x",
        "supplier": missing,
        "hops": [{"speaker": actors["RU"].pk, "affiliation": missing}],
    }
    errors = match(as_user(viewer), body, status=400)["errors"]
    assert errors == {"supplier": ["No such actor."], "hops.0.affiliation": ["No such actor."]}


def test_anonymous_clients_may_not_match(anon, published):
    match(anon, {"statement": published.statement}, status=401)


def test_a_browser_session_needs_its_csrf_token(editor, published):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    match(client, {"statement": published.statement}, status=403)


def test_matching_counts_against_the_clients_request_budget(as_user, viewer, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.API_THROTTLE_USER_PER_MINUTE = 2
    client = as_user(viewer)
    codes = [client.post(MATCH, {"statement": "x"}, format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# The actors the body names (one query), the user's permissions (two, for what they may see), the
# candidates of every path the body opens (same parties, a shared source URL, the words of the
# statement and quotes: one query on PostgreSQL, one per path on SQLite), then their hops.
QUERIES = 1 + 2 + (1 if connection.vendor == "postgresql" else 3) + 1


@pytest.mark.parametrize("claims", [1, 8])
def test_a_match_takes_the_same_queries_whatever_the_number_of_candidates(
    as_user, viewer, actors, make_claim, django_assert_num_queries, claims
):
    for _ in range(claims):
        make_claim(vocab.Status.PUBLISHED)
    client = as_user(viewer)
    with django_assert_num_queries(QUERIES):
        body = client.post(MATCH, payload(actors), format="json").json()
    assert len(body["suggestions"]) == claims
