import csv
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, ClaimVersion
from claims.schema import write_shape
from tests.conftest import SOURCE_URL, claim_data, hop

pytestmark = pytest.mark.django_db


def run_import(path, user: str = "eddie") -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_claims", str(path), "--user", user, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def reader(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_shapes(client, uuids) -> list[dict]:
    return [write_shape(client.get(f"/api/v1/claims/{uuid}/").json()) for uuid in uuids]


@pytest.fixture
def rich_claims(actors, editor, reviewer):
    first = services.create_claim(
        data=claim_data(
            actors,
            statement="=cmd| shells shipped",
            quantity_qualifier="range",
            quantity_min=100,
            quantity_max=300,
            quantity_unit="containers",
            event_start=date(2023, 9, 1),
            event_precision="month",
            route=[
                services.RouteStopData(position=0, role="origin", country="KP"),
                services.RouteStopData(position=1, role="transit", region="Middle East", approximate=True),
            ],
            hops=[
                hop(
                    0,
                    anonymity="named_on_record",
                    speaker_id=actors["kirby"].pk,
                    descriptor="",
                    source_url="",
                ),
                hop(1, anonymity="outlet_voice", speaker_id=actors["daily"].pk, descriptor="", quote="-10%"),
            ],
        ),
        by=editor,
    )
    second = services.create_claim(
        data=claim_data(
            actors,
            statement="Talks in Vladivostok.",
            kind="diplomatic_event",
            supplier_id=None,
            recipient_id=None,
            item_category="",
            stage="",
            participant_ids=[actors["KP"].pk, actors["RU"].pk],
            place="Vladivostok",
            stance="speculate",
            modality="planned",
        ),
        by=editor,
    )
    return [first, second]


def test_csv_export_then_import_reproduces_the_claims(tmp_path, reviewer, rich_claims, capsys):
    client = reader(reviewer)
    exported = b"".join(client.get("/api/v1/claims/csv/").streaming_content)
    path = tmp_path / "claims.csv"
    path.write_bytes(exported)
    before = set(Claim.objects.values_list("uuid", flat=True))

    out, _ = run_import(path)

    assert out.endswith("2 imported, 0 rejected.\n")
    assert "2 rows" in capsys.readouterr().err  # tqdm's progress bar, on the process's stderr
    new = Claim.objects.exclude(uuid__in=before).order_by("id")
    assert all(claim.versions.count() == 1 and claim.history.exists() for claim in new)
    originals = api_shapes(client, [c.uuid for c in reversed(rich_claims)])  # the export is newest first
    assert api_shapes(client, [c.uuid for c in new]) == originals


def test_jsonl_in_the_api_write_shape_is_imported(tmp_path, reviewer, rich_claims):
    client = reader(reviewer)
    shapes = api_shapes(client, [c.uuid for c in rich_claims])
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(shape) for shape in shapes) + "\n")
    out, _ = run_import(path)
    assert out.endswith("2 imported, 0 rejected.\n")
    imported = Claim.objects.order_by("-id")[:2]
    assert api_shapes(client, [c.uuid for c in reversed(imported)]) == shapes


def test_bad_rows_are_reported_with_line_numbers_and_the_good_ones_kept(tmp_path, actors, editor):
    good = {
        "statement": "Shells shipped.",
        "kind": "transfer",
        "supplier": actors["KP"].pk,
        "recipient": actors["RU"].pk,
        "item_category": "ammunition",
        "stage": "shipment",
        "hops": [
            {
                "position": 0,
                "anonymity": "outlet_voice",
                "speaker": actors["daily"].pk,
                "source": "https://a.example/",
            }
        ],
    }
    lines = [
        json.dumps(good),
        json.dumps({**good, "recipient": actors["KP"].pk}),
        "{not json",
        "",
        json.dumps(
            {
                **good,
                "hops": [
                    {"position": 0, "anonymity": "anonymous_individual", "source": "https://a.example/"}
                ],
            }
        ),
        json.dumps({**good, "kind": "rumour"}),
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match="4 row"):
        call_command(
            "import_claims", str(path), "--user", "eddie", stdout=(out := StringIO()), stderr=StringIO()
        )
    report = out.getvalue()
    assert "line 2: recipient:" in report
    assert "line 3: row: not valid JSON" in report
    assert "line 5: hops.0.descriptor:" in report
    assert "line 6: kind:" in report
    assert report.endswith("1 imported, 4 rejected.\n")
    assert Claim.objects.count() == 1 and ClaimVersion.objects.count() == 1


def test_csv_rows_with_unreadable_cells_are_rejected_by_line(tmp_path, editor):
    path = tmp_path / "claims.csv"
    path.write_text('statement,kind,hops,quantity_min\n"Multi\nline",transfer,[],x\nok,transfer,{oops,\n')
    with pytest.raises(CommandError):
        call_command(
            "import_claims", str(path), "--user", "eddie", stdout=(out := StringIO()), stderr=StringIO()
        )
    assert "line 2: row: quantity_min" in out.getvalue()
    assert "line 4: row: hops: not valid JSON" in out.getvalue()
    assert not Claim.objects.exists()


def test_import_needs_a_user_who_may_create_claims(tmp_path, viewer, editor):
    path = tmp_path / "claims.jsonl"
    path.write_text("{}\n")
    for user in ("vera", "nobody"):
        with pytest.raises(CommandError):
            run_import(path, user)
    with pytest.raises(CommandError):
        run_import(tmp_path / "missing.jsonl")
    with pytest.raises(CommandError, match="format"):
        run_import(path.rename(tmp_path / "claims.txt"))


def test_oversize_csv_cells_refuse_their_row_by_line_and_the_next_rows_are_imported(
    tmp_path, actors, editor, capsys
):
    only_hop = {
        "position": 0,
        "anonymity": "outlet_voice",
        "speaker": actors["daily"].pk,
        "source": SOURCE_URL,
    }
    hops = json.dumps([only_hop])

    def row(statement: str) -> list[str]:
        return [
            statement,
            "transfer",
            str(actors["KP"].pk),
            str(actors["RU"].pk),
            "ammunition",
            "shipment",
            hops,
        ]

    path = tmp_path / "claims.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["statement", "kind", "supplier_id", "recipient_id", "item_category", "stage", "hops"]
        )
        writer.writerow(row("Shells shipped."))
        writer.writerow(row("x" * 140_000))  # over Python's default 128 KiB field limit
        writer.writerow(row("y" * (5 * 1024 * 1024)))  # over any limit we read
        writer.writerow(row("Multi\nline " + "z" * (5 * 1024 * 1024)))  # the same, across two lines
        writer.writerow(row("Rockets shipped."))
    with pytest.raises(CommandError, match="3 row"):
        call_command(
            "import_claims", str(path), "--user", "eddie", stdout=(out := StringIO()), stderr=StringIO()
        )
    report = out.getvalue()
    assert "line 3: statement: At most 1000 characters (this has 140000)." in report
    assert "line 4: row: cannot be read as CSV (field larger than field limit" in report
    assert "line 5: row: cannot be read as CSV (field larger than field limit" in report
    assert "line 6" not in report  # the rest of the two-line record is not read as a record of its own
    assert report.endswith("2 imported, 3 rejected.\n")
    assert sorted(Claim.objects.values_list("statement", flat=True)) == [
        "Rockets shipped.",
        "Shells shipped.",
    ]
    assert csv.field_size_limit() == 131_072  # the process's limit is left as it was
