"""The SIPRI Trade-Register CSV: the export (filters, visibility, brackets) and its import back."""

import csv
import io
from io import StringIO

import pandas
import pytest
from django.core.management import CommandError, call_command

from claims import services, sipri, vocab
from claims.models import Claim
from tests.conftest import claim_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/sipri.csv"

DEAL = {
    "designation": "KN-23",
    "item_description": "short-range ballistic missiles",
    "item_category": vocab.ItemCategory.MISSILES,
    "deal_status": vocab.DealStatus.IN_DELIVERY,
    "deal_type": vocab.DealType.BARTER,
    "deal_number_ordered": 50,
    "deal_number_delivered": 20,
    "deal_order_year": 2022,
    "deal_order_precision": vocab.YearPrecision.APPROXIMATE,
    "deal_delivery_first_year": 2023,
    "deal_delivery_last_year": 2024,
    "deal_comments": "Seen in Kharkiv",
    "uncertain_supplier": False,
    "uncertain_number_ordered": True,
    "uncertain_delivery_years": True,
    "uncertain_designation": True,
}


def body(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode()


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def run_import(path, user: str = "eddie") -> str:
    out = StringIO()
    call_command("import_claims", str(path), "--user", user, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_anonymous_readers_get_published_transfer_claims_only(anon, make_claim, actors):
    shown = make_claim(vocab.Status.PUBLISHED, **DEAL)
    make_claim(vocab.Status.DRAFT, statement="A draft deal.", **DEAL)
    make_claim(
        vocab.Status.PUBLISHED,
        kind=vocab.ClaimKind.DIPLOMATIC_EVENT,
        supplier_id=None,
        recipient_id=None,
        item_category="",
        stage="",
        participant_ids=[actors["KP"].pk],
    )
    assert [row["Claim id"] for row in rows(anon.get(URL))] == [str(shown.uuid)]


def test_editors_also_get_drafts(as_user, editor, make_claim):
    draft = make_claim(vocab.Status.DRAFT, **DEAL)
    assert [row["Claim id"] for row in rows(as_user(editor).get(URL))] == [str(draft.uuid)]


def test_the_file_opens_in_pandas_with_the_trade_register_columns(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED, **DEAL)
    frame = pandas.read_csv(io.StringIO(body(anon.get(URL))), dtype=str, keep_default_na=False)
    assert list(frame.columns) == [
        "Recipient",
        "Supplier",
        "Year of order",
        "Number ordered",
        "Weapon designation",
        "Weapon description",
        "Year(s) of delivery",
        "Number delivered",
        "Status",
        "Comments",
        "Claim id",
        "Credibility",
    ]
    assert len(frame) == 1


def test_uncertain_values_are_in_brackets_and_approximate_years_say_circa(anon, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED, **DEAL)
    [row] = rows(anon.get(URL))
    assert row == {
        "Recipient": "Russia",
        "Supplier": "North Korea",
        "Year of order": "c. 2022",
        "Number ordered": "(50)",
        "Weapon designation": "(KN-23)",
        "Weapon description": "short-range ballistic missiles",
        "Year(s) of delivery": "(2023-2024)",
        "Number delivered": "20",
        "Status": "in_delivery",
        "Comments": "Seen in Kharkiv",
        "Claim id": str(claim.uuid),
        "Credibility": "3",
    }


def test_the_export_takes_every_list_filter_and_refuses_bad_ones(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED, stage=vocab.Stage.DELIVERY)
    request = make_claim(vocab.Status.PUBLISHED, stage=vocab.Stage.REQUEST)
    assert [row["Claim id"] for row in rows(anon.get(f"{URL}?stage=request"))] == [str(request.uuid)]
    assert [row["Claim id"] for row in rows(anon.get(f"{URL}?recipient=ru&stage=request"))] == [
        str(request.uuid)
    ]
    refused = anon.get(f"{URL}?stage=rumour")
    assert refused.status_code == 400 and "stage" in refused.json()["errors"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cells_a_spreadsheet_would_run_are_neutralised(anon, make_claim, start):
    make_claim(vocab.Status.PUBLISHED, designation=f"{start}HYPERLINK(1)", deal_comments=f"{start}cmd")
    [row] = rows(anon.get(URL))
    assert row["Weapon designation"] == f"'{start}HYPERLINK(1)" and row["Comments"] == f"'{start}cmd"


def test_the_export_runs_a_fixed_number_of_queries(anon, make_claim, django_assert_num_queries):
    make_claim(vocab.Status.PUBLISHED)
    with django_assert_num_queries(5) as first:
        body(anon.get(URL))
    for n in range(5):
        make_claim(vocab.Status.PUBLISHED, statement=f"Shipment {n}.")
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(rows(anon.get(URL))) == 6


def test_an_untouched_export_imports_as_unchanged(as_user, editor, make_claim, tmp_path):
    make_claim(vocab.Status.DRAFT, **DEAL)
    make_claim(vocab.Status.DRAFT, statement="No deal details yet.")
    path = tmp_path / "deals.csv"
    path.write_text(body(as_user(editor).get(URL)))
    versions = list(Claim.objects.order_by("pk").values_list("version", flat=True))
    assert "0 updated, 2 unchanged." in run_import(path)
    assert list(Claim.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_an_edited_export_round_trips_through_the_import(as_user, editor, make_claim, tmp_path):
    claim = make_claim(vocab.Status.DRAFT, **DEAL)
    exported = rows(as_user(editor).get(URL))
    exported[0] |= {
        "Supplier": "(North Korea)",
        "Number ordered": "60",
        "Number delivered": "(25)",
        "Year(s) of delivery": "c. 2023-2025",
        "Weapon designation": "KN-24",
        "Status": "delivered",
    }
    path = tmp_path / "deals.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=sipri.HEADER)
        writer.writeheader()
        writer.writerows(exported)
    assert "1 updated, 0 unchanged." in run_import(path)
    claim.refresh_from_db()
    assert (claim.deal_number_ordered, claim.uncertain_number_ordered) == (60, False)
    assert (claim.deal_number_delivered, claim.uncertain_number_delivered) == (25, True)
    assert (claim.deal_delivery_first_year, claim.deal_delivery_last_year) == (2023, 2025)
    assert claim.deal_delivery_precision == vocab.YearPrecision.APPROXIMATE
    assert (claim.designation, claim.uncertain_designation, claim.uncertain_supplier) == (
        "KN-24",
        False,
        True,
    )
    assert claim.deal_status == vocab.DealStatus.DELIVERED and claim.version == 2
    # Exported again, the file reads as it was written.
    assert rows(as_user(editor).get(URL)) == exported


def write(path, *records: dict) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=sipri.HEADER)
        writer.writeheader()
        writer.writerows(records)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Number ordered": "10", "Number delivered": "11"}, "More cannot be delivered than was ordered."),
        ({"Number ordered": "ten"}, "Number ordered: 'ten' is not a whole number."),
        ({"Year(s) of delivery": "soon"}, "Year(s) of delivery: 'soon' is not a year"),
        ({"Year of order": "1900"}, "A year from 1945"),
        ({"Status": "rumoured"}, "'rumoured' is not one of"),
        ({"Supplier": "Atlantis"}, "Supplier: No actor is called 'Atlantis'."),
        ({"Credibility": "1"}, "Credibility is assessed on the claim, not imported"),
        ({"Claim id": "not-a-claim"}, "Claim id: no claim 'not-a-claim' here."),
    ],
)
def test_a_refused_row_is_named_by_its_line_and_changes_nothing(
    as_user, editor, make_claim, tmp_path, cells, message
):
    good, bad = make_claim(vocab.Status.DRAFT, **DEAL), make_claim(vocab.Status.DRAFT, statement="Other.")
    exported = {row["Claim id"]: row for row in rows(as_user(editor).get(URL))}
    path = tmp_path / "deals.csv"
    edited_good = exported[str(good.uuid)] | {"Number delivered": "21"}
    write(path, edited_good, exported[str(bad.uuid)] | cells)
    with pytest.raises(CommandError, match="1 row"):
        out = StringIO()
        call_command("import_claims", str(path), "--user", "eddie", stdout=out, stderr=StringIO())
    report = out.getvalue()
    assert "rejected line 3:" in report and message in report
    bad_after = Claim.objects.get(pk=bad.pk)
    assert bad_after.version == 1 and bad_after.deal_number_ordered is None
    assert Claim.objects.get(pk=good.pk).deal_number_delivered == 21  # the other rows are imported


def test_a_file_without_the_layout_s_columns_is_refused_whole(tmp_path, editor):
    path = tmp_path / "deals.csv"
    path.write_text("Recipient,Supplier,Claim id\nRussia,North Korea,x\n")
    with pytest.raises(CommandError):
        call_command(
            "import_claims", str(path), "--user", "eddie", "--format", "sipri", stdout=(out := StringIO())
        )
    assert "missing column(s): Year of order" in out.getvalue()


def test_the_import_refuses_deal_details_on_a_claim_that_is_no_transfer(actors, editor, tmp_path):
    meeting = services.create_claim(
        data=claim_data(
            actors,
            kind=vocab.ClaimKind.DIPLOMATIC_EVENT,
            supplier_id=None,
            recipient_id=None,
            item_category="",
            stage="",
            participant_ids=[actors["KP"].pk],
        ),
        by=editor,
    )
    path = tmp_path / "deals.csv"
    write(path, dict.fromkeys(sipri.HEADER, "") | {"Claim id": str(meeting.uuid), "Number ordered": "3"})
    with pytest.raises(CommandError):
        call_command("import_claims", str(path), "--user", "eddie", stdout=(out := StringIO()))
    assert "deal_number_ordered: Only a transfer claim has deal details" in out.getvalue()
    assert Claim.objects.get(pk=meeting.pk).version == 1


def test_the_api_writes_the_deal_and_a_patch_merges_it_by_key(as_user, editor, make_claim):
    claim = make_claim(deal_status="ordered", deal_number_ordered=12)
    client = as_user(editor)
    response = client.patch(
        f"/api/v1/claims/{claim.uuid}/",
        {"deal": {"number_delivered": 4}, "uncertain": {"number_delivered": True}, "place": "Rason"},
        format="json",
        HTTP_IF_MATCH=f'"{claim.version}"',
    )
    assert response.status_code == 200, response.json()
    deal = response.json()["deal"]
    assert (deal["status"], deal["number_ordered"], deal["number_delivered"]) == ("ordered", 12, 4)
    assert response.json()["uncertain"]["number_delivered"] is True
    refused = client.patch(
        f"/api/v1/claims/{claim.uuid}/",
        {"deal": {"number_delivered": 13}, "place_latitude": 91},
        format="json",
        HTTP_IF_MATCH=f'"{claim.version + 1}"',
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "deal_number_delivered": ["More cannot be delivered than was ordered."],
        "place_latitude": ["A latitude from −90 to 90."],
        "place_longitude": ["Give both coordinates, or neither."],
    }
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1
