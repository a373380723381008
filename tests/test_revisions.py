import pytest

from claims import services
from claims.models import ClaimVersion
from claims.revisions import diff, flatten
from tests.conftest import claim_data, hop

pytestmark = pytest.mark.django_db


def test_a_version_reads_as_lines_of_facts(make_claim):
    claim = make_claim()
    lines = flatten(ClaimVersion.objects.get(claim=claim, version=1).snapshot)
    assert "Statement: North Korea has shipped munitions to Russia." in lines
    assert "Supplier: North Korea (KP)" in lines
    assert "Hop 1: “a US official” · Anonymous individual" in lines


def test_diff_shows_what_changed_and_keeps_the_rest(make_claim, actors, editor):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        by=editor,
        data=claim_data(
            actors,
            statement="North Korea has shipped shells to Russia.",
            hops=[hop(0, speaker_id=actors["kirby"].pk, anonymity="named_on_record", descriptor="")],
        ),
    )
    old, new = (ClaimVersion.objects.get(claim=claim, version=v).snapshot for v in (1, 2))
    lines = diff(old, new)
    removed = [line.text for line in lines if line.op == "removed"]
    added = [line.text for line in lines if line.op == "added"]
    assert "Statement: North Korea has shipped munitions to Russia." in removed
    assert "Statement: North Korea has shipped shells to Russia." in added
    assert "Hop 1: John Kirby (US) · Named, on the record" in added
    assert "Supplier: North Korea (KP)" in [line.text for line in lines if line.op == "same"]
    assert all(line.sign in "+− " for line in lines)


def test_identical_versions_have_no_changes(make_claim):
    snapshot = ClaimVersion.objects.get(claim=make_claim()).snapshot
    assert {line.op for line in diff(snapshot, snapshot)} == {"same"}
