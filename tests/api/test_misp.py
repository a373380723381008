"""The MISP feed, judged by PyMISP: every event in the manifest loads, and manifest and hashes are what
PyMISP's own feed generator computes from the events."""

import base64

import pytest
from pymisp import MISPEvent
from pymisp.abstract import describe_types

from claims import services, vocab
from claims.tokens import create_api_token

FEED = "/feeds/misp/"


def load(client, event_uuid: str) -> MISPEvent:
    response = client.get(f"{FEED}{event_uuid}.json")
    assert response.status_code == 200
    loaded = MISPEvent()
    loaded.load(response.content)
    return loaded


def tag_names(event: MISPEvent) -> set[str]:
    return {tag.name for tag in event.tags}


@pytest.fixture
def feed(make_claim, reviewer):
    published = make_claim(vocab.Status.PUBLISHED)
    services.add_assessment(
        claim_id=published.pk,
        by=reviewer,
        reliability="B",
        credibility=2,
        likelihood="roughly_even",
        confidence="moderate",
        rationale="Two officials, one outlet.",
    )
    retracted = make_claim(vocab.Status.RETRACTED, statement="Kim will travel by armoured train.")
    make_claim(vocab.Status.DRAFT, statement="A secret draft.")
    make_claim(vocab.Status.IN_REVIEW, statement="A claim under review.")
    return {"published": published, "retracted": retracted}


@pytest.mark.django_db
def test_every_manifest_event_loads_in_pymisp_and_regenerates_the_same_manifest(anon, feed):
    manifest = anon.get(f"{FEED}manifest.json").json()
    assert set(manifest) == {str(claim.uuid) for claim in feed.values()}
    for event_uuid, entry in manifest.items():
        event = load(anon, event_uuid)
        assert event.uuid == event_uuid
        assert event.manifest == {event_uuid: entry}
        # The file is exactly what PyMISP's feed generator writes for the event it loaded.
        assert event.to_feed() == anon.get(f"{FEED}{event_uuid}.json").json()


@pytest.mark.django_db
def test_hashes_are_the_md5_of_each_attribute_value_as_pymisp_computes_them(anon, feed):
    lines = anon.get(f"{FEED}hashes.csv").content.decode().splitlines()
    expected = []
    for event_uuid in anon.get(f"{FEED}manifest.json").json():
        event = load(anon, event_uuid)
        expected += [f"{digest},{event.uuid}" for digest in event.attributes_hashes("md5")]
    assert sorted(lines) == sorted(expected) and lines


@pytest.mark.django_db
def test_attributes_use_types_and_categories_misp_knows(anon, feed):
    mappings = describe_types["category_type_mappings"]
    event = load(anon, str(feed["published"].uuid))
    assert event.attributes
    for attribute in event.attributes:
        assert attribute.type in mappings[attribute.category]
    values = {attribute.value for attribute in event.attributes}
    assert feed["published"].statement in values and "https://news.example.org/2023/09/arms" in values


@pytest.mark.django_db
def test_the_assessment_becomes_admiralty_and_estimative_language_tags(anon, feed):
    assert tag_names(load(anon, str(feed["published"].uuid))) == {
        'claim-tracker:status="published"',
        'admiralty-scale:source-reliability="b"',
        'admiralty-scale:information-credibility="2"',
        'estimative-language:likelihood-probability="roughly-even-chance"',
        'estimative-language:confidence-in-analytic-judgment="moderate"',
    }


@pytest.mark.django_db
def test_a_retracted_claim_stays_tagged_and_unpublished(anon, feed):
    event = load(anon, str(feed["retracted"].uuid))
    assert event.published is False
    assert 'claim-tracker:status="retracted"' in tag_names(event)
    assert load(anon, str(feed["published"].uuid)).published is True


@pytest.mark.django_db
def test_a_changed_claim_gets_a_newer_timestamp(anon, feed, reviewer):
    event_uuid = str(feed["published"].uuid)
    before = anon.get(f"{FEED}manifest.json").json()[event_uuid]["timestamp"]
    services.add_assessment(
        claim_id=feed["published"].pk, by=reviewer, reliability="A", credibility=2, rationale="Confirmed."
    )
    after = anon.get(f"{FEED}manifest.json").json()[event_uuid]
    assert after["timestamp"] >= before
    assert {"name": 'admiralty-scale:source-reliability="a"'}.items() <= next(
        tag for tag in after["Tag"] if "source-reliability" in tag["name"]
    ).items()


@pytest.mark.django_db
def test_drafts_and_claims_in_review_are_not_in_the_feed(anon, as_user, editor, make_claim):
    draft = make_claim(vocab.Status.DRAFT, statement="A secret draft.")
    review = make_claim(vocab.Status.IN_REVIEW, statement="A claim under review.")
    client = as_user(editor)  # even an editor's session reads the public feed
    for url in (f"{FEED}manifest.json", f"{FEED}hashes.csv"):
        body = client.get(url).content
        assert b"secret draft" not in body and b"under review" not in body
        assert str(draft.uuid).encode() not in body and str(review.uuid).encode() not in body
    assert client.get(f"{FEED}{draft.uuid}.json").status_code == 404
    assert client.get(f"{FEED}{review.uuid}.json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["00000000-0000-4000-8000-000000000000.json", "not-a-uuid.json", "events/"])
def test_an_unknown_event_or_file_is_a_json_404(anon, name):
    response = anon.get(f"{FEED}{name}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_private_feed_takes_the_token_as_basic_password(settings, anon, viewer, feed):
    settings.PUBLIC_API = False
    assert anon.get(f"{FEED}manifest.json").status_code == 401
    secret = create_api_token(user=viewer, name="misp")
    basic = base64.b64encode(f"misp:{secret}".encode()).decode()
    assert anon.get(f"{FEED}manifest.json", HTTP_AUTHORIZATION=f"Basic {basic}").status_code == 200
    assert anon.get(f"{FEED}hashes.csv", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["manifest.json", "hashes.csv"])
@pytest.mark.parametrize("size", [1, 6])
def test_the_feed_lists_cost_the_same_queries_whatever_their_size(
    anon, make_claim, django_assert_num_queries, url, size
):
    for n in range(size):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.")
    # Claims, their documents, actors, sources; then the empty next chunk.
    with django_assert_num_queries(5):
        assert anon.get(f"{FEED}{url}").status_code == 200
