import pytest
from django.utils import timezone

from claims import services, vocab
from claims.models import Actor, Claim, Source
from claims.projection import current_representations, represent_claims
from tests.conftest import claim_data, hop, other_chain

pytestmark = pytest.mark.django_db


def rebuilt(claim: Claim) -> dict:
    return represent_claims([Claim.objects.with_details().get(pk=claim.pk)])[0]


def test_stored_representation_equals_one_rebuilt_from_the_rows_after_every_kind_of_write(
    make_claim, actors, editor, reviewer
):
    claim = make_claim(vocab.Status.PUBLISHED)
    other = make_claim(hops=other_chain())
    services.update_claim(
        claim_id=claim.pk,
        expected_version=claim.version,
        data=claim_data(
            actors,
            participant_ids=[actors["CN"].pk],
            hops=[hop(0, source_url=""), hop(1, anonymity="named_on_record", speaker_id=actors["kirby"].pk)],
            route=[
                services.RouteStopData(position=0, role="transit", region="Middle East", approximate=True)
            ],
        ),
        by=reviewer,
    )
    services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind="corroborates",
        independence="independent",
        by=reviewer,
    )
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="two origins"
    )
    assert current_representations([claim]) == [rebuilt(claim)]


def test_actor_renames_and_source_health_show_without_a_new_version(make_claim, actors):
    claim = make_claim(vocab.Status.PUBLISHED)
    Actor.objects.filter(pk=actors["KP"].pk).update(name="DPRK")
    checked = timezone.now()
    Source.objects.update(liveness=vocab.Liveness.DEAD, last_checked_at=checked)
    [document] = current_representations([claim])
    assert document["supplier"]["name"] == "DPRK"
    assert document["sources"][0]["liveness"] == "dead"
    assert document["sources"][0]["last_checked_at"] == checked.isoformat()
    assert document == rebuilt(claim)


def test_representations_come_in_the_order_asked(make_claim):
    first, second, third = make_claim(), make_claim(), make_claim()
    documents = current_representations([third, first, second])
    assert [d["id"] for d in documents] == [str(c.uuid) for c in (third, first, second)]


def test_a_deleted_participant_keeps_its_stored_name_instead_of_breaking_the_claim(make_claim, actors):
    claim = make_claim(
        kind="diplomatic_event", supplier_id=None, recipient_id=None, participant_ids=[actors["CN"].pk]
    )
    actors["CN"].delete()
    [document] = current_representations([claim])
    assert document["participants"][0]["name"] == "China"
