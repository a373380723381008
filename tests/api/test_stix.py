"""STIX 2.1 as a graph, judged by OASIS's stix2-validator in strict mode and parsed by the stix2 library."""

import uuid

import pytest
import stix2
from django.core.management import call_command
from stix2validator import ValidationOptions, validate_parsed_json

from claims import services, vocab
from claims.api import stix
from claims.models import Claim

pytestmark = pytest.mark.django_db


def findings(bundle: dict, *, enforce_refs: bool = False) -> list[str]:
    """Every error and warning of `stix2-validator --strict` (which counts warnings as errors)."""
    options = ValidationOptions(version="2.1", strict=True, enforce_refs=enforce_refs)
    results = validate_parsed_json(bundle, options)
    return [str(error) for error in results.errors] + [str(warning) for warning in results.warnings or ()]


def assert_strictly_valid(bundle: dict, *, enforce_refs: bool = False) -> None:
    assert findings(bundle, enforce_refs=enforce_refs) == []
    parsed = stix2.parse(bundle, allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [obj for obj in bundle["objects"] if obj["type"] == kind]


def extension(obj: dict) -> dict:
    return obj["extensions"][stix.EXTENSION_ID]


def test_the_demo_claims_pass_the_strict_validator_for_readers_and_editors(anon, as_user, editor):
    call_command("load_demo")
    for client in (anon, as_user(editor)):
        bundle = client.get("/api/v1/claims/stix/").json()
        assert of_type(bundle, "report") and of_type(bundle, "relationship")
        # The whole export names no object it does not contain.
        assert_strictly_valid(bundle, enforce_refs=True)


def test_each_demo_claim_on_its_own_passes_the_strict_validator(as_user, editor):
    call_command("load_demo")
    for claim in Claim.objects.all():
        assert_strictly_valid(as_user(editor).get(f"/api/v1/claims/{claim.uuid}/stix/").json())


def test_the_validator_used_here_does_refuse_what_the_issue_reported():
    """The old export's two faults: a UUIDv5 id and a custom property without an extension."""
    note = {
        "type": "note",
        "spec_version": "2.1",
        "id": f"note--{uuid.uuid5(uuid.NAMESPACE_URL, 'x')}",
        "created": "2023-09-01T00:00:00.000Z",
        "modified": "2023-09-01T00:00:00.000Z",
        "content": "x",
        "object_refs": [stix.report_id("x")],
        "x_claim": {"kind": "transfer"},
    }
    found = findings({"type": "bundle", "id": stix.stable_id("bundle", "x"), "objects": [note]})
    assert any("UUIDv4" in finding for finding in found)
    assert any("x_claim" in finding for finding in found)


def test_ids_look_random_are_version_4_and_are_the_same_on_every_export(anon, published):
    url = f"/api/v1/claims/{published.uuid}/stix/"
    first, second = anon.get(url).json(), anon.get(url).json()
    assert first == second
    for obj in first["objects"]:
        assert uuid.UUID(obj["id"].split("--")[1]).version == 4, obj["id"]
    [report] = of_type(first, "report")
    assert report["id"] == stix.report_id(str(published.uuid)) != f"report--{published.uuid}"


def test_a_claim_is_a_report_over_its_actors_and_hop_notes_by_us(anon, published):
    bundle = anon.get(f"/api/v1/claims/{published.uuid}/stix/").json()
    [report] = of_type(bundle, "report")
    identities = {obj["name"]: obj for obj in of_type(bundle, "identity")}
    assert set(identities) == {"Arms-Transfer Claim Tracker", "North Korea", "Russia"}
    assert identities["North Korea"]["identity_class"] == "organization"
    assert identities["North Korea"]["sectors"] == ["government-national"]
    assert extension(identities["North Korea"])["country"] == "KP"
    notes = of_type(bundle, "note")
    assert report["object_refs"] == [
        identities["North Korea"]["id"],
        identities["Russia"]["id"],
        notes[0]["id"],
    ]
    assert report["name"] == published.statement and report["confidence"] == 50
    assert report["description"].startswith(f"{published.statement}\n\nAssessment: B3")
    fields = extension(report)
    assert fields["supplier_ref"] == identities["North Korea"]["id"]
    assert fields["recipient_ref"] == identities["Russia"]["id"]
    assert fields["hops"][0]["note_ref"] == notes[0]["id"]
    assert fields["assessment"]["reliability"] == "B" and fields["claim_id"] == str(published.uuid)
    assert "Kim Jong-un ha intenzione" in notes[0]["content"]
    producer = identities["Arms-Transfer Claim Tracker"]["id"]
    assert all(obj["created_by_ref"] == producer for obj in bundle["objects"] if obj["id"] != producer)


def test_every_object_with_our_fields_declares_them_in_the_extension_definition(anon, published):
    bundle = anon.get(f"/api/v1/claims/{published.uuid}/stix/").json()
    [definition] = of_type(bundle, "extension-definition")
    assert definition["id"] == stix.EXTENSION_ID
    assert definition["extension_types"] == ["property-extension"]
    extended = [obj for obj in bundle["objects"] if "extensions" in obj]
    assert {obj["type"] for obj in extended} == {"report", "identity"}
    assert all(extension(obj)["extension_type"] == "property-extension" for obj in extended)


def test_an_actor_is_one_identity_in_a_bundle_and_is_versioned_by_its_own_changes(anon, make_claim, actors):
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="A second shipment.")
    bundle = anon.get("/api/v1/claims/stix/").json()
    [korea] = [obj for obj in of_type(bundle, "identity") if obj["name"] == "North Korea"]
    actors["KP"].name = "DPRK"
    actors["KP"].save()
    renamed = anon.get("/api/v1/claims/stix/").json()
    [dprk] = [obj for obj in of_type(renamed, "identity") if obj["name"] == "DPRK"]
    assert dprk["id"] == korea["id"] and dprk["modified"] > korea["modified"]


def relate(reviewer, source, target, kind=vocab.RelationKind.CORROBORATES):
    services.add_relation(
        from_claim_id=source.pk,
        to_claim_id=target.pk,
        kind=kind,
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        note="Same train, other witness",
        by=reviewer,
    )


@pytest.mark.parametrize(
    ("kind", "relationship_type"),
    [
        ("corroborates", "related-to"),
        ("contradicts", "related-to"),
        ("denies", "related-to"),
        ("supersedes", "related-to"),
        ("duplicates", "duplicate-of"),
    ],
)
def test_relations_between_claims_are_relationships_between_their_reports_once(
    anon, make_claim, reviewer, kind, relationship_type
):
    first = make_claim(vocab.Status.PUBLISHED)
    second = make_claim(vocab.Status.PUBLISHED, statement="Trains carried shells north.")
    relate(reviewer, first, second, kind)
    [relationship] = of_type(anon.get("/api/v1/claims/stix/").json(), "relationship")
    assert relationship["relationship_type"] == relationship_type
    assert relationship["source_ref"] == stix.report_id(str(first.uuid))
    assert relationship["target_ref"] == stix.report_id(str(second.uuid))
    assert extension(relationship) == {
        "extension_type": "property-extension",
        "relation": kind,
        "independence": "possibly_shared_origin",
        "note": "Same train, other witness",
    }
    assert relationship["description"].startswith(f"{kind} (possibly shared origin)")


def test_a_relation_to_a_claim_the_reader_may_not_see_is_no_relationship(anon, as_user, make_claim, reviewer):
    published = make_claim(vocab.Status.PUBLISHED)
    draft = make_claim(statement="An unpublished shipment.")
    relate(reviewer, published, draft)
    assert of_type(anon.get(f"/api/v1/claims/{published.uuid}/stix/").json(), "relationship") == []
    [shown] = of_type(as_user(reviewer).get(f"/api/v1/claims/{published.uuid}/stix/").json(), "relationship")
    assert shown["target_ref"] == stix.report_id(str(draft.uuid))


def test_a_retraction_revokes_the_claims_objects_as_a_newer_version(anon, make_claim, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    other = make_claim(vocab.Status.PUBLISHED, statement="Trains carried shells north.")
    relate(reviewer, claim, other)
    url = f"/api/v1/claims/{claim.uuid}/stix/"
    before = {obj["id"]: obj for obj in anon.get(url).json()["objects"]}
    services.transition_claim(claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="Wrong", by=reviewer)
    after = anon.get(url).json()
    assert_strictly_valid(after)
    owned = [obj for obj in after["objects"] if obj["type"] in ("report", "note", "relationship")]
    assert {obj["type"] for obj in owned} == {"report", "note", "relationship"}
    for obj in owned:
        assert obj["revoked"] is True
        assert (
            obj["modified"] > before[obj["id"]]["modified"] and obj["created"] == before[obj["id"]]["created"]
        )
    assert not any(obj.get("revoked") for obj in of_type(after, "identity"))


def test_an_update_keeps_the_ids_and_moves_modified_forward(anon, published, reviewer, actors):
    url = f"/api/v1/claims/{published.uuid}/stix/"
    [before] = of_type(anon.get(url).json(), "report")
    services.add_assessment(
        claim_id=published.pk, by=reviewer, reliability="A", credibility=2, rationale="Seen."
    )
    [after] = of_type(anon.get(url).json(), "report")
    assert after["id"] == before["id"] and after["created"] == before["created"]
    assert after["modified"] > before["modified"] and after["confidence"] == 70


@pytest.mark.parametrize(
    ("credibility", "confidence"), [(1, 90), (2, 70), (3, 50), (4, 30), (5, 10), (6, None)]
)
def test_stix_confidence_follows_the_admiralty_scale_and_is_left_out_when_unjudgeable(
    credibility, confidence
):
    claim = {"assessment": {"credibility": credibility}}
    assert stix.confidence(claim) == confidence


def test_stix_report_omits_confidence_for_credibility_six(anon, published, reviewer):
    services.add_assessment(claim_id=published.pk, by=reviewer, reliability="F", credibility=6, rationale="?")
    bundle = anon.get(f"/api/v1/claims/{published.uuid}/stix/").json()
    [report] = of_type(bundle, "report")
    assert "confidence" not in report
    assert_strictly_valid(bundle)


def test_stix_list_export_filters_and_hides_drafts(anon, make_claim, draft):
    shown = make_claim(vocab.Status.RETRACTED)
    bundle = anon.get("/api/v1/claims/stix/").json()
    reports = of_type(bundle, "report")
    assert [r["external_references"][0]["external_id"] for r in reports] == [str(shown.uuid)]
    assert reports[0]["revoked"] is True
    assert anon.get(f"/api/v1/claims/{draft.uuid}/stix/").status_code == 404


def test_the_stix_list_runs_a_fixed_number_of_queries(anon, make_claim, django_assert_num_queries):
    make_claim(vocab.Status.PUBLISHED)
    with django_assert_num_queries(6):
        anon.get("/api/v1/claims/stix/")
    for n in range(5):
        make_claim(vocab.Status.PUBLISHED, statement=f"Shipment {n}.")
    with django_assert_num_queries(6):
        anon.get("/api/v1/claims/stix/")
