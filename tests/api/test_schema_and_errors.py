import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_openapi_schema_describes_every_endpoint(anon):
    response = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert {
        "/api/v1/claims/",
        "/api/v1/claims/{claim_id}/",
        "/api/v1/claims/{claim_id}/history/",
        "/api/v1/claims/{claim_id}/assessments/",
        "/api/v1/claims/{claim_id}/transitions/",
        "/api/v1/claims/csv/",
        "/api/v1/claims/sipri.csv",
        "/api/v1/claims/stix/",
        "/api/v1/feed/",
        "/api/v1/sources/{id}/checks/",
        "/api/v1/sources/{id}/check/",
        "/api/v1/actors/",
    } <= set(schema["paths"])
    patch = schema["paths"]["/api/v1/claims/{claim_id}/"]["patch"]
    assert {"400", "412", "428"} <= set(patch["responses"])
    assert "hops.1.descriptor" in schema["info"]["description"]


def test_docs_page_uses_local_assets_only(anon):
    page = anon.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_unknown_api_url_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_anonymous_writes_are_401_before_the_method_is_considered(anon):
    assert anon.delete("/api/v1/feed/").status_code == 401


def test_unsupported_method_for_a_logged_in_client_is_a_json_405(as_user, viewer):
    response = as_user(viewer).delete("/api/v1/feed/")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_anonymous_clients_are_throttled_with_retry_after(anon, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Local memory outlives the test: counts from an earlier run in this process (make mutation's) remain.
    cache.clear()
    settings.API_THROTTLE_ANON_PER_MINUTE = 2
    assert [anon.get("/api/v1/feed/").status_code for _ in range(3)] == [200, 200, 429]
    response = anon.get("/api/v1/feed/")
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 5000])
def test_numbers_python_reads_as_digits_but_cannot_parse_are_a_400_not_a_500(value, make_claim, editor):
    claim = make_claim()
    client = APIClient()
    assert client.get(f"/api/v1/claims/?page_size={value}").status_code == 400
    assert client.get(f"/api/v1/feed/?after={value}").status_code == 400
    client.force_authenticate(editor)
    patched = client.patch(
        f"/api/v1/claims/{claim.uuid}/", {"place": "Rason"}, format="json", HTTP_IF_MATCH=f'"{value}"'
    )
    assert patched.status_code == 400 and "If-Match" in patched.json()["errors"]
