"""schema.org ClaimReview on published claims' pages, read back with extruct as aggregators read it."""

import extruct
import pytest

from claims import services, vocab
from tests.conftest import SOURCE_URL, hop, other_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_claim):
    return make_claim(vocab.Status.PUBLISHED)


def json_ld(client, claim) -> list[dict]:
    response = client.get(f"/claims/{claim.uuid}/")
    assert response.status_code == 200
    return extruct.extract(
        response.content.decode(), base_url=f"http://testserver/claims/{claim.uuid}/", syntaxes=["json-ld"]
    )["json-ld"]


def test_a_published_claim_page_carries_its_claim_review(client, viewer, make_claim, actors):
    claim = make_claim(
        vocab.Status.PUBLISHED,
        hops=[
            hop(0, speaker_id=actors["kirby"].pk, descriptor="", anonymity=vocab.Anonymity.NAMED_ON_RECORD),
            hop(1, speaker_id=actors["daily"].pk, descriptor="", anonymity=vocab.Anonymity.OUTLET_VOICE),
        ],
    )
    client.force_login(viewer)
    [review] = json_ld(client, claim)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == claim.statement
    assert review["url"] == f"http://testserver/claims/{claim.uuid}/"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Arms-Transfer Claim Tracker",
        "url": "http://testserver/",
    }
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "John Kirby"}
    appearance = {
        "@type": "CreativeWork",
        "url": SOURCE_URL,
        "author": {"@type": "Organization", "name": "An Italian daily"},
        "inLanguage": "it",
    }
    assert review["itemReviewed"]["appearance"] == [appearance]
    assert review["itemReviewed"]["firstAppearance"] == appearance
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 3,
        "worstRating": 1,
        "bestRating": 5,
        "alternateName": "Possibly true (B3)",
        "ratingExplanation": "Official, unconfirmed.",
    }
    assert review["datePublished"] == claim.published_at.date().isoformat()


def test_an_unnamed_originator_is_named_by_its_descriptor_with_its_affiliation(
    client, viewer, make_claim, actors
):
    claim = make_claim(vocab.Status.PUBLISHED, hops=[hop(0, affiliation_id=actors["US"].pk)])
    client.force_login(viewer)
    [review] = json_ld(client, claim)
    assert review["itemReviewed"]["author"] == {
        "@type": "Person",
        "name": "a US official",
        "affiliation": {"@type": "Organization", "name": "United States"},
    }


@pytest.mark.parametrize(("credibility", "value"), [(2, 4), (4, 2), (5, 1)])
def test_the_rating_follows_credibility(client, viewer, published, reviewer, credibility, value):
    services.add_assessment(
        claim_id=published.pk, by=reviewer, reliability="A", credibility=credibility, rationale="Seen."
    )
    client.force_login(viewer)
    [review] = json_ld(client, published)
    assert review["reviewRating"]["ratingValue"] == value


def test_confirmed_by_other_sources_is_the_best_rating(client, viewer, make_claim, reviewer):
    claim, other = (
        make_claim(vocab.Status.PUBLISHED),
        make_claim(vocab.Status.PUBLISHED, statement="Also seen.", hops=other_chain()),
    )
    services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.INDEPENDENT,
        note="",
        by=reviewer,
    )
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="Seen twice."
    )
    client.force_login(viewer)
    [review] = json_ld(client, claim)
    assert review["reviewRating"]["ratingValue"] == 5
    assert review["reviewRating"]["alternateName"] == "Confirmed by other sources (A1)"


def test_truth_that_cannot_be_judged_gets_words_and_no_number(client, viewer, published, reviewer):
    services.add_assessment(claim_id=published.pk, by=reviewer, reliability="F", credibility=6, rationale="?")
    client.force_login(viewer)
    [review] = json_ld(client, published)
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Truth cannot be judged (F6)",
        "ratingExplanation": "?",
    }


@pytest.mark.parametrize("status", [vocab.Status.DRAFT, vocab.Status.IN_REVIEW, vocab.Status.RETRACTED])
def test_no_claim_review_on_a_claim_that_is_not_published(client, editor, make_claim, status):
    claim = make_claim(status)
    client.force_login(editor)
    assert json_ld(client, claim) == []


def test_a_statement_cannot_end_the_json_ld_script(client, viewer, make_claim):
    statement = "Shells </script><script>alert(1)</script> & <!-- reached Russia."
    claim = make_claim(vocab.Status.PUBLISHED, statement=statement)
    client.force_login(viewer)
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "<script>alert(1)" not in page
    [review] = json_ld(client, claim)
    assert review["claimReviewed"] == statement


def test_the_page_in_italian_still_rates_in_english_words(client, viewer, published):
    client.force_login(viewer)
    client.cookies["django_language"] = "it"
    [review] = json_ld(client, published)
    assert review["reviewRating"]["alternateName"] == "Possibly true (B3)"
