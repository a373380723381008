"""A source's track record (claims.track_record): what became of the claims an actor originated or
relayed, on the API, on its page and as a suggestion beside the reviewer's letter picker."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors, services, vocab
from claims.models import Actor, Claim, ClaimRelation
from claims.track_record import MIN_RESOLVED, TrackRecord
from tests.conftest import api, hop, other_chain

pytestmark = pytest.mark.django_db

C = vocab.RelationKind


@pytest.fixture
def said_by(make_claim, actors):
    """make_claim, with `speaker` at hop 0 (originated) or at hop 1 (relayed)."""

    def build(status, speaker, *, relayed=False, **fields):
        named = {"anonymity": vocab.Anonymity.NAMED_ON_RECORD, "speaker_id": speaker.pk, "descriptor": ""}
        hops = [hop(0), hop(1, **named)] if relayed else [hop(0, **named)]
        return make_claim(status, hops=hops, **fields)

    return build


def relate(reviewer, from_claim, to_claim, kind, independence=vocab.Independence.INDEPENDENT):
    services.add_relation(
        from_claim_id=from_claim.pk,
        to_claim_id=to_claim.pk,
        kind=kind,
        independence=independence,
        by=reviewer,
    )


@pytest.fixture
def kirby_record(said_by, make_claim, actors, reviewer):
    """Kirby: 6 public claims (5 originated, 1 relayed) and a draft; others corroborate, contradict,
    deny; one is retracted."""
    kirby = actors["kirby"]
    mine = [said_by(vocab.Status.PUBLISHED, kirby, statement=f"Claim {n}.") for n in range(4)]
    mine.append(said_by(vocab.Status.PUBLISHED, kirby, relayed=True, statement="Relayed."))
    mine.append(said_by(vocab.Status.RETRACTED, kirby, statement="Withdrawn."))
    draft = said_by(vocab.Status.DRAFT, kirby, statement="Kirby's draft.")
    # Others come from another origin: relating as independent claims that share one is refused.
    others = [
        make_claim(vocab.Status.PUBLISHED, statement=f"Other {n}.", hops=other_chain()) for n in range(4)
    ]
    relate(reviewer, others[0], mine[0], C.CORROBORATES)
    relate(reviewer, mine[1], others[1], C.CORROBORATES)  # either way round
    relate(reviewer, others[2], mine[2], C.CORROBORATES, vocab.Independence.SAME_ORIGIN)  # proves nothing
    relate(reviewer, others[2], mine[3], C.CONTRADICTS)
    relate(reviewer, others[3], mine[4], C.DENIES)
    hidden = make_claim(vocab.Status.IN_REVIEW, statement="An unpublished corroboration.", hops=other_chain())
    relate(reviewer, hidden, mine[2], C.CORROBORATES)
    return {"kirby": kirby, "mine": mine, "draft": draft, "others": others}


def test_the_record_counts_outcomes_over_the_claims_a_reader_may_see(kirby_record, viewer):
    record = selectors.track_record_visible_to(viewer, kirby_record["kirby"])
    assert record == TrackRecord(
        claims=6,
        originated=5,
        relayed=1,
        corroborated=2,
        contradicted=1,
        denied=1,
        retracted=1,
        setbacks=3,
        resolved=5,
    )


def test_editors_count_drafts_and_corroboration_from_unpublished_claims(kirby_record, editor):
    record = selectors.track_record_visible_to(editor, kirby_record["kirby"])
    assert (record.claims, record.originated, record.corroborated) == (7, 6, 3)


def test_a_corroboration_flagged_for_a_shared_origin_no_longer_counts(kirby_record, viewer):
    mine, others = kirby_record["mine"], kirby_record["others"]
    flagged = ClaimRelation.objects.filter(from_claim=others[0], to_claim=mine[0])
    flagged.update(lineage_conflict="White House")
    assert selectors.track_record_visible_to(viewer, kirby_record["kirby"]).corroborated == 1


def test_the_record_runs_one_query_whatever_the_number_of_claims(kirby_record, viewer, said_by):
    selectors.track_record_visible_to(viewer, kirby_record["kirby"])  # the viewer's permissions, cached
    with CaptureQueriesContext(connection) as queries:
        selectors.track_record_visible_to(viewer, kirby_record["kirby"])
    assert len(queries.captured_queries) == 1
    for n in range(3):
        said_by(vocab.Status.PUBLISHED, kirby_record["kirby"], statement=f"More {n}.")
    with CaptureQueriesContext(connection) as queries:
        assert selectors.track_record_visible_to(viewer, kirby_record["kirby"]).claims == 9
    assert len(queries.captured_queries) == 1


@pytest.mark.parametrize(
    ("counts", "letter"),
    [
        ({"claims": 40, "corroborated": 4, "resolved": 4}, "F"),  # too few outcomes to judge
        ({"claims": 5, "corroborated": 4, "resolved": 5, "setbacks": 1}, "C"),
        ({"claims": 5, "corroborated": 4, "resolved": 4}, "F"),
        ({"claims": 5, "corroborated": 4, "resolved": 5, "setbacks": 0}, "A"),
        ({"claims": 10, "corroborated": 8, "resolved": 8}, "A"),
        ({"claims": 9, "corroborated": 7, "resolved": 7}, "B"),
        ({"claims": 10, "corroborated": 8, "resolved": 9, "setbacks": 1}, "B"),
        ({"claims": 10, "corroborated": 4, "resolved": 6, "setbacks": 2}, "C"),
        ({"claims": 10, "corroborated": 1, "resolved": 6, "setbacks": 5}, "D"),
        ({"claims": 10, "corroborated": 0, "resolved": 6, "setbacks": 6}, "E"),
    ],
)
def test_the_suggested_letter_follows_the_documented_bands(counts, letter):
    assert TrackRecord(**counts).suggested_letter == letter


def test_too_few_outcomes_is_cannot_be_judged_not_a_middle_grade():
    assert TrackRecord(claims=MIN_RESOLVED - 1, corroborated=MIN_RESOLVED - 1, resolved=MIN_RESOLVED - 1)
    assert TrackRecord(claims=4, corroborated=4, resolved=4).suggested_letter == "F"
    assert TrackRecord().share(0) is None


def test_the_api_actor_detail_carries_the_record_for_public_claims(kirby_record, viewer, editor):
    kirby = kirby_record["kirby"]
    body = api().get(f"/api/v1/actors/{kirby.pk}/").json()
    assert body["track_record"] == {
        "claims": 6,
        "originated": 5,
        "relayed": 1,
        "corroborated": 2,
        "contradicted": 1,
        "denied": 1,
        "retracted": 1,
        "shares": {"corroborated": 0.333, "contradicted": 0.167, "denied": 0.167, "retracted": 0.167},
        "suggested_reliability": "D",
    }
    assert body["reliability"] == ""  # the editors' own default stays beside it, untouched
    assert api(editor).get(f"/api/v1/actors/{kirby.pk}/").json()["track_record"]["claims"] == 7
    assert "track_record" not in api().get("/api/v1/actors/").json()["results"][0]


def test_the_api_actor_detail_runs_a_fixed_number_of_queries(
    kirby_record, said_by, viewer, django_assert_num_queries
):
    client = api(viewer)
    url = f"/api/v1/actors/{kirby_record['kirby'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        said_by(vocab.Status.PUBLISHED, kirby_record["kirby"], statement=f"More {n}.")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).json()["track_record"]["claims"] == 9


def test_an_actor_with_no_claims_has_an_empty_record(actors):
    body = api().get(f"/api/v1/actors/{actors['CN'].pk}/").json()
    assert body["track_record"]["claims"] == 0
    assert body["track_record"]["shares"]["corroborated"] is None
    assert body["track_record"]["suggested_reliability"] == "F"


def test_the_actor_page_shows_the_record_and_only_the_claims_the_reader_may_see(
    client, kirby_record, viewer, editor
):
    kirby = kirby_record["kirby"]
    client.force_login(viewer)
    response = client.get(f"/actors/{kirby.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Track record" in page and "Suggested source reliability: D" in page
    listed = {claim.pk for claim in response.context["claims"]}
    assert listed == {claim.pk for claim in kirby_record["mine"]}
    assert "Kirby&#x27;s draft." not in page and "Kirby's draft." not in page
    client.force_login(editor)
    assert kirby_record["draft"].pk in {c.pk for c in client.get(f"/actors/{kirby.pk}/").context["claims"]}


def test_the_actor_page_is_for_signed_in_readers_and_hides_draft_only_actors(
    client, said_by, viewer, outsider
):
    secret = Actor.objects.create(name="A new company", kind=vocab.ActorKind.COMPANY)
    said_by(vocab.Status.DRAFT, secret)
    assert client.get(f"/actors/{secret.pk}/").status_code == 302
    client.force_login(outsider)
    assert client.get(f"/actors/{secret.pk}/").status_code == 403
    client.force_login(viewer)
    assert client.get(f"/actors/{secret.pk}/").status_code == 404
    assert api(viewer).get(f"/api/v1/actors/{secret.pk}/").status_code == 404
    assert client.get("/actors/999999/").status_code == 404


def test_the_actor_page_is_in_italian(client, kirby_record, viewer):
    client.force_login(viewer)
    page = client.get(f"/actors/{kirby_record['kirby'].pk}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Precedenti" in page


def test_the_claim_page_links_speakers_to_their_actor_page(client, kirby_record, viewer):
    client.force_login(viewer)
    claim = kirby_record["mine"][0]
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert f'href="/actors/{kirby_record["kirby"].pk}/"' in page


def test_the_reviewer_sees_the_suggestion_beside_a_blank_letter_picker(
    client, kirby_record, said_by, reviewer, viewer
):
    kirby = kirby_record["kirby"]
    kirby.reliability, kirby.reliability_note = "B", "Speaks for the NSC."
    kirby.save()
    claim = said_by(vocab.Status.IN_REVIEW, kirby, statement="To be assessed.")
    client.force_login(reviewer)
    response = client.get(f"/claims/{claim.uuid}/")
    page = response.content.decode()
    assert "John Kirby's track record suggests D (not usually reliable)" in page
    # The draft counts for the reviewer; the claim being assessed does not count itself.
    assert "3 of 7 corroborated independently, 1 contradicted, 1 denied, 1 retracted." in page
    assert "The editors' default for this source: B (usually reliable)." in page
    form = response.context["assessment_form"]
    assert form["reliability"].value() is None
    assert '<option value="" selected>' in str(form["reliability"])
    client.force_login(viewer)
    assert "track record suggests" not in client.get(f"/claims/{claim.uuid}/").content.decode()


def test_an_anonymous_originator_gets_no_suggestion(client, make_claim, reviewer):
    claim = make_claim(vocab.Status.IN_REVIEW)  # hop 0: "a US official"
    client.force_login(reviewer)
    response = client.get(f"/claims/{claim.uuid}/")
    assert response.context["suggestions"] == []
    assert Claim.objects.count() == 1
