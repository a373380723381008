"""Independence enforced from the claims' attribution chains (claims.lineage through the services)."""

import pytest
from django.core.exceptions import ValidationError

from claims import projection, schema, services, vocab
from claims.demo import load_demo
from claims.models import Actor, Claim, ClaimDocument, ClaimRelation
from tests.conftest import hop, other_chain

pytestmark = pytest.mark.django_db


def refused(call, field: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field]


def relate(first, second, by, independence="independent", kind="corroborates"):
    return services.add_relation(
        from_claim_id=first.pk, to_claim_id=second.pk, kind=kind, independence=independence, by=by
    )


def document(claim) -> dict:
    return ClaimDocument.objects.get(claim=claim).body


def test_a_white_house_claim_and_a_kirby_claim_of_the_seed_share_a_lineage(reviewer):
    load_demo(password="demo-password")
    kirby = Claim.objects.get(hops__position=0, hops__speaker__name="John Kirby")
    white_house = ClaimRelation.objects.get(from_claim=kirby, kind="corroborates").to_claim
    assert white_house.hops.get(position=0).speaker.name == "White House"
    versions = (kirby.version, white_house.version)
    [message] = refused(lambda: relate(kirby, white_house, reviewer, kind="context"), "independence")
    assert "White House" in message
    assert not ClaimRelation.objects.filter(from_claim=kirby, to_claim=white_house, kind="context").exists()
    assert (Claim.objects.get(pk=kirby.pk).version, Claim.objects.get(pk=white_house.pk).version) == versions
    # The demo's own relation between them says same origin, and the document shows why.
    [shown] = [r for r in document(kirby)["relations"] if r["claim_id"] == str(white_house.uuid)]
    assert shown["independence"] == "same_origin"
    assert shown["lineage"]["verdict"] == "shared_origin"
    assert "White House" in [origin["name"] for origin in shown["lineage"]["shared"]]


def test_two_claims_with_identical_chains_cannot_be_independent_nor_confirm_each_other(
    make_claim, editor, reviewer
):
    claim, twin = make_claim(), make_claim(statement="The same, from the same official.")
    [message] = refused(lambda: relate(twin, claim, editor), "independence")
    assert "us official" in message
    relate(twin, claim, editor, independence="possibly_shared_origin")
    refused(
        lambda: services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="twice"
        ),
        "credibility",
    )
    assert claim.assessments.count() == 0


def test_an_independent_relation_recorded_before_the_rule_does_not_confirm_a_claim(
    make_claim, editor, reviewer
):
    claim, twin = make_claim(), make_claim()
    ClaimRelation.objects.create(
        from_claim=twin, to_claim=claim, kind="corroborates", independence="independent", created_by=editor
    )
    refused(
        lambda: services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="twice"
        ),
        "credibility",
    )


def test_sharing_only_the_document_is_allowed_as_independent_but_does_not_confirm(
    make_claim, editor, reviewer
):
    claim = make_claim()
    same_page = make_claim(
        vocab.Status.PUBLISHED,
        hops=[hop(anonymity="anonymous_institutional", descriptor="Seoul's spy agency")],
    )
    relate(same_page, claim, reviewer)
    [shown] = document(claim)["relations"]
    assert shown["lineage"]["verdict"] == "shared_channel"
    assert (document(claim)["independent_origins"], document(claim)["shared_channel_origins"]) == (0, 1)
    refused(
        lambda: services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="x"
        ),
        "credibility",
    )


def test_disjoint_corroborations_are_counted_and_confirm(make_claim, editor, reviewer, actors):
    claim = make_claim()
    first = make_claim(vocab.Status.PUBLISHED, hops=other_chain())
    second = make_claim(vocab.Status.PUBLISHED, hops=other_chain(descriptor="The South Korean intelligence"))
    relate(first, claim, reviewer)
    relate(claim, second, reviewer)
    assert document(claim)["independent_origins"] == 1  # the two others share their origin
    third = make_claim(
        vocab.Status.PUBLISHED,
        hops=other_chain(descriptor="", anonymity="named_on_record", speaker_id=actors["CN"].pk),
    )
    relate(third, claim, reviewer)
    assert document(claim)["independent_origins"] == 2
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="seen")
    assert Claim.objects.get(pk=claim.pk).current_assessment.credibility == 1


def test_a_drafts_corroboration_is_not_counted_in_the_published_claims_document(
    make_claim, editor, reviewer, actors
):
    published = make_claim(vocab.Status.PUBLISHED)
    draft = make_claim(hops=other_chain())
    relate(draft, published, reviewer)
    assert (document(published)["independent_origins"], document(published)["shared_channel_origins"]) == (
        0,
        0,
    )
    # Editing the draft's chain leaves the published claim's counts as they were.
    services.update_claim(
        claim_id=draft.pk,
        expected_version=Claim.objects.get(pk=draft.pk).version,
        data=_rewritten(draft, hops=other_chain(descriptor="The South Korean intelligence")),
        by=editor,
    )
    assert document(published)["independent_origins"] == 0


def test_a_hop_change_that_makes_origins_meet_flags_the_relation_and_changes_nothing_else(
    make_claim, editor, actors
):
    claim, other = make_claim(), make_claim(hops=other_chain())
    relation = relate(other, claim, editor)
    services.update_claim(
        claim_id=other.pk,
        expected_version=Claim.objects.get(pk=other.pk).version,
        data=_rewritten(other, hops=[hop(source_url="https://elsewhere.example.com/x")]),
        by=editor,
    )
    relation.refresh_from_db()
    assert relation.independence == "independent"
    assert relation.lineage_conflict == "us official"
    # Both documents show it: the edited claim's new version, and the other's refreshed document.
    for end in (claim, other):
        [shown] = document(end)["relations"]
        assert shown["lineage_conflict"] == "us official" and shown["lineage"]["verdict"] == "shared_origin"
    assert document(claim)["independent_origins"] == 0


def test_a_reviewer_settles_a_flag_by_relating_again(make_claim, editor, reviewer):
    claim, other = make_claim(), make_claim(hops=other_chain())
    relation = relate(other, claim, editor)
    ClaimRelation.objects.filter(pk=relation.pk).update(lineage_conflict="us official")
    again = relate(other, claim, reviewer, independence="same_origin")
    assert again.pk == relation.pk
    relation.refresh_from_db()
    assert (relation.independence, relation.lineage_conflict) == ("same_origin", "")
    refused(lambda: relate(other, claim, reviewer, independence="same_origin"), "kind")  # settled now


def test_a_new_parent_that_joins_two_origins_flags_their_relation(make_claim, editor, actors):
    white_house = Actor.objects.create(name="White House", kind="government_body", country="US")
    kirby_claim = make_claim(hops=[hop(anonymity="named_on_record", speaker_id=actors["kirby"].pk)])
    white_house_claim = make_claim(hops=other_chain(anonymity="named_on_record", speaker_id=white_house.pk))
    relation = relate(kirby_claim, white_house_claim, editor)
    version = Claim.objects.get(pk=kirby_claim.pk).version

    Actor.objects.filter(pk=actors["kirby"].pk).update(parent=white_house)
    services.reevaluate_actor_lineage(actor_id=actors["kirby"].pk)

    relation.refresh_from_db()
    assert (relation.independence, relation.lineage_conflict) == ("independent", "White House")
    assert Claim.objects.get(pk=kirby_claim.pk).version == version  # flagged, never silently changed
    assert document(white_house_claim)["relations"][0]["lineage"]["verdict"] == "shared_origin"


def test_the_dashboard_and_the_claim_page_show_flagged_relations_to_editors_only(
    client, make_claim, editor, reviewer, viewer
):
    claim = make_claim(vocab.Status.PUBLISHED)
    other = make_claim(vocab.Status.PUBLISHED, hops=other_chain(), statement="Seen from Seoul.")
    relation = relate(other, claim, reviewer)
    ClaimRelation.objects.filter(pk=relation.pk).update(lineage_conflict="us official")
    client.force_login(editor)
    assert "now share an origin: us official" in client.get("/").content.decode()
    assert "share an origin (us official)" in client.get(f"/claims/{claim.uuid}/").content.decode()
    client.force_login(viewer)
    assert "us official" not in client.get("/").content.decode()
    assert "share an origin (us official)" not in client.get(f"/claims/{claim.uuid}/").content.decode()


def test_lineages_of_many_claims_are_read_in_a_fixed_number_of_queries(
    make_claim, actors, django_assert_num_queries
):
    claims = [
        make_claim(hops=[hop(anonymity="named_on_record", speaker_id=actors["kirby"].pk)]) for _ in range(3)
    ]
    with django_assert_num_queries(2):  # the hops, one generation of actors
        projection.lineage_index([claim.pk for claim in claims[:1]])
    with django_assert_num_queries(2):
        projection.lineage_index([claim.pk for claim in claims])


def _rewritten(claim, **changes) -> services.ClaimData:
    data = schema.from_write_shape(schema.write_shape(document(claim)))
    for name, value in changes.items():
        setattr(data, name, value)
    return data
