"""The change feed covers sources: changed, quote missing, dead and recovered, once per change."""

import pytest
from django.db import IntegrityError, transaction

from claims import vocab
from claims.models import FeedEvent, Source
from sources.checks import accept_source_baseline, check_source
from sources.dispatch import lease_source
from tests.conftest import hop
from tests.sources.site import Page, article

FEED = "/api/v1/feed/"
PATH = "/2023/09/kim"
QUOTE = "Kim Jong-un ha intenzione di recarsi in Russia questo mese."
REWRITTEN = article(
    QUOTE, *[f"Paragrafo nuovo numero {n}, riscritto dalla redazione da capo." for n in range(40)]
)


def check(source: Source) -> None:
    check_source(source_id=source.pk, lease_token=lease_source(source_id=source.pk, steal=True))


@pytest.fixture
def cited(make_claim, site):
    """A source on the local site, captured once, cited by a claim in the status asked for."""

    def build(status: str = vocab.Status.PUBLISHED) -> tuple:
        claim = make_claim(status, hops=[hop(source_url=site.url(PATH), quote=QUOTE)])
        source = claim.hops.get().source
        site.pages[PATH] = Page(body=article(QUOTE))
        check(source)
        return claim, source

    return build


def source_events(anon) -> list[dict]:
    return [event for event in anon.get(FEED).json()["events"] if event["source"] is not None]


def test_a_lost_quote_and_its_return_reach_the_feed_with_the_source_and_its_claims(anon, cited, site):
    claim, source = cited()
    site.pages[PATH] = Page(body=article("Il testo ora dice altro."))
    check(source)
    site.pages[PATH] = Page(body=article(QUOTE))
    check(source)
    lost, back = source_events(anon)
    assert [lost["type"], back["type"]] == ["source_quote_missing", "source_recovered"]
    assert lost["claim_id"] is None and lost["claim"] is None and lost["version"] is None
    assert lost["source"]["id"] == source.pk and lost["source"]["url"] == source.url
    assert lost["source"]["quotes_missing"] == 1 and lost["source"]["liveness"] == "changed"
    assert lost["source"]["cited_by"] == [str(claim.uuid)]
    assert back["source"]["liveness"] == "live" and back["source"]["quotes_missing"] == 0


def test_a_rewritten_page_is_source_changed_and_accepting_it_recovers(anon, cited, site, editor):
    _, source = cited()
    site.pages[PATH] = Page(body=REWRITTEN)
    check(source)
    accept_source_baseline(source_id=source.pk, by=editor)
    assert [event["type"] for event in source_events(anon)] == ["source_changed", "source_recovered"]


def test_a_dead_source_is_announced_once_and_its_return_too(anon, cited, site, settings):
    settings.SOURCE_DEAD_STRIKE_INTERVAL = 0
    _, source = cited()
    site.pages[PATH] = Page(status=404, body=b"<html><title>404 Not Found</title></html>")
    for _ in range(4):  # suspect, suspect, dead, still dead
        check(source)
    site.pages[PATH] = Page(body=article(QUOTE))
    check(source)
    assert [event["type"] for event in source_events(anon)] == ["source_dead", "source_recovered"]


def test_a_state_that_does_not_change_emits_nothing_more(anon, cited, site):
    _, source = cited()
    site.pages[PATH] = Page(body=article("Il testo ora dice altro."))
    check(source)
    check(source)
    check(source)
    assert [event["type"] for event in source_events(anon)] == ["source_quote_missing"]


def test_first_capture_and_transient_failures_are_not_news(anon, cited, site):
    _, source = cited()  # unchecked → live
    site.pages[PATH] = Page(status=500, body=b"oops")
    check(source)  # degraded
    site.pages[PATH] = Page(body=article(QUOTE))
    check(source)  # live again: nobody was told it was down
    assert source_events(anon) == []


def test_a_source_only_drafts_cite_emits_nothing(anon, cited, site):
    _, source = cited(vocab.Status.DRAFT)
    site.pages[PATH] = Page(body=article("Il testo ora dice altro."))
    check(source)
    assert source_events(anon) == []
    assert not FeedEvent.objects.filter(source=source).exists()


def test_source_events_share_the_claims_sequence_and_page_without_gaps(anon, cited, site, make_claim):
    _, source = cited()
    site.pages[PATH] = Page(body=article("Il testo ora dice altro."))
    check(source)
    make_claim(vocab.Status.PUBLISHED, statement="Another claim, published after the source changed.")
    seen, after, has_more = [], 0, True
    while has_more:
        body = anon.get(FEED, {"after": after, "limit": 1}).json()
        seen += [(event["seq"], event["type"]) for event in body["events"]]
        after, has_more = body["next_after"], body["has_more"]
    assert [seq for seq, _ in seen] == list(FeedEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert [kind for _, kind in seen] == ["published", "source_quote_missing", "published"]


@pytest.mark.django_db
def test_an_event_about_both_a_claim_and_a_source_is_refused_by_the_database(published):
    source = published.hops.get().source
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedEvent.objects.create(type="source_dead", claim=published, source=source, version=1, payload={})
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedEvent.objects.create(type="published", source=source, payload={})
