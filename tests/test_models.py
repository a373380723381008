import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims import vocab
from claims.models import Actor, AttributionHop, Claim, ClaimRelation, normalise_url, validate_country

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["UK", "RUS", "Middle East", "gb", "XX", "U"])
def test_country_that_is_not_iso_alpha_2_is_rejected(code):
    with pytest.raises(ValidationError):
        validate_country(code)


@pytest.mark.parametrize("code", ["GB", "RU", "KP", ""])
def test_iso_alpha_2_country_is_accepted(code):
    validate_country(code)


def test_actor_with_uk_as_country_fails_validation():
    with pytest.raises(ValidationError) as caught:
        Actor(name="Britain", kind="state", country="UK").full_clean()
    assert "country" in caught.value.message_dict


def test_actor_cannot_be_its_own_ancestor(actors):
    mod = Actor.objects.create(name="Russian MoD", kind="government_body", country="RU", parent=actors["RU"])
    russia = actors["RU"]
    russia.parent = mod
    with pytest.raises(ValidationError):
        russia.full_clean()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://Example.ORG:443/a?utm_source=x&id=3#frag", "https://example.org/a?id=3"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
    ],
)
def test_urls_are_normalised_to_one_spelling(given, expected):
    assert normalise_url(given) == expected


@pytest.mark.parametrize("url", ["ftp://example.org/", "javascript:alert(1)", "https:///nohost"])
def test_non_web_urls_are_refused(url):
    with pytest.raises(ValidationError):
        normalise_url(url)


def test_database_refuses_supplier_equal_to_recipient(make_claim, actors):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(recipient=actors["KP"])


def test_database_refuses_speculation_recorded_as_occurred(make_claim):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(stance="speculate", modality="occurred")


def test_database_refuses_reversed_quantities(make_claim):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(quantity_qualifier="range", quantity_min=9, quantity_max=2)


def test_database_refuses_named_hop_without_speaker(make_claim):
    hop = make_claim().hops.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributionHop.objects.filter(pk=hop.pk).update(anonymity="named_on_record", speaker=None)


def test_database_refuses_self_relation(make_claim, editor):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(
            from_claim=claim,
            to_claim=claim,
            kind="corroborates",
            independence="possibly_shared_origin",
            created_by=editor,
        )


def test_database_refuses_unknown_status(make_claim):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status="archived")


def test_public_claims_are_published_and_retracted_only(make_claim):
    make_claim(vocab.Status.DRAFT)
    make_claim(vocab.Status.IN_REVIEW)
    published = make_claim(vocab.Status.PUBLISHED)
    retracted = make_claim(vocab.Status.RETRACTED)
    assert set(Claim.objects.public()) == {published, retracted}
    assert list(Claim.objects.published()) == [published]


def test_search_finds_words_in_statement_quotes_descriptors_and_actor_aliases(make_claim):
    claim = make_claim(statement="Shells travelled by rail.")
    other = make_claim(statement="Drones arrived by sea.")
    assert list(Claim.objects.search("rail")) == [claim]
    assert list(Claim.objects.search("drones sea")) == [other]
    assert list(Claim.objects.search("intenzione")) != []  # the Italian quote
    assert claim in Claim.objects.search("official")  # the descriptor "a US official"
    assert claim in Claim.objects.search("Pyongyang")  # an alias of the supplier
    assert list(Claim.objects.search("submarines")) == []
