"""Each export answers its format's own media type, as a real HTTP client asks for it."""

import csv
import io

import httpx
import pytest

from claims import vocab
from claims.api.negotiation import satisfies

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STIX = "application/stix+json;version=2.1"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Accept header (None: none sent) → the Content-Type served, or None for a 406.
CSV_CASES = {
    None: "text/csv",
    "*/*": "text/csv",
    "text/csv": "text/csv",
    "text/*": "text/csv",
    "text/csv; charset=utf-8": "text/csv",
    BROWSER: "text/csv",
    "application/json": None,
    STIX: None,
    "text/csv;charset=latin-1": None,
    "text/csv;q=0, */*;q=0.1": None,
}
STIX_CASES = {
    None: STIX,
    "*/*": STIX,
    STIX: STIX,
    "application/stix+json; version=2.1": STIX,
    "application/stix+json": STIX,
    "application/json": "application/json",
    "application/json, application/stix+json;version=2.1": STIX,  # the more specific entry
    "application/json, application/stix+json;version=2.1;q=0.5": "application/json",
    BROWSER: STIX,
    "application/stix+json;version=2.0": None,
    "text/csv": None,
    "application/taxii+json;version=2.1": None,
}


def get(client: httpx.Client, url: str, accept: str | None) -> httpx.Response:
    # httpx sends Accept: */* unless told otherwise; None here means no Accept header at all.
    request = client.build_request("GET", url)
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    return client.send(request)


def served(response: httpx.Response, offered: list[str]) -> str | None:
    if response.status_code == 406:
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": "Could not satisfy the request Accept header.",
            "code": "not_acceptable",
            "offered": offered,
        }
        return None
    assert response.status_code == 200, response.text[:300]
    return response.headers["Content-Type"].split(";")[0] + (
        ";version=2.1" if "version=2.1" in response.headers["Content-Type"] else ""
    )


def test_the_csv_export_answers_text_csv_and_refuses_other_types(live_server, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        for accept, expected in CSV_CASES.items():
            response = get(client, "/api/v1/claims/csv/", accept)
            assert served(response, ["text/csv;charset=utf-8"]) == expected, accept
            if expected:
                rows = list(csv.DictReader(io.StringIO(response.text)))
                assert len(rows) == 1 and "Accept" in response.headers["Vary"]


def test_the_stix_exports_answer_the_stix_media_type_and_json(live_server, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        for url in ("/api/v1/claims/stix/", f"/api/v1/claims/{claim.uuid}/stix/"):
            for accept, expected in STIX_CASES.items():
                response = get(client, url, accept)
                assert served(response, [STIX, "application/json"]) == expected, (url, accept)
                if expected:
                    assert response.json()["type"] == "bundle"


def test_errors_of_an_export_are_json_whatever_was_asked_for(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        bad_filter = get(client, "/api/v1/claims/csv/?stage=rumour", "text/csv")
        assert bad_filter.status_code == 400
        assert bad_filter.headers["Content-Type"] == "application/json"
        assert bad_filter.json()["code"] == "invalid"
        missing = get(client, "/api/v1/claims/00000000-0000-4000-8000-000000000000/stix/", STIX)
        assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("offered", "accepted", "expected"),
    [
        (STIX, "application/stix+json", True),
        (STIX, "application/stix+json;version=2.0", False),
        (STIX, "application/STIX+json; VERSION=2.1", True),
        (STIX, "application/*", True),
        ("text/csv;charset=utf-8", "text/csv;charset=UTF-8", True),
    ],
)
def test_a_client_parameter_must_be_met(offered, accepted, expected):
    assert satisfies(offered, accepted) is expected


@pytest.mark.django_db
def test_the_openapi_schema_names_each_exports_media_types_and_json_errors(client):
    spec = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, media_types in (
        ("/api/v1/claims/csv/", ["text/csv"]),
        ("/api/v1/claims/sipri.csv", ["text/csv"]),
        ("/api/v1/claims/stix/", [STIX, "application/json"]),
        ("/api/v1/claims/{claim_id}/stix/", [STIX, "application/json"]),
    ):
        responses = spec["paths"][path]["get"]["responses"]
        assert list(responses["200"]["content"]) == media_types, path
        assert list(responses["406"]["content"]) == ["application/json"], path
        assert (
            "offered" in str(responses["406"]["content"]["application/json"]["schema"])
            or spec["components"]["schemas"]["NotAcceptable"]["properties"]["offered"]
        )


def test_a_format_the_export_does_not_have_is_a_406_and_its_own_name_is_served(client, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    for url in ("/api/v1/claims/stix/", f"/api/v1/claims/{claim.uuid}/stix/", "/api/v1/claims/csv/"):
        refused = client.get(url, {"format": "Ugn\u0084"})
        assert refused.status_code == 406 and refused.json()["code"] == "not_acceptable", url
    assert client.get("/api/v1/claims/stix/", {"format": "stix"}).status_code == 200
    csv_response = client.get("/api/v1/claims/csv/", {"format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
