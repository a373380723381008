"""The API, the exports and Atom serve the claim document, not the rows nor the audit trail."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from claims.models import ClaimDocument

pytestmark = pytest.mark.django_db

SURFACES = [
    "/api/v1/claims/{uuid}/",
    "/api/v1/claims/",
    "/api/v1/claims/csv/",
    "/api/v1/claims/stix/",
    "/api/v1/claims/{uuid}/stix/",
    "/feeds/claims.atom",
]


def statements(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response["Content-Type"]
    if kind.startswith("text/csv"):
        return [row["statement"] for row in csv.DictReader(io.StringIO(content.decode()))]
    if kind.startswith("application/atom+xml"):
        root = ET.fromstring(content)  # noqa: S314 (our own output)
        return [title.text for title in root.iter("{http://www.w3.org/2005/Atom}title")][1:]
    body = response.json()
    if "objects" in body:
        return [obj["name"] for obj in body["objects"] if obj["type"] == "report"]
    return [claim["statement"] for claim in body.get("results", [body])]


@pytest.mark.parametrize("url", SURFACES)
def test_every_read_surface_serves_the_claim_document(anon, published, url):
    document = ClaimDocument.objects.get(claim=published)
    document.body = {**document.body, "statement": "As the document says."}
    document.save()
    response = anon.get(url.format(uuid=published.uuid))
    assert response.status_code == 200
    assert statements(response) == ["As the document says."]
