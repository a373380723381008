import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from claims import tabular, vocab
from tests.conftest import hop

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_streams_one_row_per_visible_claim_with_documented_columns(anon, published, draft):
    response = anon.get("/api/v1/claims/csv/")
    rows = csv_rows(response)
    assert [row["id"] for row in rows] == [str(published.uuid)]
    assert list(rows[0]) == tabular.HEADER
    assert rows[0]["supplier"] == "North Korea" and rows[0]["credibility"] == "3"
    assert json.loads(rows[0]["hops"])[0]["source"] == "https://news.example.org/2023/09/arms"


def test_csv_export_takes_the_list_filters_and_refuses_bad_ones(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED, stage="delivery")
    make_claim(vocab.Status.PUBLISHED, stage="request")
    assert [row["stage"] for row in csv_rows(anon.get("/api/v1/claims/csv/?stage=request"))] == ["request"]
    assert anon.get("/api/v1/claims/csv/?stage=rumour").status_code == 400


# Tabs and carriage returns cannot start a statement (the service strips it); the unit test below covers them.
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "'"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(anon, make_claim, start):
    statement = f'{start}HYPERLINK("http://evil.example")'
    make_claim(vocab.Status.PUBLISHED, statement=statement)
    row = csv_rows(anon.get("/api/v1/claims/csv/"))[0]
    assert row["statement"] == f"'{statement}"
    assert tabular.restore(row["statement"]) == statement


def test_neutralising_is_reversible_for_every_dangerous_start():
    cells = ["=1+1", "-3", "@SUM", "'quoted", "''twice", "\tx", "plain", ""]
    cells += ["x;=cmd", "a,'=b", "a\t\tb", "=1;+2,-3\t@4", "';'", "plain, text; - fine"]
    for cell in cells:
        assert tabular.restore(tabular.neutralise(cell)) == cell
        assert not tabular.neutralise(cell).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_atom_feed_lists_public_claims_only(client, make_claim, draft):
    published = make_claim(vocab.Status.PUBLISHED)
    retracted = make_claim(vocab.Status.RETRACTED, statement="Withdrawn")
    response = client.get("/feeds/claims.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314 (our own output)
    assert [entry.find(f"{ATOM}id").text for entry in entries] == [
        f"urn:uuid:{retracted.uuid}",
        f"urn:uuid:{published.uuid}",
    ]
    assert draft.statement.encode() not in response.content


def test_drafts_never_leak_through_any_export(anon, as_user, viewer, make_claim):
    secret = "Secret draft about a shipment"
    make_claim(statement=secret, hops=[hop(quote="segreto", source_url="https://secret.example/x")])
    for client in (anon, as_user(viewer)):
        for url in ("/api/v1/claims/csv/", "/api/v1/claims/stix/", "/feeds/claims.atom", "/api/v1/feed/"):
            response = client.get(url)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            assert secret.encode() not in content and b"secret.example" not in content, url
