import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from claims import vocab
from claims.demo import ARTICLE_PATH, ARTICLE_URL
from claims.models import Claim, ClaimRelation, Source

pytestmark = pytest.mark.django_db


def all_row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_load_demo_loads_the_twelve_seed_claims_with_their_chains():
    call_command("load_demo")
    assert Claim.objects.count() == 12
    assert Claim.objects.filter(status=vocab.Status.PUBLISHED).count() == 5
    assert Claim.objects.filter(status=vocab.Status.IN_REVIEW).count() == 7
    assert ClaimRelation.objects.count() == 7
    assert not Claim.objects.filter(current_assessment__credibility=1).exists()
    shipment = Claim.objects.get(statement__startswith="North Korea has already shipped")
    assert [stop.region or stop.country for stop in shipment.route.all()] == [
        "KP",
        "Middle East",
        "North Africa",
        "RU",
    ]
    assert shipment.quantity_qualifier == "qualitative" and shipment.quantity_text == "limited quantities"
    everard = Claim.objects.get(statement__startswith="North Korea's price")
    assert [hop.speaker.name for hop in everard.hops.all()] == [
        "John Everard",
        "BBC",
        "Italian daily (unnamed)",
    ]


def test_every_article_quote_is_verbatim_in_the_article():
    call_command("load_demo")
    article = ARTICLE_PATH.read_text()
    source = Source.objects.get(url=ARTICLE_URL)
    quotes = [hop.quote for hop in source.hops.all()]
    assert len(quotes) == 12
    assert all(quote in article for quote in quotes)
    assert source.language == "it"


def test_load_demo_twice_changes_nothing():
    call_command("load_demo")
    before = all_row_counts()
    call_command("load_demo")
    assert all_row_counts() == before


def test_demo_users_log_in_with_the_demo_password(settings):
    settings.DEMO_PASSWORD = "s3cret-demo"
    call_command("load_demo")
    for username in ("editor", "reviewer", "viewer"):
        # django-axes needs the request to know where the attempt comes from.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password="s3cret-demo") is not None
