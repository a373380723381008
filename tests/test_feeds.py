"""The Atom feed, read by feedparser: the claim list's filters, HTML links with a JSON alternate,
retractions kept as entries."""

import feedparser
import pytest

from claims import services, vocab
from claims.filtering import ClaimFilter

ATOM = "/feeds/claims.atom"


def parsed(client, query: str = ""):
    response = client.get(f"{ATOM}{query}")
    assert response.status_code == 200, response.content
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


@pytest.fixture
def two_claims(make_claim, actors):
    """A claim North Korea → Russia and one Russia → North Korea, both published."""
    to_russia = make_claim(vocab.Status.PUBLISHED)
    to_korea = make_claim(
        vocab.Status.PUBLISHED,
        statement="Russia has sent air defence systems to North Korea.",
        supplier_id=actors["RU"].pk,
        recipient_id=actors["KP"].pk,
        item_category=vocab.ItemCategory.AIR_DEFENCE,
        stage=vocab.Stage.DELIVERY,
    )
    return to_russia, to_korea


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?recipient=RU", "to_russia"),
        ("?recipient=ru", "to_russia"),
        ("?supplier=RU", "to_korea"),
        ("?item_category=air_defence", "to_korea"),
        ("?stage=shipment", "to_russia"),
        ("?q=defence", "to_korea"),
        ("?recipient=KP&stage=delivery", "to_korea"),
    ],
)
def test_the_claim_list_filters_apply_to_the_feed(client, two_claims, query, expected):
    to_russia, to_korea = two_claims
    wanted = {"to_russia": to_russia, "to_korea": to_korea}[expected]
    assert ids(parsed(client, query)) == [f"urn:uuid:{wanted.uuid}"]


def test_an_actor_id_filter_and_an_unmatched_filter(client, two_claims, actors):
    to_russia, _ = two_claims
    assert ids(parsed(client, f"?recipient={actors['RU'].pk}")) == [f"urn:uuid:{to_russia.uuid}"]
    assert ids(parsed(client, "?recipient=US")) == []
    assert ids(parsed(client, "?status=draft")) == []  # the feed is public: drafts are never in it


def test_every_filter_of_the_claim_list_is_accepted(client, two_claims):
    blank = "&".join(f"{name}=" for name in ClaimFilter.base_filters)
    assert len(parsed(client, f"?{blank}").entries) == 2


def test_an_unknown_parameter_is_a_400_as_on_the_api_list(client, two_claims):
    response = client.get(f"{ATOM}?recipent=RU")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_parameter" and "recipent" in body["errors"]
    assert client.get("/api/v1/claims/?recipent=RU").json()["code"] == "unknown_parameter"


@pytest.mark.parametrize(
    "query", ["recipient=XX", "stage=flying", "credibility=9", "updated_after=yesterday"]
)
def test_an_invalid_filter_value_is_a_400_naming_the_parameter(client, query):
    response = client.get(f"{ATOM}?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]


def test_entries_link_to_the_html_page_with_the_json_as_an_alternate(client, two_claims):
    to_russia, _ = two_claims
    [entry] = parsed(client, "?recipient=RU").entries
    links = {(link.get("type"), link.href) for link in entry.links}
    assert entry.link == f"http://testserver/claims/{to_russia.uuid}/"
    assert ("application/json", f"http://testserver/api/v1/claims/{to_russia.uuid}/") in links
    assert all(link.rel == "alternate" for link in entry.links)


def test_the_feed_links_to_the_filtered_list_and_has_an_id_per_filter(client, two_claims):
    feed = parsed(client, "?recipient=RU")
    assert feed.feed.link == "http://testserver/claims/?recipient=RU"
    assert feed.feed.id != parsed(client, "?recipient=KP").feed.id


def test_a_retraction_appears_as_an_entry_with_its_reason(client, make_claim, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    services.transition_claim(
        claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="The ministry denied it", by=reviewer
    )
    [entry] = parsed(client).entries
    assert entry.id == f"urn:uuid:{claim.uuid}"
    assert entry.title.startswith("Retracted: ")
    assert "The ministry denied it" in entry.summary
    assert [tag.term for tag in entry.tags] == ["retracted"]
    assert entry.updated_parsed >= entry.published_parsed


def test_the_newest_change_comes_first(client, two_claims, reviewer):
    to_russia, to_korea = two_claims
    assert ids(parsed(client)) == [f"urn:uuid:{to_korea.uuid}", f"urn:uuid:{to_russia.uuid}"]
    services.add_assessment(claim_id=to_russia.pk, by=reviewer, reliability="C", credibility=4, rationale="x")
    assert ids(parsed(client)) == [f"urn:uuid:{to_russia.uuid}", f"urn:uuid:{to_korea.uuid}"]


def test_the_feed_runs_a_fixed_number_of_queries(client, make_claim, reviewer, django_assert_num_queries):
    for n in range(4):
        claim = make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}")
        if n % 2:
            services.transition_claim(claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="no", by=reviewer)
    with django_assert_num_queries(5):
        assert client.get(ATOM).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_feedparser_reads_the_served_feed_over_http(live_server, two_claims):
    to_russia, _ = two_claims
    feed = feedparser.parse(f"{live_server.url}{ATOM}?recipient=RU")
    assert feed.status == 200 and not feed.bozo
    assert feed.version == "atom10"
    assert ids(feed) == [f"urn:uuid:{to_russia.uuid}"]
    assert feed.entries[0].link == f"{live_server.url}/claims/{to_russia.uuid}/"
