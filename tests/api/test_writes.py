from datetime import timedelta

import pytest
from django.utils import timezone

from claims import vocab
from claims.models import Claim
from tests.conftest import SOURCE_URL
from tests.test_services import row_counts

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def payload(actors, **overrides) -> dict:
    values = {
        "statement": "North Korea has shipped munitions to Russia.",
        "kind": "transfer",
        "supplier": actors["KP"].pk,
        "recipient": actors["RU"].pk,
        "item_category": "ammunition",
        "stage": "shipment",
        "quantity": {"qualifier": "qualitative", "text": "limited quantities"},
        "event_date": {"start": "2023-09-01", "precision": "month"},
        "route": [
            {"position": 0, "role": "origin", "country": "KP"},
            {"position": 1, "role": "transit", "region": "Middle East", "approximate": True},
        ],
        "hops": [
            {"position": 0, "anonymity": "anonymous_institutional", "descriptor": "Washington"},
            {"position": 1, "anonymity": "outlet_voice", "speaker": actors["daily"].pk, "source": SOURCE_URL},
        ],
    }
    values.update(overrides)
    return values


def refused(client, method: str, url: str, body=None, *, status: int, **headers) -> dict:
    """A request that must be refused with `status` and leave every table as it was."""
    before = row_counts()
    response = getattr(client, method)(url, body, format="json", **headers)
    assert response.status_code == status, response.content
    assert row_counts() == before
    return response.json()


def test_editor_creates_a_draft_with_nested_hops_and_route(as_user, editor, actors):
    response = as_user(editor).post(LIST, payload(actors), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/claims/{body['id']}/")
    assert response["ETag"].startswith('"1-')
    assert body["status"] == "draft" and body["version"] == 1
    assert [hop["anonymity"] for hop in body["hops"]] == ["anonymous_institutional", "outlet_voice"]
    assert body["route"][1]["region"] == "Middle East"
    assert body["event_date"] == {"start": "2023-09-01", "end": "2023-09-30", "precision": "month"}
    assert Claim.objects.get(uuid=body["id"]).versions.count() == 1


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"recipient": "KP"}, "recipient"),
        ({"statement": ""}, "statement"),
        ({"kind": "rumour"}, "kind"),
        ({"quantity": {"qualifier": "range", "min": 10, "max": 5}}, "quantity_max"),
        ({"stance": "speculate"}, "modality"),
        ({"route": [{"position": 0, "role": "origin", "country": "UK"}]}, "route.0.country"),
        (
            {"hops": [{"position": 0, "anonymity": "anonymous_individual", "source": SOURCE_URL}]},
            "hops.0.descriptor",
        ),
        ({"hops": [{"position": 0, "anonymity": "secret"}]}, "hops.0.anonymity"),
        ({"hops": []}, "hops"),
        ({"supplier": 999999}, "supplier"),
    ],
)
def test_bad_claims_are_refused_with_dotted_field_errors_and_nothing_written(
    as_user, editor, actors, overrides, path
):
    if overrides.get("recipient") == "KP":
        overrides = {"recipient": actors["KP"].pk}
    body = refused(as_user(editor), "post", LIST, payload(actors, **overrides), status=400)
    assert body["code"] == "invalid"
    assert body["errors"][path], body


def test_viewer_cannot_create_and_anonymous_must_authenticate(as_user, viewer, anon, actors):
    assert refused(as_user(viewer), "post", LIST, payload(actors), status=403)["code"] == "permission_denied"
    assert refused(anon, "post", LIST, payload(actors), status=401)["code"] == "not_authenticated"


def test_patch_merges_fields_onto_the_current_claim(as_user, editor, make_claim):
    claim = make_claim()
    client = as_user(editor)
    response = client.patch(
        f"{LIST}{claim.uuid}/",
        {"statement": "Shells, not rockets.", "quantity": {"qualifier": "about", "min": 1000}},
        format="json",
        HTTP_IF_MATCH=f'"{claim.version}"',
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["statement"] == "Shells, not rockets." and body["version"] == claim.version + 1
    assert body["quantity"]["min"] == 1000 and body["hops"][0]["descriptor"] == "a US official"
    assert response["ETag"].startswith(f'"{claim.version + 1}-')


def test_patch_accepts_the_detail_etag_as_if_match(as_user, editor, make_claim):
    claim = make_claim()
    client = as_user(editor)
    etag = client.get(f"{LIST}{claim.uuid}/")["ETag"]
    response = client.patch(
        f"{LIST}{claim.uuid}/", {"place": "Vladivostok"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200


def test_stale_patch_is_412_with_the_current_version(as_user, editor, make_claim):
    claim = make_claim()
    client = as_user(editor)
    url = f"{LIST}{claim.uuid}/"
    client.patch(url, {"place": "first"}, format="json", HTTP_IF_MATCH=f'"{claim.version}"')
    body = refused(client, "patch", url, {"place": "second"}, status=412, HTTP_IF_MATCH=f'"{claim.version}"')
    assert body == {**body, "code": "stale_version", "current_version": claim.version + 1}
    assert Claim.objects.get(pk=claim.pk).place == "first"


def test_patch_without_if_match_is_428_and_with_garbage_is_400(as_user, editor, make_claim):
    claim = make_claim()
    url = f"{LIST}{claim.uuid}/"
    assert refused(as_user(editor), "patch", url, {"place": "x"}, status=428)["code"] == "if_match_required"
    refused(as_user(editor), "patch", url, {"place": "x"}, status=400, HTTP_IF_MATCH="*")


def test_patch_refuses_unknown_fields_and_invalid_results(as_user, editor, make_claim):
    claim = make_claim()
    url, match = f"{LIST}{claim.uuid}/", f'"{claim.version}"'
    assert (
        "statment"
        in refused(as_user(editor), "patch", url, {"statment": "x"}, status=400, HTTP_IF_MATCH=match)[
            "errors"
        ]
    )
    body = refused(as_user(editor), "patch", url, {"stance": "speculate"}, status=400, HTTP_IF_MATCH=match)
    assert "modality" in body["errors"]


def test_editor_cannot_edit_someone_elses_draft(as_user, other_editor, make_claim):
    claim = make_claim()
    refused(
        as_user(other_editor),
        "patch",
        f"{LIST}{claim.uuid}/",
        {"place": "x"},
        status=403,
        HTTP_IF_MATCH=f'"{claim.version}"',
    )


def test_reviewer_assesses_and_publishes_through_their_own_endpoints(as_user, editor, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    url = f"{LIST}{claim.uuid}/"
    response = as_user(reviewer).post(
        f"{url}assessments/",
        {"reliability": "B", "credibility": 2, "rationale": "Two officials", "likelihood": "likely"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["likelihood"] == "likely"
    response = as_user(reviewer).post(
        f"{url}transitions/",
        {"to": "published", "reason": "checked", "confirm_unverified_sources": True},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "published"
    assert [a["credibility"] for a in as_user(editor).get(f"{url}assessments/").json()] == [2]


def test_an_occurred_event_dated_in_the_future_is_a_400_on_its_date(as_user, editor, actors):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = payload(actors, modality="occurred", event_date={"start": tomorrow, "precision": "day"})
    errors = refused(as_user(editor), "post", LIST, body, status=400)["errors"]
    assert errors == {
        "event_start": ["An event that has occurred cannot be dated in the future: use planned or possible."]
    }


def test_publishing_on_an_uncaptured_source_is_a_400_until_confirmed(as_user, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    url = f"{LIST}{claim.uuid}/"
    as_user(reviewer).post(
        f"{url}assessments/", {"reliability": "B", "credibility": 3, "rationale": "ok"}, format="json"
    )
    body = refused(
        as_user(reviewer), "post", f"{url}transitions/", {"to": "published", "reason": "go"}, status=400
    )
    assert "Confirm that you publish anyway" in body["errors"]["confirm_unverified_sources"][0]
    response = as_user(reviewer).post(
        f"{url}transitions/",
        {"to": "published", "reason": "go", "confirm_unverified_sources": True},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "published"


def test_editor_may_not_assess_or_publish(as_user, editor, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    url = f"{LIST}{claim.uuid}/"
    refused(
        as_user(editor),
        "post",
        f"{url}assessments/",
        {"reliability": "B", "credibility": 2, "rationale": "x"},
        status=403,
    )
    refused(as_user(editor), "post", f"{url}transitions/", {"to": "published", "reason": "x"}, status=403)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"to": "published", "reason": "ok"}, "to"),
        ({"to": "in_review", "reason": ""}, "reason"),
        ({"to": "archived", "reason": "x"}, "to"),
        ({"reason": "x"}, "to"),
    ],
)
def test_bad_transitions_are_400(as_user, editor, make_claim, body, path):
    claim = make_claim()
    response = refused(as_user(editor), "post", f"{LIST}{claim.uuid}/transitions/", body, status=400)
    assert response["errors"][path]


def test_bad_assessment_is_400_with_field_errors(as_user, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    body = refused(
        as_user(reviewer),
        "post",
        f"{LIST}{claim.uuid}/assessments/",
        {"reliability": "B", "credibility": 1, "rationale": "sure"},
        status=400,
    )
    assert "credibility" in body["errors"]


def test_relations_are_added_and_removed(as_user, editor, make_claim):
    first, second = make_claim(), make_claim(statement="Another")
    client = as_user(editor)
    response = client.post(
        f"{LIST}{first.uuid}/relations/",
        {"to_claim": str(second.uuid), "kind": "corroborates", "independence": "possibly_shared_origin"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert client.get(f"{LIST}{second.uuid}/").json()["relations"][0]["direction"] == "in"
    relation_id = response.json()["id"]
    refused(
        client,
        "post",
        f"{LIST}{first.uuid}/relations/",
        {"to_claim": str(first.uuid), "kind": "context", "independence": "possibly_shared_origin"},
        status=400,
    )
    assert client.delete(f"{LIST}{second.uuid}/relations/{relation_id}/").status_code == 204
    assert client.get(f"{LIST}{first.uuid}/").json()["relations"] == []


def test_relating_claims_of_one_origin_as_independent_is_400_naming_the_origin(as_user, editor, make_claim):
    first, twin = make_claim(), make_claim(statement="The same official again.")
    body = refused(
        as_user(editor),
        "post",
        f"{LIST}{first.uuid}/relations/",
        {"to_claim": str(twin.uuid), "kind": "corroborates", "independence": "independent"},
        status=400,
    )
    assert "us official" in body["errors"]["independence"][0]


def test_writes_to_an_invisible_claim_are_404(as_user, viewer, make_claim):
    claim = make_claim()
    refused(
        as_user(viewer),
        "post",
        f"{LIST}{claim.uuid}/transitions/",
        {"to": "in_review", "reason": "x"},
        status=404,
    )


# ---------------------------------------------------------------- discard and revert


def test_the_author_discards_a_draft_with_delete_and_then_it_is_gone(as_user, editor, draft):
    client = as_user(editor)
    response = client.delete(f"{LIST}{draft.uuid}/")
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"{LIST}{draft.uuid}/").status_code == 404
    assert client.delete(f"{LIST}{draft.uuid}/").status_code == 404


def test_a_published_claim_cannot_be_deleted_only_retracted(as_user, reviewer, published):
    body = refused(as_user(reviewer), "delete", f"{LIST}{published.uuid}/", status=403)
    assert body["code"] == "permission_denied", body


def test_anonymous_clients_and_viewers_cannot_delete(anon, as_user, viewer, draft):
    refused(anon, "delete", f"{LIST}{draft.uuid}/", status=401)
    refused(as_user(viewer), "delete", f"{LIST}{draft.uuid}/", status=404)


def test_revert_restores_an_earlier_version_as_a_new_one(as_user, editor, draft):
    client = as_user(editor)
    url = f"{LIST}{draft.uuid}/"
    client.patch(url, {"place": "Vladivostok"}, format="json", HTTP_IF_MATCH='"1"')
    response = client.post(
        f"{url}revert/", {"to_version": 1, "reason": "Wrong port"}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 3 and body["place"] == ""
    history = client.get(f"{url}history/").json()
    assert [(item["version"], item["change"]) for item in history if item["version"] == 3] == [
        (3, "reverted to v1: Wrong port")
    ]


def test_revert_needs_if_match_and_refuses_a_stale_one(as_user, editor, draft):
    client = as_user(editor)
    url = f"{LIST}{draft.uuid}/revert/"
    client.patch(f"{LIST}{draft.uuid}/", {"place": "Vladivostok"}, format="json", HTTP_IF_MATCH='"1"')
    refused(client, "post", url, {"to_version": 1, "reason": "x"}, status=428)
    body = refused(client, "post", url, {"to_version": 1, "reason": "x"}, status=412, HTTP_IF_MATCH='"1"')
    assert body["current_version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to_version": 9, "reason": "x"}, "to_version"),
        ({"to_version": 2, "reason": "x"}, "to_version"),
        ({"to_version": 0, "reason": "x"}, "to_version"),
        ({"to_version": 1, "reason": ""}, "reason"),
        ({"reason": "x"}, "to_version"),
    ],
)
def test_revert_refuses_bad_input_field_by_field(as_user, editor, draft, body, field):
    client = as_user(editor)
    client.patch(f"{LIST}{draft.uuid}/", {"place": "Vladivostok"}, format="json", HTTP_IF_MATCH='"1"')
    answer = refused(client, "post", f"{LIST}{draft.uuid}/revert/", body, status=400, HTTP_IF_MATCH='"2"')
    assert field in answer["errors"], answer


def test_an_editors_revert_of_a_published_claim_waits_for_a_reviewer(as_user, editor, published):
    # The same review path as an edit: tests/api/test_revisions.py follows it further.
    response = as_user(editor).post(
        f"{LIST}{published.uuid}/revert/",
        {"to_version": 1, "reason": "x"},
        format="json",
        HTTP_IF_MATCH=f'"{published.version}"',
    )
    assert response.status_code == 202, response.content
    assert response.json()["reverts_to"] == 1
    version = published.version
    published.refresh_from_db()
    assert published.version == version
