import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from claims import vocab
from claims.demo import ARTICLE_PATH, ARTICLE_URL
from claims.models import Claim, ClaimRelation, Source
from claims.selectors import documents_visible_to

pytestmark = pytest.mark.django_db


def all_row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_load_demo_loads_the_twelve_seed_claims_with_their_chains():
    call_command("load_demo")
    assert Claim.objects.count() == 12
    assert Claim.objects.filter(status=vocab.Status.PUBLISHED).count() == 5
    assert Claim.objects.filter(status=vocab.Status.IN_REVIEW).count() == 7
    assert ClaimRelation.objects.count() == 13
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


def test_the_demo_links_the_exchange_both_ways_and_records_the_deals_as_the_article_gives_them(client):
    call_command("load_demo")
    by_number = [
        Claim.objects.get(statement__startswith=start)
        for start in (
            "Russia is seeking weapons",
            "Russia is negotiating to obtain artillery",
            "Russia is negotiating to obtain anti-tank",
            "In exchange, Russia would provide North Korea with technology",
            "In exchange, Russia would provide North Korea with food",
        )
    ]
    pairs = set(ClaimRelation.objects.filter(kind="exchange").values_list("from_claim", "to_claim"))
    assert pairs == {(north.pk, russia.pk) for north in by_number[:3] for russia in by_number[3:]}
    for claim in by_number:
        [document] = documents_visible_to(claim.created_by, [claim])
        exchanged = {rel["claim_id"] for rel in document["relations"] if rel["kind"] == "exchange"}
        others = by_number[3:] if claim in by_number[:3] else by_number[:3]
        assert exchanged == {str(other.uuid) for other in others}
        assert document["deal"]["type"] == "barter" and document["deal"]["status"] == "planned"
        assert document["deal"]["number_ordered"] is None  # the article gives no numbers
    shipment = Claim.objects.get(statement__startswith="North Korea has already shipped")
    assert (shipment.deal_delivery_first_year, shipment.uncertain_delivery_years) == (2023, True)
    assert (
        Claim.objects.get(statement__startswith="Russia is negotiating to obtain anti-tank").document.body[
            "un_register_category"
        ]
        == "VII"
    )
    client.force_login(by_number[1].created_by)
    page = client.get(f"/claims/{by_number[1].uuid}/").content.decode()
    assert page.count("<strong>is exchanged for</strong>") == 2


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
