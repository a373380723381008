import csv
import io
import json
from datetime import date
from io import StringIO

import pandas
import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from claims import schema, services, tabular, vocab
from claims.models import Claim, ClaimVersion
from claims.schema import write_shape
from tests.conftest import SOURCE_URL, claim_data, hop, other_chain

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


def export(client) -> bytes:
    return b"".join(client.get("/api/v1/claims/csv/").streaming_content)


def without(columns, text: bytes) -> list[list[str]]:
    """The file's cells, with the named columns blanked."""
    rows = list(csv.reader(io.StringIO(text.decode())))
    blanked = [rows[0].index(column) for column in columns]
    return [[("" if index in blanked else cell) for index, cell in enumerate(row)] for row in rows]


@pytest.fixture
def reviewed_claims(rich_claims, make_claim, reviewer):
    """Every status, an assessment, and relations both ways, each made through the services."""
    published = make_claim(vocab.Status.PUBLISHED, statement="Rockets seen at the port.")
    retracted = make_claim(vocab.Status.RETRACTED, statement="Trucks crossed the border.")
    in_review = make_claim(vocab.Status.IN_REVIEW, statement="Drones on a train.", hops=other_chain())
    services.add_relation(
        from_claim_id=rich_claims[0].pk,
        to_claim_id=in_review.pk,
        kind="corroborates",
        independence="independent",
        note="two outlets",
        by=reviewer,
    )
    services.add_relation(
        from_claim_id=in_review.pk,
        to_claim_id=rich_claims[1].pk,
        kind="contradicts",
        independence="same_origin",
        by=reviewer,
    )
    services.add_assessment(
        claim_id=rich_claims[0].pk,
        by=reviewer,
        reliability="A",
        credibility=1,
        likelihood="likely",
        confidence="high",
        rationale="Seen by two independent outlets.",
    )
    return [*rich_claims, published, retracted, in_review]


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_file(
    tmp_path, reviewer, reviewed_claims
):
    client = reader(reviewer)
    first = export(client)
    path = tmp_path / "claims.csv"
    path.write_bytes(first)
    Claim.objects.all().delete()

    out, _ = run_import(path, "rita")

    assert out.endswith("5 imported, 0 rejected.\n")
    second = export(client)
    assert second != first  # versions and times are the import's own ...
    assert without(tabular.NOT_ROUND_TRIPPED, second) == without(tabular.NOT_ROUND_TRIPPED, first)
    assert len(second.splitlines()) == len(first.splitlines()) == 6


def test_the_same_export_imported_again_changes_nothing(tmp_path, reviewer, reviewed_claims, capsys):
    client = reader(reviewer)
    exported = export(client)
    path = tmp_path / "claims.csv"
    path.write_bytes(exported)
    versions = ClaimVersion.objects.count()

    out, _ = run_import(path, "rita")

    assert out.endswith("0 updated, 5 unchanged.\n0 imported, 0 rejected.\n")
    assert "5 rows" in capsys.readouterr().err  # tqdm's progress bar, on the process's stderr
    assert ClaimVersion.objects.count() == versions and Claim.objects.count() == 5
    assert export(client) == exported


def edited(exported: bytes, claim_id: str, **cells) -> str:
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    for row in rows:
        if row["id"] == claim_id:
            row.update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=tabular.HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_row_whose_id_is_in_the_database_updates_that_claim(tmp_path, reviewer, rich_claims):
    client = reader(reviewer)
    claim = rich_claims[1]
    path = tmp_path / "claims.csv"
    path.write_text(edited(export(client), str(claim.uuid), place="Khasan"))

    out, _ = run_import(path, "rita")

    assert out.endswith("1 updated, 1 unchanged.\n0 imported, 0 rejected.\n")
    claim.refresh_from_db()
    assert claim.place == "Khasan" and claim.version == 2 and Claim.objects.count() == 2


def test_an_update_from_an_older_export_is_refused_with_the_version(tmp_path, reviewer, rich_claims, editor):
    client = reader(reviewer)
    claim = rich_claims[1]
    stale = edited(export(client), str(claim.uuid), place="Khasan")
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        data=services.ClaimData(
            **{
                **schema.read_write_shape(
                    write_shape(client.get(f"/api/v1/claims/{claim.uuid}/").json())
                ).values(),
                "place": "Rason",
            }
        ),
        by=editor,
    )
    path = tmp_path / "claims.csv"
    path.write_text(stale)
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_claims", str(path), "--user", "rita", stdout=(out := StringIO()), stderr=StringIO()
        )
    assert "version: The claim is at version 2, the file has 1: export it again." in out.getvalue()
    claim.refresh_from_db()
    assert claim.place == "Rason"


def test_an_editors_import_creates_drafts_and_refuses_rows_that_set_the_workflow(
    tmp_path, reviewer, editor, reviewed_claims
):
    exported = export(reader(reviewer))
    Claim.objects.all().delete()
    path = tmp_path / "claims.csv"
    path.write_bytes(exported)
    with pytest.raises(CommandError, match="4 row"):
        call_command(
            "import_claims", str(path), "--user", "eddie", stdout=(out := StringIO()), stderr=StringIO()
        )
    assert out.getvalue().count("status: An editor's import creates and edits drafts only") == 4
    assert list(Claim.objects.values_list("uuid", flat=True)) == [reviewed_claims[1].uuid]  # a plain draft

    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    drafts = [
        {
            **row,
            "status": "draft",
            "relations": "[]",
            "reliability": "",
            "credibility": "",
            "likelihood": "",
            "confidence": "",
            "rationale": "",
        }
        for row in rows
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=tabular.HEADER)
        writer.writeheader()
        writer.writerows(drafts)
    out, _ = run_import(path)
    assert out.endswith("0 updated, 1 unchanged.\n4 imported, 0 rejected.\n")
    assert set(Claim.objects.values_list("status", flat=True)) == {vocab.Status.DRAFT}


def test_actor_names_that_do_not_match_the_ids_refuse_the_row(tmp_path, reviewer, rich_claims, actors):
    client = reader(reviewer)
    exported = export(client)
    Claim.objects.all().delete()
    path = tmp_path / "claims.csv"
    path.write_text(edited(exported, str(rich_claims[0].uuid), supplier="Russia"))
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_claims", str(path), "--user", "rita", stdout=(out := StringIO()), stderr=StringIO()
        )
    assert (
        f"supplier: Actor {actors['KP'].pk} is 'North Korea' here, the file names 'Russia'" in out.getvalue()
    )
    assert list(Claim.objects.values_list("uuid", flat=True)) == [rich_claims[1].uuid]


def test_the_export_reads_in_python_csv_and_pandas_with_readable_and_machine_columns(
    reviewer, reviewed_claims, actors
):
    exported = export(reader(reviewer))
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    assert list(rows[0]) == tabular.HEADER
    first = next(row for row in rows if row["id"] == str(reviewed_claims[0].uuid))
    assert first["originator"] == "John Kirby" and first["anonymity"] == "Named, on the record"
    assert first["document_read"] == "An Italian daily, https://news.example.org/2023/09/arms"
    assert first["quote"] == "'-10%"  # neutralised for spreadsheets
    assert first["assessment"].startswith("A1 — completely reliable source, information confirmed")
    assert first["speakers"] == "John Kirby;An Italian daily"
    assert first["speaker_ids"] == f"{actors['kirby'].pk};{actors['daily'].pk}"
    assert json.loads(first["relations"])[0]["kind"] == "corroborates"

    frame = pandas.read_csv(io.BytesIO(exported), dtype_backend="numpy_nullable")
    assert list(frame.columns) == tabular.HEADER and len(frame) == 5
    assert str(frame["version"].dtype) == "Int64" and str(frame["credibility"].dtype) == "Int64"
    assert str(frame["negated"].dtype) == "boolean"
    assert frame["statement"].dtype == object or str(frame["statement"].dtype).startswith("str")
    assert set(frame["status"]) == {"draft", "in_review", "published", "retracted"}


def test_jsonl_in_the_api_write_shape_is_imported(tmp_path, reviewer, rich_claims):
    client = reader(reviewer)
    shapes = api_shapes(client, [c.uuid for c in rich_claims])
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(shape) for shape in shapes) + "\n")
    out, _ = run_import(path)
    assert out.endswith("2 imported, 0 rejected.\n")
    imported = Claim.objects.order_by("-id")[:2]  # written last line first, so the newest is line 1
    assert api_shapes(client, [c.uuid for c in imported]) == shapes


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


def test_a_reviewers_row_without_an_id_is_created_then_assessed_and_published(
    tmp_path, reviewer, rich_claims
):
    exported = export(reader(reviewer))
    row = next(
        r for r in csv.DictReader(io.StringIO(exported.decode())) if r["id"] == str(rich_claims[1].uuid)
    )
    row |= {
        "id": "",
        "status": "published",
        "reliability": "B",
        "credibility": "2",
        "rationale": "Two sources.",
    }
    path = tmp_path / "claims.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=tabular.HEADER)
        writer.writeheader()
        writer.writerow(row)

    out, _ = run_import(path, "rita")

    assert out.endswith("1 imported, 0 rejected.\n")
    claim = Claim.objects.exclude(pk__in=[c.pk for c in rich_claims]).get()
    assert claim.status == vocab.Status.PUBLISHED and claim.current_assessment.code == "B2"
    assert claim.status_changes.count() == 2  # draft → in review → published, each through the services


def test_a_workflow_the_services_refuse_is_reported_by_line_and_the_content_kept(
    tmp_path, reviewer, rich_claims
):
    missing = "00000000-0000-4000-8000-000000000000"
    relation = [
        {
            "direction": "out",
            "kind": "corroborates",
            "claim_id": missing,
            "independence": "possibly_shared_origin",
        }
    ]
    exported = export(reader(reviewer))
    Claim.objects.all().delete()
    path = tmp_path / "claims.csv"
    path.write_text(
        edited(exported, str(rich_claims[1].uuid), relations=json.dumps(relation), status="in_review")
    )
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_claims", str(path), "--user", "rita", stdout=(out := StringIO()), stderr=StringIO()
        )
    assert f"line 2: relations.0.claim_id: No claim {missing} here or in the file." in out.getvalue()
    claim = Claim.objects.get(uuid=rich_claims[1].uuid)
    assert claim.status == vocab.Status.DRAFT and not claim.relations_out.exists()
