from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services, vocab
from claims.api.serializers import ClaimSerializer
from claims.models import Claim, ClaimDocument, ClaimVersion, Source
from claims.projection import SCHEMA_VERSION
from claims.representation import represent_claim
from tests.api.conftest import DOCUMENT_QUERIES
from tests.conftest import claim_data

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def detail(claim) -> str:
    return f"/api/v1/claims/{claim.uuid}/"


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


# --- reading ------------------------------------------------------------------------------------


def test_detail_is_the_design_shape_with_nested_actors_hops_route_and_assessment(anon, published):
    body = anon.get(detail(published)).json()
    assert body["id"] == str(published.uuid)
    assert body["supplier"] == {
        "id": published.supplier_id,
        "name": "North Korea",
        "kind": "state",
        "country": "KP",
    }
    assert body["hops"][0]["descriptor"] == "a US official"
    assert body["hops"][0]["source"] == "https://news.example.org/2023/09/arms"
    assert body["assessment"]["reliability"] == "B" and body["assessment"]["credibility"] == 3
    assert body["sources"][0]["liveness"] == "unchecked"
    assert body["status"] == "published" and body["version"] == published.version


def test_declared_serializer_fields_match_the_representation(published):
    claim = Claim.objects.with_details().get(pk=published.pk)
    assert list(ClaimSerializer().fields) == list(represent_claim(claim))


def test_list_shows_published_and_retracted_to_anonymous_and_viewers(
    anon, as_user, viewer, make_claim, draft
):
    shown = {make_claim(vocab.Status.PUBLISHED).uuid, make_claim(vocab.Status.RETRACTED).uuid}
    make_claim(vocab.Status.IN_REVIEW)
    for client in (anon, as_user(viewer)):
        assert {item for item in ids(client.get(LIST))} == {str(u) for u in shown}


def test_editors_and_reviewers_see_drafts(as_user, editor, reviewer, draft, published):
    for user in (editor, reviewer):
        assert str(draft.uuid) in ids(as_user(user).get(LIST))
        assert as_user(user).get(detail(draft)).status_code == 200


def test_draft_detail_is_404_for_anonymous_and_viewers(anon, as_user, viewer, draft):
    for client in (anon, as_user(viewer)):
        response = client.get(detail(draft))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_history_of_a_draft_is_404_and_of_a_published_claim_hides_its_draft_versions(
    anon, as_user, reviewer, draft, published
):
    assert anon.get(f"{detail(draft)}history/").status_code == 404
    public = anon.get(f"{detail(published)}history/").json()
    assert [entry["claim"]["status"] for entry in public] == ["published"]
    everything = as_user(reviewer).get(f"{detail(published)}history/").json()
    assert [entry["version"] for entry in everything] == sorted(
        ClaimVersion.objects.filter(claim=published).values_list("version", flat=True), reverse=True
    )
    assert everything[0]["changed_by"] == "rita" and everything[-1]["change"] == "created"


def test_relation_to_a_draft_is_not_revealed_to_anonymous(anon, as_user, editor, reviewer, published, draft):
    services.add_relation(
        from_claim_id=published.pk,
        to_claim_id=draft.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    assert anon.get(detail(published)).json()["relations"] == []
    assert all(entry["claim"]["relations"] == [] for entry in anon.get(f"{detail(published)}history/").json())
    assert anon.get("/api/v1/feed/").json()["events"][-1]["claim"]["relations"] == []
    assert as_user(editor).get(detail(published)).json()["relations"][0]["claim_id"] == str(draft.uuid)


def test_relation_between_two_published_claims_shows_to_anonymous_in_detail_history_and_feed(
    anon, reviewer, make_claim, published, draft
):
    other = make_claim(vocab.Status.PUBLISHED, statement="Another published claim.")
    for target in (other, draft):
        services.add_relation(
            from_claim_id=published.pk,
            to_claim_id=target.pk,
            kind="corroborates",
            independence="possibly_shared_origin",
            by=reviewer,
        )
    shown = [str(other.uuid)]
    assert [r["claim_id"] for r in anon.get(detail(published)).json()["relations"]] == shown
    latest = anon.get(f"{detail(published)}history/").json()[0]
    assert [r["claim_id"] for r in latest["claim"]["relations"]] == shown
    feed = anon.get("/api/v1/feed/").json()["events"][-1]["claim"]
    assert [r["claim_id"] for r in feed["relations"]] == shown


def test_public_api_off_means_every_read_needs_authentication(settings, anon, as_user, viewer, published):
    settings.PUBLIC_API = False
    for url in (
        LIST,
        detail(published),
        "/api/v1/feed/",
        "/api/v1/actors/",
        "/api/v1/sources/",
        "/api/v1/claims/csv/",
    ):
        response = anon.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Bearer"
    assert anon.get("/feeds/claims.atom").status_code == 401
    assert as_user(viewer).get(LIST).status_code == 200


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def varied(make_claim, actors, reviewer):
    """Three published claims that differ on every filterable field."""
    shells = make_claim(
        vocab.Status.PUBLISHED,
        statement="Artillery shells shipped by rail.",
        event_start=date(2023, 9, 1),
        event_precision="month",
    )
    drones = make_claim(
        vocab.Status.PUBLISHED,
        statement="Drones delivered to the front.",
        supplier_id=actors["CN"].pk,
        item_category="dual_use",
        stage="delivery",
        event_start=date(2024, 1, 10),
        event_precision="day",
    )
    talks = make_claim(
        vocab.Status.PUBLISHED,
        statement="Talks on missiles.",
        recipient_id=actors["US"].pk,
        item_category="missiles",
        stage="negotiation",
    )
    services.add_assessment(claim_id=drones.pk, by=reviewer, reliability="E", credibility=5, rationale="thin")
    return {"shells": shells, "drones": drones, "talks": talks}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("item_category=dual_use", {"drones"}),
        ("stage=negotiation", {"talks"}),
        ("status=published", {"shells", "drones", "talks"}),
        ("recipient=US", {"talks"}),
        ("supplier=CN", {"drones"}),
        ("credibility=3", {"shells", "talks"}),
        ("reliability=B", {"shells", "talks"}),
        ("event_after=2023-09-30", {"shells", "drones"}),
        ("event_after=2023-10-01", {"drones"}),
        ("event_before=2023-09-15", {"shells"}),
        ("event_after=2023-09-10&event_before=2023-12-31", {"shells"}),
        ("q=drones", {"drones"}),
    ],
)
def test_filters_select_the_matching_claims(anon, varied, query, expected):
    wanted = {str(varied[name].uuid) for name in expected}
    assert set(ids(anon.get(f"{LIST}?{query}"))) == wanted


def test_recipient_filter_takes_an_actor_id(anon, varied, actors):
    assert set(ids(anon.get(f"{LIST}?recipient={actors['US'].pk}"))) == {str(varied["talks"].uuid)}


def test_updated_after_keeps_claims_changed_since(anon, varied):
    cut = Claim.objects.get(pk=varied["drones"].pk).updated_at
    found = set(ids(anon.get(LIST, {"updated_after": cut.isoformat()})))
    assert str(varied["drones"].uuid) not in found
    assert found == {str(c.uuid) for c in Claim.objects.filter(updated_at__gt=cut)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("recipient=UK", "recipient"),
        ("supplier=russia", "supplier"),
        ("item_category=tanks", "item_category"),
        ("status=secret", "status"),
        ("credibility=7", "credibility"),
        ("credibility=high", "credibility"),
        ("reliability=G", "reliability"),
        ("event_after=yesterday", "event_after"),
        ("updated_after=2024-13-01", "updated_after"),
        ("page_size=501", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
    ],
)
def test_invalid_filter_values_are_a_400_with_a_message(anon, published, query, field):
    response = anon.get(f"{LIST}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["errors"][field][0]


# --- pagination and query counts ----------------------------------------------------------------


def test_cursor_pages_walk_every_claim_once_newest_first(anon, make_claim):
    made = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}") for n in range(5)]
    seen, url = [], f"{LIST}?page_size=2"
    while url:
        body = anon.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert seen == [str(c.uuid) for c in reversed(made)]


@pytest.mark.parametrize("size", [1, 500])
def test_page_size_accepts_both_ends_of_its_range(anon, make_claim, size):
    for n in range(2):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}")
    response = anon.get(f"{LIST}?page_size={size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(size, 2)


def test_page_size_past_either_end_is_refused_with_the_range(anon, published):
    for size in ("0", "501"):
        response = anon.get(f"{LIST}?page_size={size}")
        assert response.status_code == 400
        assert response.json()["errors"]["page_size"] == [f"Give a whole number from 1 to 500, not '{size}'."]


def test_default_page_is_fifty_claims(anon, actors, editor):
    _bulk_published(51, actors, editor)
    body = anon.get(LIST).json()
    assert len(body["results"]) == 50 and body["next"]


def test_openapi_bounds_page_size_from_1_to_500_and_allows_an_empty_cursor(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert parameters["cursor"]["allowEmptyValue"] is True


def _bulk_published(count: int, actors, editor) -> None:
    """Copies of one published claim, inserted directly: the query count, not the services, is tested."""
    template = services.create_claim(data=claim_data(actors), by=editor)
    hop = template.hops.get()
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Claim {n}",
            kind="transfer",
            supplier_id=template.supplier_id,
            recipient_id=template.recipient_id,
            item_category="ammunition",
            stage="shipment",
            status="published",
            created_by=editor,
            updated_by=editor,
        )
        for n in range(count)
    )
    type(hop).objects.bulk_create(
        type(hop)(claim=claim, position=0, anonymity=hop.anonymity, descriptor="x", source=hop.source)
        for claim in claims
    )
    body = template.document.body
    ClaimDocument.objects.bulk_create(
        ClaimDocument(
            claim=claim,
            schema_version=SCHEMA_VERSION,
            body={**body, "id": str(claim.uuid), "statement": claim.statement, "status": "published"},
        )
        for claim in claims
    )


@pytest.mark.parametrize("count", [1, 50, 500])
def test_list_runs_the_same_number_of_queries_at_any_size(
    anon, actors, editor, count, django_assert_num_queries
):
    _bulk_published(count, actors, editor)
    # 1 page, with its ETag stamps (and on PostgreSQL its documents)
    with django_assert_num_queries(1 + DOCUMENT_QUERIES):
        response = anon.get(f"{LIST}?page_size=500")
    assert len(response.json()["results"]) == count


# --- conditional GET ----------------------------------------------------------------------------


def test_detail_answers_304_to_its_etag_without_building_the_body(anon, published, monkeypatch):
    first = anon.get(detail(published))
    etag = first["ETag"]
    built = []
    monkeypatch.setattr("claims.selectors.current_representations", lambda claims, **_: built.append(claims))
    with CaptureQueriesContext(connection) as queries:
        again = anon.get(detail(published), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert built == [] and len(queries) == 2  # the claim and its sources' ETag stamp


def test_list_answers_304_to_its_etag_without_building_the_body(anon, published, monkeypatch):
    etag = anon.get(LIST)["ETag"]
    monkeypatch.setattr("claims.selectors.current_representations", pytest.fail)
    with CaptureQueriesContext(connection) as queries:
        assert anon.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(queries) == 1  # the page, with its ETag stamps


def test_a_weak_etag_from_a_compressing_proxy_still_gets_a_304(anon, published):
    etag = anon.get(detail(published))["ETag"]
    assert anon.get(detail(published), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    list_etag = anon.get(LIST)["ETag"]
    assert anon.get(LIST, HTTP_IF_NONE_MATCH=f'"other", W/{list_etag}').status_code == 304


def test_if_none_match_star_gets_a_304_with_the_current_etag(anon, published):
    etag = anon.get(detail(published))["ETag"]
    again = anon.get(detail(published), HTTP_IF_NONE_MATCH="*")
    assert again.status_code == 304 and again["ETag"] == etag


def test_an_etag_the_client_does_not_hold_gets_the_full_body(anon, published):
    etag = anon.get(detail(published))["ETag"]
    for header in ('"stale"', f'W/{etag[:-2]}x"', ""):
        response = anon.get(detail(published), HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 200 and response.json()["id"] == str(published.uuid)
        assert response["ETag"] == etag


def test_etags_change_with_a_new_version_source_health_or_actor_rename(anon, published, reviewer, actors):
    seen = {anon.get(detail(published))["ETag"], anon.get(LIST)["ETag"]}
    services.add_assessment(
        claim_id=published.pk, by=reviewer, reliability="C", credibility=3, rationale="again"
    )
    seen |= {anon.get(detail(published))["ETag"], anon.get(LIST)["ETag"]}
    Source.objects.update(liveness="dead", last_checked_at="2030-01-01T00:00:00Z")
    seen |= {anon.get(detail(published))["ETag"], anon.get(LIST)["ETag"]}
    actors["KP"].name = "DPRK"
    actors["KP"].save()
    seen |= {anon.get(detail(published))["ETag"], anon.get(LIST)["ETag"]}
    assert len(seen) == 8


def test_a_new_claim_changes_the_list_etag(anon, make_claim, published):
    before = anon.get(LIST)["ETag"]
    make_claim(vocab.Status.PUBLISHED, statement="Another")
    assert anon.get(LIST, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_readers_with_and_without_drafts_get_different_etags_for_the_same_claim(
    anon, as_user, editor, published
):
    assert anon.get(detail(published))["ETag"] != as_user(editor).get(detail(published))["ETag"]
    assert anon.get(LIST)["ETag"] != as_user(editor).get(LIST)["ETag"]
