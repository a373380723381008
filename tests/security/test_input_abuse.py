"""Hostile input: oversize, deeply nested, badly encoded or mistyped bodies, and markup in every text field.

The schemathesis run over the whole API is in test_schemathesis.py; CSV neutralising per dangerous first
character is unit-tested in
tests/api/test_exports.py::test_neutralising_is_reversible_for_every_dangerous_start.
"""

import base64
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import httpx
import pytest
from django.conf import settings

from claims import services, vocab
from claims.models import Actor, Claim, Source
from claims.tokens import create_api_token
from tests.api.test_writes import payload
from tests.conftest import hop

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def editor_api(api_client):
    return api_client("editor")


def refused_as_json(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# ---------------------------------------------------------------- bodies


def test_an_oversize_body_is_refused_with_json_and_nothing_is_written(editor_api, actors):
    padding = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = json.dumps({**payload(actors), "padding": padding})
    response = editor_api.post(CLAIMS, body, content_type="application/json")
    assert refused_as_json(response, 413)["code"] == "too_large"
    assert Claim.objects.count() == 0


def nested(depth: int, shape: str) -> str:
    """Valid JSON: a list nested depth deep, at the top level or as a claim's statement."""
    lists = "[" * depth + "]" * depth
    return lists if shape == "top" else '{"statement": ' + lists + "}"


def assert_parse_error(response) -> None:
    body = refused_as_json(response, 400)
    assert body["code"] == "parse_error", body
    assert "nested" in body["detail"], body


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
@pytest.mark.parametrize("shape", ["top", "statement"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(editor_api, depth, shape):
    response = editor_api.post(CLAIMS, nested(depth, shape), content_type="application/json")
    assert_parse_error(response)
    assert Claim.objects.count() == 0


def test_json_nested_just_past_the_limit_is_refused_and_a_real_claim_is_not(editor_api, actors):
    # 33 levels: deep enough to be refused, shallow enough that the decoder itself never recurses out.
    assert_parse_error(editor_api.post(CLAIMS, nested(33, "top"), content_type="application/json"))
    assert editor_api.post(CLAIMS, payload(actors), format="json").status_code == 201


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_on_every_write_endpoint(make_claim, api_client, depth):
    draft, published = make_claim(), make_claim(vocab.Status.PUBLISHED)
    reviewer = api_client("reviewer")
    base = f"{CLAIMS}{draft.uuid}/"
    for method, url, headers in [
        ("patch", base, {"HTTP_IF_MATCH": f'"{draft.version}"'}),
        ("post", f"{CLAIMS}{published.uuid}/assessments/", {}),
        ("post", f"{base}transitions/", {}),
        ("post", f"{base}relations/", {}),
    ]:
        for shape in ("top", "statement"):
            response = getattr(reviewer, method)(
                url, nested(depth, shape), content_type="application/json", **headers
            )
            assert_parse_error(response)
    draft.refresh_from_db()
    assert (draft.version, draft.status) == (1, vocab.Status.DRAFT)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_through_a_live_server(live_server, editor, depth):
    token = create_api_token(user=editor, name="nesting")
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        for shape in ("top", "statement"):
            response = client.post(
                CLAIMS,
                content=nested(depth, shape).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            assert response.status_code == 400, response.text[:300]
            assert response.headers["Content-Type"].startswith("application/json")
            assert response.json()["code"] == "parse_error"
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{}", b'{"statement": "\xc3\x28"}', b'{"statement": "\xed\xa0\x80"}', b"\xc0\xaf"],
    ids=["bom-like", "bad-continuation", "encoded-surrogate", "overlong-slash"],
)
def test_invalid_utf8_is_a_400(editor_api, body):
    body_json = refused_as_json(editor_api.post(CLAIMS, body, content_type="application/json"), 400)
    assert body_json["code"] == "parse_error" and body_json["errors"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "text/html",
    ],
)
def test_bodies_that_are_not_json_are_a_415(editor_api, actors, content_type):
    body = json.dumps(payload(actors))
    refused_as_json(editor_api.post(CLAIMS, body, content_type=content_type), 415)
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    "value", ["2024-05-01T00:00:00+17:10", "2024-05-01T00:00:00-23:59", "9999-12-31T23:59:59-05:00"]
)
def test_date_times_with_extreme_offsets_are_answered_not_a_500(api_client, value):
    # Found by schemathesis on PostgreSQL, which refuses offsets beyond ±15:59.
    response = api_client("anonymous").get(CLAIMS, {"updated_after": value})
    assert response.status_code in (200, 400), response.content[:300]
    assert Claim.objects.count() == 0  # and the connection is still usable
    assert api_client("anonymous").get(CLAIMS).status_code == 200


# ---------------------------------------------------------------- forged query parameters


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FORGED_CURSORS = [
    "bogus",
    b64("p=abc"),
    b64("p=1e5"),
    b64("o=1&r=1&p=abc"),
    b64("p=-1"),
    b64("p=%C2%B2"),  # a superscript two: a digit to str.isdigit, not to int()
    b64(f"p={2**64}"),
]


@pytest.mark.parametrize("url", [CLAIMS, "/api/v1/actors/", "/api/v1/sources/", "source-checks"])
@pytest.mark.parametrize("cursor", FORGED_CURSORS)
def test_a_forged_cursor_is_a_400_invalid_cursor(make_claim, api_client, url, cursor):
    make_claim(vocab.Status.PUBLISHED)
    if url == "source-checks":
        url = f"/api/v1/sources/{Source.objects.get().pk}/checks/"
    response = api_client("anonymous").get(url, {"cursor": cursor})
    body = refused_as_json(response, 400)
    assert body["code"] == "invalid_cursor", body
    assert body["errors"]["cursor"] == ["This cursor is not one we issued: start again."]


def test_a_cursor_at_the_largest_id_pages_and_one_past_it_is_refused(make_claim, api_client):
    claim = make_claim(vocab.Status.PUBLISHED)
    client = api_client("anonymous")
    largest = client.get(CLAIMS, {"cursor": b64(f"p={2**63 - 1}")})
    assert largest.status_code == 200
    assert [item["id"] for item in largest.json()["results"]] == [str(claim.uuid)]
    body = refused_as_json(client.get(CLAIMS, {"cursor": b64(f"p={2**63}")}), 400)
    assert body["code"] == "invalid_cursor", body


EXPORTS = [CLAIMS, "/api/v1/claims/csv/", "/api/v1/claims/stix/"]


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize("name", ["supplier", "recipient"])
@pytest.mark.parametrize("value", [str(2**63), str(2**64), "9" * 30, "0", "\u00b2"])
def test_an_actor_id_outside_the_64_bit_range_is_a_400_on_the_list_and_exports(
    make_claim, api_client, url, name, value
):
    make_claim(vocab.Status.PUBLISHED)
    body = refused_as_json(api_client("anonymous").get(url, {name: value}), 400)
    assert body["code"] == "invalid" and body["errors"][name], body


@pytest.mark.parametrize("url", EXPORTS)
def test_the_largest_actor_id_is_answered_with_no_match(make_claim, api_client, url):
    make_claim(vocab.Status.PUBLISHED)
    response = api_client("anonymous").get(url, {"supplier": str(2**63 - 1)})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert str(Claim.objects.get().uuid).encode() not in content


def test_a_cursor_we_issued_still_pages(make_claim, api_client):
    for number in range(3):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim {number}.")
    client = api_client("anonymous")
    first = client.get(CLAIMS, {"page_size": 2}).json()
    second = client.get(first["next"])
    assert second.status_code == 200 and len(second.json()["results"]) == 1


# ---------------------------------------------------------------- markup in every text field


XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile(make_claim, actors, editor, reviewer) -> Claim:
    """A published claim with markup in every text field a user can fill, related to another."""
    evil = Actor.objects.create(name=f"Evil {XSS}", kind="state", aliases=[f"alias {XSS}"])
    claim = make_claim(
        vocab.Status.PUBLISHED,
        statement=f"Statement {XSS}",
        supplier_id=evil.pk,
        place=f"place {XSS}",
        item_description=f"description {XSS}",
        quantity_qualifier=vocab.QuantityQualifier.QUALITATIVE,
        quantity_text=f"text {XSS}",
        quantity_unit=f"unit {XSS}",
        event_precision="day",
        event_start=date(2023, 9, 1),
        route=[services.RouteStopData(position=0, role="transit", region=f"region {XSS}")],
        hops=[
            hop(0, descriptor=f"descriptor {XSS}", role=f"role {XSS}"),
            hop(1, anonymity="outlet_voice", quote=f"quote {XSS}", translation=f"translation {XSS}"),
        ],
    )
    other = make_claim(vocab.Status.PUBLISHED, statement=f"Other {XSS}")
    services.add_relation(
        from_claim_id=claim.pk,
        to_claim_id=other.pk,
        kind="context",
        independence="possibly_shared_origin",
        note=f"note {XSS}",
        by=reviewer,
    )
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="C", credibility=3, rationale=f"rationale {XSS}"
    )
    claim.refresh_from_db()
    return claim


def assert_inert_html(html: str, where: str) -> None:
    assert XSS not in html, where
    # The ClaimReview JSON-LD block is data (its text escapes < > &, so XSS above cannot be in it).
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/ld\+json\"))", html), where
    assert not re.search(r"<img[^>]*onerror", html, re.I), where


def test_markup_in_every_text_field_is_inert_on_every_page(hostile, browser):
    client = browser("reviewer")
    pages = [
        "/",
        "/claims/",
        "/claims/?q=Statement",
        f"/claims/{hostile.uuid}/",
        f"/claims/{hostile.uuid}/edit/",
    ]
    pages += [f"/claims/{hostile.uuid}/diff/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.content.decode(), url)
    detail = client.get(f"/claims/{hostile.uuid}/").content.decode()
    for field in (
        "Statement",
        "place",
        "description",
        "region",
        "descriptor",
        "quote",
        "translation",
        "note",
    ):
        assert f"{field} {ESCAPED}" in detail, f"{field} is shown, escaped"


def test_markup_is_inert_in_the_dashboard_pictures(hostile, browser):
    html = browser("reviewer").get("/").content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svgs, "the dashboard draws its timeline and graph inline"
    for svg in svgs:
        assert_inert_html(svg, "dashboard svg")
    assert any(ESCAPED in svg for svg in svgs), "statements and actor names appear, escaped"


def test_markup_is_plain_text_in_the_atom_feed(hostile, client):
    body = client.get("/feeds/claims.atom").content
    assert b"<script" not in body and b"<img" not in body
    feed = ET.fromstring(body)  # noqa: S314 (our own output)
    texts = [element.text or "" for element in feed.iter()]
    assert any(XSS in text for text in texts), "the markup survives as text, not as elements"
    assert not [element for element in feed.iter() if element.tag.endswith(("script", "img"))]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_no_csv_cell_starts_like_a_formula_whatever_the_field(make_claim, actors, api_client):
    starts = iter(FORMULA_STARTS * 4)
    make_claim(
        vocab.Status.PUBLISHED,
        statement='=HYPERLINK("http://evil.example","click")',
        place=f"{next(starts)}cmd|' /C calc'!A0",
        item_description=f"{next(starts)}SUM(1)",
        quantity_qualifier=vocab.QuantityQualifier.QUALITATIVE,
        quantity_text="-2+3",
        quantity_unit="@unit",
        route=[services.RouteStopData(position=0, role="transit", region="=region")],
        hops=[hop(0, descriptor="+descriptor", role="@role", quote="=quote", translation="-translation")],
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(api_client("anonymous").get("/api/v1/claims/csv/")).decode()))
    )
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_csv_cell_starts_like_a_formula_whatever_separator_the_spreadsheet_splits_on(
    make_claim, api_client, delimiter
):
    # Italian and other EU spreadsheets split on ";"; a pasted export may be split on tabs.
    make_claim(
        vocab.Status.PUBLISHED,
        statement="x;=cmd|' /C calc'!A0 and y,+SUM(1) and z\t@A1",
        place="Rason;-2+3",
        hops=[hop(0, descriptor="a US official;=HYPERLINK(1)", quote="q\t=1", translation="t,@x")],
    )
    raw = b"".join(api_client("anonymous").get("/api/v1/claims/csv/")).decode()
    assert all(line.startswith('"') for line in raw.splitlines()), "every cell is quoted"
    rows = list(csv.reader(io.StringIO(raw), delimiter=delimiter))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(cells) > 1
    assert not [cell for cell in cells if cell.lstrip('"').startswith(FORMULA_STARTS)]
