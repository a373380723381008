import importlib
import io
import threading
from datetime import date

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from claims import projection, services, vocab
from claims.models import Claim, ClaimDocument, ClaimVersion, FeedEvent
from claims.representation import represent_claim
from tests.conftest import claim_data, hop

pytestmark = pytest.mark.django_db


SIPRI_KEYS = ("place_precision", "place_latitude", "place_longitude", "deal", "uncertain")


def rebuilt(claim: Claim) -> dict:
    return projection.represent_claims([Claim.objects.with_details().get(pk=claim.pk)])[0]


def document(claim: Claim) -> ClaimDocument:
    return ClaimDocument.objects.get(claim_id=claim.pk)


def assert_projected(claim: Claim) -> None:
    """The document is the claim as its rows say, and the snapshot of its current version."""
    claim.refresh_from_db()
    stored = document(claim)
    assert stored.schema_version == projection.SCHEMA_VERSION
    assert stored.body == rebuilt(claim)
    assert stored.body == ClaimVersion.objects.get(claim=claim, version=claim.version).snapshot


def test_every_kind_of_write_leaves_the_document_equal_to_the_rows_and_the_current_version(
    make_claim, actors, editor, reviewer
):
    claim = make_claim()
    assert_projected(claim)
    services.update_claim(
        claim_id=claim.pk, expected_version=1, data=claim_data(actors, place="Rason"), by=editor
    )
    assert_projected(claim)
    other = make_claim()
    relation = services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind="corroborates",
        independence="possibly_shared_origin",
        by=editor,
    )
    assert_projected(claim)
    assert_projected(other)
    services.remove_relation(relation_id=relation.pk, by=editor)
    assert_projected(claim)
    services.transition_claim(claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=editor)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="ok")
    assert_projected(claim)
    services.transition_claim(
        claim_id=claim.pk,
        to=vocab.Status.PUBLISHED,
        reason="go",
        by=reviewer,
        confirm_unverified_sources=True,
    )
    assert_projected(claim)
    services.transition_claim(claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="withdrawn", by=reviewer)
    assert_projected(claim)
    [imported], _ = services.create_claims(rows=[claim_data(actors)], by=editor)
    assert_projected(imported)
    assert ClaimDocument.objects.count() == Claim.objects.count() == 3


def test_a_refused_write_leaves_the_document_as_it_was(make_claim, actors, editor):
    claim = make_claim()
    before = document(claim).body
    with pytest.raises(services.StaleVersion):
        services.update_claim(
            claim_id=claim.pk, expected_version=7, data=claim_data(actors, place="Rason"), by=editor
        )
    assert document(claim).body == before


def test_a_feed_event_keeps_the_claim_as_it_was_published_while_the_document_moves_on(
    make_claim, actors, reviewer
):
    claim = make_claim(vocab.Status.PUBLISHED)
    published = FeedEvent.objects.get(claim=claim, type=vocab.FeedEventType.PUBLISHED)
    assert published.payload == document(claim).body
    services.update_claim(
        claim_id=claim.pk, expected_version=claim.version, data=claim_data(actors, place="Rason"), by=reviewer
    )
    updated = FeedEvent.objects.get(claim=claim, type=vocab.FeedEventType.UPDATED)
    assert updated.payload == document(claim).body and updated.payload["place"] == "Rason"
    published.refresh_from_db()
    assert published.payload["place"] == ""


def test_old_claims_show_a_new_field_as_null_once_rebuilt_without_being_saved_again(
    make_claim, monkeypatch, django_assert_num_queries
):
    claim = make_claim(vocab.Status.PUBLISHED)
    versions = list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot"))
    # The next shape adds a key: what a new field does to represent_claim.
    monkeypatch.setattr(
        projection, "represent_claim", lambda c, index=None: {**represent_claim(c, index), "next_field": None}
    )
    monkeypatch.setattr(projection, "SCHEMA_VERSION", projection.SCHEMA_VERSION + 1)
    assert "next_field" not in document(claim).body

    # Until the rebuild has run, an outdated document is built from the rows when read.
    [served] = projection.current_representations([claim])
    assert served["next_field"] is None

    assert projection.rebuild_documents(outdated_only=True) == 1
    stored = document(claim)
    assert stored.schema_version == projection.SCHEMA_VERSION and stored.body["next_field"] is None
    with django_assert_num_queries(3):  # documents, actors, source health: nothing built from the rows
        [served] = projection.current_representations([claim])
    assert served["next_field"] is None
    # Not saved again: same version, audit trail untouched.
    assert Claim.objects.get(pk=claim.pk).version == claim.version
    assert list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot")) == versions
    assert projection.rebuild_documents(outdated_only=True) == 0


def test_rebuilding_every_document_is_idempotent(make_claim):
    claims = [make_claim(), make_claim(vocab.Status.PUBLISHED), make_claim(vocab.Status.RETRACTED)]
    before = {claim.pk: document(claim).body for claim in claims}
    assert projection.rebuild_documents(batch_size=2) == 3
    assert projection.rebuild_documents(batch_size=2) == 3
    assert {claim.pk: document(claim).body for claim in claims} == before
    assert ClaimDocument.objects.count() == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL (SQLite serialises)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_during_a_rebuild_is_not_overwritten_by_the_rows_as_they_were(
    make_claim, actors, editor, monkeypatch
):
    claim = make_claim()
    saved = threading.Event()

    def save() -> None:
        try:
            services.update_claim(
                claim_id=claim.pk, expected_version=1, data=claim_data(actors, place="Rason"), by=editor
            )
            saved.set()
        finally:
            connection.close()

    writer = threading.Thread(target=save)
    build = projection.represent_claim

    def build_while_an_editor_saves(loaded: Claim, index=None) -> dict:
        body = build(loaded, index)  # from the rows the rebuild has read
        if writer.ident is None:  # once, from the rebuild
            writer.start()
            saved.wait(timeout=1)  # the rebuild's lock holds the save back until the rebuild commits
        return body

    monkeypatch.setattr(projection, "represent_claim", build_while_an_editor_saves)
    projection.rebuild_documents()
    writer.join(timeout=30)
    assert saved.is_set()
    assert document(claim).body["place"] == "Rason" and document(claim).body["version"] == 2


def test_the_command_rebuilds_every_document_and_with_outdated_only_missing_or_older_ones(make_claim):
    lost, tampered, old = make_claim(), make_claim(), make_claim()
    expected = {claim.pk: document(claim).body for claim in (lost, tampered, old)}
    document(lost).delete()
    ClaimDocument.objects.filter(pk=tampered.pk).update(body={"tampered": True})
    ClaimDocument.objects.filter(pk=old.pk).update(body={"old": True}, schema_version=0)

    call_command("rebuild_claim_documents", "--outdated", stdout=(out := io.StringIO()))
    assert out.getvalue() == f"2 claim documents rebuilt (schema version {projection.SCHEMA_VERSION}).\n"
    assert document(lost).body == expected[lost.pk] and document(old).body == expected[old.pk]
    assert document(tampered).body == {"tampered": True}

    call_command("rebuild_claim_documents", stdout=(out := io.StringIO()))
    assert out.getvalue().startswith("3 claim documents rebuilt")
    assert {claim.pk: document(claim).body for claim in (lost, tampered, old)} == expected


def test_the_command_refuses_a_batch_size_below_one_and_writes_nothing(make_claim):
    claim = make_claim()
    ClaimDocument.objects.filter(pk=claim.pk).update(schema_version=0)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rebuild_claim_documents", "--batch-size", "0")
    assert document(claim).schema_version == 0


def test_the_migration_gives_existing_claims_the_snapshot_of_their_current_version(
    make_claim, actors, editor
):
    edited, published = make_claim(), make_claim(vocab.Status.PUBLISHED)
    services.update_claim(
        claim_id=edited.pk, expected_version=1, data=claim_data(actors, place="Rason"), by=editor
    )
    ClaimDocument.objects.all().delete()
    importlib.import_module("claims.migrations.0009_claim_document").copy_current_snapshots(apps, None)
    # The later migrations take the copied documents on to today's shape.
    designation = importlib.import_module("claims.migrations.0012_claim_designation")
    designation.add_designation_to_documents(apps, None)
    importlib.import_module("claims.migrations.0019_h2_sipri").add_sipri_keys_to_documents(apps, None)
    importlib.import_module("claims.migrations.0022_h1_relation_lineage_conflict").rebuild_outdated_documents(
        apps, None
    )
    for claim in (edited, published):
        assert_projected(claim)
    assert document(edited).body["place"] == "Rason"


def test_the_designation_migration_gives_old_documents_the_new_key_without_a_new_version(make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    versions = list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot"))
    old = document(claim)
    old.body = {key: value for key, value in old.body.items() if key != "designation"}
    old.schema_version = 1
    old.save()
    migration = importlib.import_module("claims.migrations.0012_claim_designation")
    migration.add_designation_to_documents(apps, None)
    assert document(claim).body["designation"] == ""
    stored = document(claim)
    assert stored.schema_version == 2  # the shape of then: later keys come with later migrations
    later = {"independent_origins", "shared_channel_origins", "un_register_category", *SIPRI_KEYS}
    assert stored.body["designation"] == ""
    assert {key: value for key, value in stored.body.items() if key not in later} == {
        key: value
        for key, value in represent_claim(Claim.objects.with_details().get(pk=claim.pk)).items()
        if key not in later
    }
    assert Claim.objects.get(pk=claim.pk).version == claim.version
    assert list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot")) == versions


def test_the_sipri_migration_gives_old_documents_the_deal_keys_and_the_derived_un_category(make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    Claim.objects.filter(pk=claim.pk).update(item_category=vocab.ItemCategory.MISSILES)
    projection.rebuild_documents()
    versions = list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot"))
    old = document(claim)
    old.body = {
        key: value for key, value in old.body.items() if key not in (*SIPRI_KEYS, "un_register_category")
    }
    old.schema_version = 2
    old.save()
    importlib.import_module("claims.migrations.0019_h2_sipri").add_sipri_keys_to_documents(apps, None)
    stored = document(claim)
    assert stored.schema_version == 3  # the lineage keys come with 0022's rebuild
    assert stored.body["un_register_category"] == "VII"
    later = {"independent_origins", "shared_channel_origins"}
    assert {key: value for key, value in stored.body.items() if key not in later} == {
        key: value
        for key, value in represent_claim(Claim.objects.with_details().get(pk=claim.pk)).items()
        if key not in later
    }
    assert list(ClaimVersion.objects.filter(claim=claim).values_list("version", "snapshot")) == versions


def test_documents_of_claims_written_in_bulk_are_built_in_memory_as_the_rows_would_build_them(actors, editor):
    rich = claim_data(
        actors,
        kind="military_cooperation",
        supplier_id=None,
        recipient_id=None,
        participant_ids=[actors["RU"].pk, actors["CN"].pk, actors["KP"].pk],
        event_start=date(2023, 9, 12),
        event_precision="month",
        route=[
            services.RouteStopData(position=1, role="destination", country="RU"),
            services.RouteStopData(position=0, role="origin", country="KP"),
        ],
        hops=[
            hop(
                1,
                anonymity="outlet_voice",
                speaker_id=actors["daily"].pk,
                quote="  Text.  ",
                quote_language="en",
            ),
            hop(
                0,
                anonymity="named_on_record",
                speaker_id=actors["kirby"].pk,
                affiliation_id=actors["US"].pk,
                source_url="",
            ),
        ],
    )
    created, _ = services.create_claims(rows=[rich, claim_data(actors)], by=editor)
    for claim in created:
        assert_projected(claim)
