"""List endpoints take their documented query parameters and refuse any other with a 400."""

import pytest

from claims.filtering import ActorOrCountryField, ClaimFilter
from claims.models import Source

pytestmark = pytest.mark.django_db

CLAIM_PARAMETERS = [
    "supplier",
    "recipient",
    "item_category",
    "stage",
    "status",
    "credibility",
    "reliability",
    "event_after",
    "event_before",
    "updated_after",
    "updated_before",
    "involving",
    "said_by",
    "assignee",
    "author",
    "review_due",
    "q",
    "cursor",
    "page_size",
    "format",
]
LISTS = {
    "/api/v1/claims/": CLAIM_PARAMETERS,
    "/api/v1/claims/csv/": [name for name in CLAIM_PARAMETERS if name not in ("cursor", "page_size")],
    "/api/v1/claims/stix/": [name for name in CLAIM_PARAMETERS if name not in ("cursor", "page_size")],
    "/api/v1/claims/sipri.csv": [name for name in CLAIM_PARAMETERS if name not in ("cursor", "page_size")],
    "/api/v1/actors/": ["q", "kind", "country", "cursor", "page_size", "format"],
    "/api/v1/sources/": ["liveness", "cursor", "page_size", "format"],
    "/api/v1/sources/{source}/checks/": ["cursor", "page_size", "format"],
    "/api/v1/feed/": ["after", "limit", "format"],
}
# A value each parameter accepts, to prove that every documented name is taken.
VALID = {
    "supplier": "ru",
    "recipient": "KP",
    "item_category": "ammunition",
    "stage": "shipment",
    "status": "published",
    "credibility": "6",
    "reliability": "F",
    "event_after": "2000-01-01",
    "event_before": "2100-01-01",
    "updated_after": "2000-01-01T00:00:00Z",
    "updated_before": "2100-01-01T00:00:00Z",
    "involving": "ru",
    "said_by": "us",
    "assignee": "me",
    "author": "me",
    "review_due": "false",
    "q": "",
    "cursor": "",
    "page_size": "10",
    "format": "json",
    "kind": "state",
    "country": "ru",
    "liveness": "unchecked",
    "after": "0",
    "limit": "10",
}


def _url(path: str) -> str:
    return path.format(source=Source.objects.get().pk)


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_parameter_is_a_400_that_names_the_accepted_ones(anon, published, path):
    response = anon.get(
        _url(path), {"recipent": "RU", "stage": ""} if "claims" in path else {"recipent": "RU"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_parameter"
    assert body["errors"] == {"recipent": ["Not a parameter of this endpoint."]}
    assert "recipent" in body["detail"]
    for name in LISTS[path]:
        assert name in body["detail"], name


@pytest.mark.parametrize("path", LISTS)
def test_every_documented_parameter_is_accepted_at_once(anon, published, path):
    # ?format= names one of the endpoint's own formats: the exports have theirs.
    own_format = {
        "/api/v1/claims/csv/": "csv",
        "/api/v1/claims/sipri.csv": "csv",
        "/api/v1/claims/stix/": "stix",
    }.get(path, "json")
    response = anon.get(_url(path), {name: VALID[name] for name in LISTS[path]} | {"format": own_format})
    assert response.status_code == 200, response.content


def test_the_unknown_parameter_is_refused_before_a_bad_value_is_judged(anon, published):
    body = anon.get("/api/v1/claims/", {"credibility": "7", "credibilty": "3"}).json()
    assert body["code"] == "unknown_parameter" and list(body["errors"]) == ["credibilty"]


def test_detail_endpoints_are_not_lists_and_keep_ignoring_extra_parameters(anon, published):
    assert anon.get(f"/api/v1/claims/{published.uuid}/", {"utm_source": "mail"}).status_code == 200


def test_a_lowercase_country_filters_actors_too(anon, actors):
    names = {actor["name"] for actor in anon.get("/api/v1/actors/", {"country": "us"}).json()["results"]}
    assert names == {"United States", "John Kirby"}
    response = anon.get("/api/v1/actors/", {"country": "uk"})
    assert response.status_code == 400 and response.json()["errors"]["country"]


def test_the_schema_describes_every_claim_filter_and_the_400(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listing = schema["paths"]["/api/v1/claims/"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"] if p["in"] == "query"}
    assert set(parameters) == set(CLAIM_PARAMETERS) - {"format"}
    assert parameters["recipient"]["schema"]["type"] == "string"
    assert "any case" in parameters["recipient"]["description"]
    assert "B keeps A and B" in parameters["reliability"]["description"]
    assert "unknown_parameter" in listing["responses"]["400"]["description"]
    for path in ("/api/v1/claims/csv/", "/api/v1/actors/", "/api/v1/feed/"):
        assert "unknown_parameter" in schema["paths"][path]["get"]["responses"]["400"]["description"]


def test_a_list_asked_for_no_filter_builds_no_filter_form(anon, published, monkeypatch):
    # Building and validating ClaimFilter's form costs a tenth of a list page: only a filter asks for it.
    monkeypatch.setattr(ClaimFilter, "__init__", lambda *args, **kwargs: pytest.fail("built a filter form"))
    response = anon.get("/api/v1/claims/", {"page_size": "10", "cursor": ""})
    assert response.status_code == 200 and response.json()["results"]


def test_a_filtered_list_builds_the_form_fields_of_the_filters_asked_for_only(anon, published, monkeypatch):
    monkeypatch.setattr(
        ActorOrCountryField, "__init__", lambda *args, **kwargs: pytest.fail("built supplier")
    )
    response = anon.get("/api/v1/claims/", {"q": "", "stage": "shipment"})
    assert response.status_code == 200
    assert anon.get("/api/v1/claims/", {"stage": "shipping"}).status_code == 400  # still validated
