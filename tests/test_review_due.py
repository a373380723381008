"""Review due (claims.review): forward-looking claims whose window has passed, and claims nobody has
reviewed for REVIEW_DUE_AFTER_DAYS; one rule for the filter, the dashboard, the feed and the claim page."""

from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from django.core.management import call_command
from django.utils import timezone

from claims import review, selectors, services, vocab
from claims.models import Assessment, Claim
from tests.conftest import api

pytestmark = pytest.mark.django_db

FEED = "/feeds/review-due.atom"
SEPTEMBER_2023 = {"event_start": date(2023, 9, 1), "event_precision": "month"}


@pytest.fixture
def demo(db) -> dict[int, Claim]:
    call_command("load_demo")
    from claims.demo import CLAIMS

    by_statement = {claim.statement: claim for claim in Claim.objects.all()}
    return {number: by_statement[entry["statement"]] for number, entry in enumerate(CLAIMS, start=1)}


def numbers(demo, claims) -> set[int]:
    pks = {claim.pk for claim in claims}
    return {number for number, claim in demo.items() if claim.pk in pks}


def test_the_seed_trip_to_russia_is_due_today_with_the_other_past_negotiation(demo):
    due = numbers(demo, review.due(Claim.objects.all()))
    # 11 and 12: Kim "will travel" / "intends to travel" this month (September 2023), published;
    # 2: "Russia is negotiating" (late summer 2023), published. The others are in review, or their
    # event is no forward-looking one (8: Shoigu's request happened).
    assert due == {2, 11, 12}
    assert numbers(demo, review.not_due(Claim.objects.all())) == set(demo) - {2, 11, 12}


def test_the_claim_page_says_since_when_and_why(client, viewer, demo):
    client.force_login(viewer)
    page = client.get(f"/claims/{demo[12].uuid}/").content.decode()
    assert "Review due since 1 October 2023" in page
    assert "the event it looked forward to should have happened by now" in page
    assert "Review due since" not in client.get(f"/claims/{demo[6].uuid}/").content.decode()


def test_the_function_and_the_query_agree_on_every_seed_claim_whatever_the_day(demo, settings):
    settings.REVIEW_DUE_AFTER_DAYS = 30
    claims = list(Claim.objects.select_related("current_assessment"))
    for today in (date(2023, 9, 30), date(2023, 10, 1), timezone.localdate(), date(2031, 1, 1)):
        due = set(review.due(Claim.objects.all(), today).values_list("pk", flat=True))
        assert {c.pk for c in claims if review.review_due(c, today) is not None} == due, today


def test_the_window_ends_at_the_end_of_the_month_the_claim_names(make_claim):
    claim = make_claim(vocab.Status.PUBLISHED, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    claim = Claim.objects.select_related("current_assessment").get(pk=claim.pk)
    assert review.review_due(claim, date(2023, 9, 30)) is None
    expected = review.ReviewDue(review.EVENT_PASSED, date(2023, 10, 1))
    assert review.review_due(claim, date(2023, 10, 1)) == expected
    assert not review.due(Claim.objects.all(), date(2023, 9, 30)).exists()
    assert review.due(Claim.objects.all(), date(2023, 10, 1)).get() == claim


@pytest.mark.parametrize(
    ("fields", "due"),
    [
        ({"stage": vocab.Stage.NEGOTIATION}, True),
        ({"stage": vocab.Stage.REQUEST}, True),
        ({"modality": vocab.Modality.POSSIBLE, "stance": vocab.Stance.SPECULATE}, True),
        ({"stage": vocab.Stage.SHIPMENT}, False),
        ({"stage": vocab.Stage.DELIVERY, "modality": vocab.Modality.OCCURRED}, False),
    ],
)
def test_only_forward_looking_claims_fall_due_when_their_window_passes(make_claim, fields, due):
    make_claim(vocab.Status.PUBLISHED, **{**SEPTEMBER_2023, **fields})
    assert review.due(Claim.objects.all()).exists() is due


@pytest.mark.parametrize("status", [vocab.Status.DRAFT, vocab.Status.IN_REVIEW, vocab.Status.RETRACTED])
def test_claims_being_reviewed_or_retracted_are_never_due(make_claim, status):
    claim = make_claim(status, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    Claim.objects.filter(pk=claim.pk).update(published_at=datetime(2000, 1, 1, tzinfo=UTC))
    assert not review.due(Claim.objects.all()).exists()
    assert review.review_due(Claim.objects.select_related("current_assessment").get(pk=claim.pk)) is None


def test_a_claim_nobody_reviewed_for_the_configured_time_is_due_and_a_new_assessment_clears_it(
    make_claim, reviewer, settings
):
    settings.REVIEW_DUE_AFTER_DAYS = 100
    claim = make_claim(vocab.Status.PUBLISHED)  # a shipment that occurred: never due by its window
    long_ago = timezone.now() - timedelta(days=101)
    Claim.objects.filter(pk=claim.pk).update(published_at=long_ago)
    Assessment.objects.filter(claim=claim).update(assessed_at=long_ago)
    loaded = Claim.objects.select_related("current_assessment").get(pk=claim.pk)
    assert review.due(Claim.objects.all()).get() == claim
    found = review.review_due(loaded)
    assert found.reason == review.NOT_REVIEWED
    assert found.since == timezone.localdate(long_ago) + timedelta(days=101)
    settings.REVIEW_DUE_AFTER_DAYS = 102
    assert not review.due(Claim.objects.all()).exists()
    settings.REVIEW_DUE_AFTER_DAYS = 100
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="again")
    assert not review.due(Claim.objects.all()).exists()


def test_a_recent_assessment_does_not_clear_a_passed_window(make_claim, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED, stage=vocab.Stage.NEGOTIATION, **SEPTEMBER_2023)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="again")
    assert review.due(Claim.objects.all()).get() == claim


def test_every_reader_sees_the_same_queue_and_it_holds_published_claims_only(demo, viewer, editor):
    # Seed claims 1, 3, 4 and 5 look forward to late summer 2023 too, but are in review.
    for user in (viewer, editor):
        assert numbers(demo, selectors.review_due_visible_to(user)) == {2, 11, 12}
        assert selectors.review_due_visible_to(user).count() == 3


def test_the_dashboard_lists_the_queue_for_readers_and_editors(client, demo, viewer, reviewer):
    for user in (viewer, reviewer):
        client.force_login(user)
        response = client.get("/")
        assert {c.pk for c in response.context["review_due"]} == {demo[n].pk for n in (2, 11, 12)}
        page = response.content.decode()
        assert "Review due" in page and "/claims/?review_due=true" in page and FEED in page


def test_the_dashboard_runs_a_fixed_number_of_queries_however_many_claims_are_due(
    client, reviewer, make_claim, django_assert_num_queries
):
    client.force_login(reviewer)
    make_claim(vocab.Status.PUBLISHED, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    client.get("/")  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(5):
        make_claim(vocab.Status.PUBLISHED, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/")


def test_the_filter_serves_the_api_the_list_and_the_feed_alike(client, demo, viewer):
    client.force_login(viewer)
    want = {str(demo[n].uuid) for n in (2, 11, 12)}
    api = client.get("/api/v1/claims/?review_due=true").json()["results"]
    assert {item["id"] for item in api} == want
    page = client.get("/claims/?review_due=true")
    assert {str(c.uuid) for c in page.context["page"].object_list} == want
    everyone_else = client.get("/api/v1/claims/?review_due=false&page_size=100").json()["results"]
    assert not want & {item["id"] for item in everyone_else}


def test_a_bad_value_is_a_400_that_names_the_filter(client, viewer, demo):
    client.force_login(viewer)
    response = client.get("/api/v1/claims/?review_due=maybe")
    assert response.status_code == 400
    assert "review_due" in response.json()["errors"]
    assert client.get(f"{FEED}?review_due=maybe").status_code == 400
    assert client.get(f"{FEED}?review_du=true").status_code == 400


def test_the_api_list_of_due_claims_runs_a_fixed_number_of_queries(
    client, viewer, make_claim, django_assert_num_queries
):
    client.force_login(viewer)
    make_claim(vocab.Status.PUBLISHED, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/claims/?review_due=true")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/claims/?review_due=true").json()["results"]) == 1
    for _ in range(4):
        make_claim(vocab.Status.PUBLISHED, modality=vocab.Modality.PLANNED, **SEPTEMBER_2023)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/claims/?review_due=true").json()["results"]) == 5


def test_feedparser_reads_the_review_due_feed_of_published_claims(client, demo, editor):
    client.force_login(editor)  # an editor fetching it still gets the public feed
    response = client.get(FEED)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Arms-transfer claims due for review"
    assert {entry.id for entry in feed.entries} == {f"urn:uuid:{demo[n].uuid}" for n in (2, 11, 12)}
    assert "review_due=true" in feed.feed.link
    narrowed = feedparser.parse(client.get(f"{FEED}?stage=negotiation").content)
    assert [entry.id for entry in narrowed.entries] == [f"urn:uuid:{demo[2].uuid}"]


def test_the_review_due_feed_is_closed_when_the_api_is_not_public(client, settings, demo):
    settings.PUBLIC_API = False
    assert client.get(FEED).status_code == 401


@pytest.mark.slow
@pytest.mark.parametrize("value", ["0", "-3", "a year", "1.5"])
def test_a_review_period_that_is_not_a_whole_number_of_days_is_refused(value):
    from tests.test_settings import PRODUCTION, manage

    result = manage("check", **{**PRODUCTION, "REVIEW_DUE_AFTER_DAYS": value})
    assert result.returncode != 0
    assert "REVIEW_DUE_AFTER_DAYS must be a whole number of days" in result.stderr


def test_the_review_period_defaults_to_a_year():
    from tracker import settings as module

    assert module.REVIEW_DUE_AFTER_DAYS == 365


def test_a_saved_search_keeps_the_review_due_filter_and_refuses_a_bad_value(client, viewer, demo):
    searches = "/api/v1/saved-searches/"
    saved = api(viewer).post(searches, {"name": "Due", "query": "review_due=true"}, format="json")
    assert saved.status_code == 201, saved.json()
    refused = api(viewer).post(searches, {"name": "Bad", "query": "review_due=soon"}, format="json")
    assert refused.status_code == 400
    assert [s["name"] for s in api(viewer).get(searches).json()] == ["Due"]


def test_the_claim_page_says_it_in_italian(client, viewer, demo):
    client.force_login(viewer)
    page = client.get(f"/claims/{demo[12].uuid}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Da rivedere dal" in page and "dovrebbe essere già avvenuto" in page
    assert "Revisione dovuta" in client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
