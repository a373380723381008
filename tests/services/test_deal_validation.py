"""The deal fields (SIPRI) and a place's precision and coordinates: each refusal, on its field, next to
the nearest input that is accepted. Validation only, but for the exchange relation, which is a write."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims import services, vocab
from claims.models import ClaimDocument
from claims.services.validation import YEAR_MIN, YEARS_AHEAD
from tests.conftest import claim_data
from tests.services.test_validation import problems

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def meeting(actors, **overrides):
    return claim_data(
        actors,
        kind=vocab.ClaimKind.DIPLOMATIC_EVENT,
        supplier_id=None,
        recipient_id=None,
        item_category="",
        stage="",
        participant_ids=[actors["KP"].pk],
        **overrides,
    )


def test_more_cannot_be_delivered_than_was_ordered(actors):
    assert problems(claim_data(actors, deal_number_ordered=10, deal_number_delivered=11)) == {
        "deal_number_delivered": ["More cannot be delivered than was ordered."]
    }
    assert problems(claim_data(actors, deal_number_ordered=10, deal_number_delivered=10)) == {}
    assert problems(claim_data(actors, deal_number_delivered=11)) == {}  # nothing to compare with


def test_deal_numbers_cannot_be_negative(actors):
    assert problems(claim_data(actors, deal_number_ordered=-1)) == {
        "deal_number_ordered": ["A number cannot be negative."]
    }
    assert problems(claim_data(actors, deal_number_ordered=0, deal_number_delivered=0)) == {}


@pytest.mark.parametrize("field", ["deal_order_year", "deal_delivery_first_year"])
def test_years_lie_between_1945_and_ten_years_ahead(actors, field):
    message = [f"A year from {YEAR_MIN} to {THIS_YEAR + YEARS_AHEAD}."]
    planned = {"deal_status": vocab.DealStatus.PLANNED}
    assert problems(claim_data(actors, **{field: YEAR_MIN - 1})) == {field: message}
    assert problems(claim_data(actors, **{field: YEAR_MIN})) == {}
    assert problems(claim_data(actors, **planned, **{field: THIS_YEAR + YEARS_AHEAD})) == {}
    assert field in problems(claim_data(actors, **planned, **{field: THIS_YEAR + YEARS_AHEAD + 1}))


def test_an_order_in_a_year_to_come_is_a_planned_deal(actors):
    assert problems(claim_data(actors, deal_order_year=THIS_YEAR + 1)) == {
        "deal_order_year": ["An order in a year still to come is planned: set the deal status."]
    }
    assert problems(claim_data(actors, deal_order_year=THIS_YEAR)) == {}
    assert problems(claim_data(actors, deal_order_year=THIS_YEAR + 1, deal_status="planned")) == {}


@pytest.mark.parametrize("status", ["delivered", "cancelled", ""])
def test_deliveries_to_come_need_an_open_deal(actors, status):
    later = claim_data(actors, deal_status=status, deal_delivery_first_year=THIS_YEAR + 1)
    assert problems(later) == {
        "deal_delivery_last_year": [
            "Deliveries still to come need the deal status planned, ordered or in delivery."
        ]
    }
    assert problems(claim_data(actors, deal_status=status, deal_delivery_first_year=THIS_YEAR)) == {}


@pytest.mark.parametrize("status", ["planned", "ordered", "in_delivery"])
def test_an_open_deal_may_give_delivery_years_to_come(actors, status):
    data = claim_data(
        actors, deal_status=status, deal_delivery_first_year=THIS_YEAR, deal_delivery_last_year=THIS_YEAR + 2
    )
    assert problems(data) == {}


def test_delivery_years_run_forwards_from_the_order(actors):
    assert problems(claim_data(actors, deal_delivery_first_year=2020, deal_delivery_last_year=2019)) == {
        "deal_delivery_last_year": ["The last year of delivery cannot be before the first."]
    }
    assert problems(claim_data(actors, deal_delivery_first_year=2020, deal_delivery_last_year=2020)) == {}
    assert problems(claim_data(actors, deal_delivery_last_year=2020)) == {
        "deal_delivery_first_year": ["Give the first year of delivery too."]
    }
    assert problems(claim_data(actors, deal_order_year=2021, deal_delivery_first_year=2020)) == {
        "deal_delivery_first_year": ["Deliveries cannot start before the year of order."]
    }
    assert problems(claim_data(actors, deal_order_year=2020, deal_delivery_first_year=2020)) == {}


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("uncertain_designation", {"designation": "KN-23"}),
        ("uncertain_number_ordered", {"deal_number_ordered": 0}),
        ("uncertain_number_delivered", {"deal_number_delivered": 3}),
        ("uncertain_order_year", {"deal_order_year": 2020}),
        ("uncertain_delivery_years", {"deal_delivery_first_year": 2020}),
    ],
)
def test_an_uncertainty_flag_marks_a_value_given(actors, flag, value):
    assert problems(claim_data(actors, **{flag: True})) == {
        flag: ["Nothing to mark uncertain: give the value first."]
    }
    assert problems(claim_data(actors, **{flag: True}, **value)) == {}


def test_the_supplier_and_the_recipient_can_be_marked_uncertain(actors):
    assert problems(claim_data(actors, uncertain_supplier=True, uncertain_recipient=True)) == {}
    assert problems(claim_data(actors, supplier_id=None, uncertain_supplier=True))["uncertain_supplier"] == [
        "Nothing to mark uncertain: give the value first."
    ]


def test_an_approximate_year_needs_the_year(actors):
    assert problems(claim_data(actors, deal_order_precision="approximate")) == {
        "deal_order_precision": ["Give the year first."]
    }
    assert problems(claim_data(actors, deal_order_precision="approximate", deal_order_year=2020)) == {}


def test_deal_choices_are_checked(actors):
    assert problems(claim_data(actors, deal_status="rumoured"))["deal_status"][0].startswith(
        "'rumoured' is not one of: planned, ordered"
    )
    assert problems(claim_data(actors, deal_un_category="VIII"))["deal_un_category"][0].startswith(
        "'VIII' is not one of"
    )
    assert problems(claim_data(actors, deal_status="cancelled", deal_un_category="I")) == {}


@pytest.mark.parametrize(
    "given",
    [
        {"deal_status": "planned"},
        {"deal_type": "sale"},
        {"deal_number_ordered": 3},
        {"deal_order_precision": "approximate"},
        {"deal_un_category": "VII"},
        {"deal_comments": "x"},
        {"uncertain_designation": True},
    ],
)
def test_deal_details_belong_to_transfer_claims_only(actors, given):
    [name] = given
    assert problems(meeting(actors, **given)) == {
        name: ["Only a transfer claim has deal details: leave this empty."]
    }
    assert problems(meeting(actors)) == {}


def test_coordinates_are_on_the_globe_and_come_in_pairs(actors):
    place = {"place": "Vladivostok"}
    assert problems(claim_data(actors, **place, place_latitude=90.0, place_longitude=-180.0)) == {}
    assert problems(claim_data(actors, **place, place_latitude=90.1, place_longitude=0.0)) == {
        "place_latitude": ["A latitude from −90 to 90."]
    }
    assert problems(claim_data(actors, **place, place_latitude=0.0, place_longitude=180.5)) == {
        "place_longitude": ["A longitude from −180 to 180."]
    }
    assert problems(claim_data(actors, **place, place_latitude=43.1)) == {
        "place_longitude": ["Give both coordinates, or neither."]
    }
    assert problems(claim_data(actors, **place, place_longitude=131.9)) == {
        "place_latitude": ["Give both coordinates, or neither."]
    }


def test_a_precision_or_coordinates_need_a_named_place(actors):
    assert problems(claim_data(actors, place_precision="near")) == {
        "place": ["Name the place that the precision or coordinates belong to."]
    }
    assert problems(claim_data(actors, place_latitude=1.0, place_longitude=1.0)) == {
        "place": ["Name the place that the precision or coordinates belong to."]
    }
    assert problems(claim_data(actors, place="Rason", place_precision="region")) == {}
    assert problems(claim_data(actors, place="Rason", place_precision="fuzzy"))["place_precision"]


def test_the_un_register_category_is_derived_from_the_item_category_unless_given():
    assert vocab.un_category(item_category="missiles") == "VII"
    assert vocab.un_category(item_category="ammunition") == "outside"
    assert vocab.un_category(item_category="unspecified") == ""
    assert vocab.un_category(item_category="armoured_vehicles", explicit="I") == "I"
    mapped = set(vocab.UN_CATEGORY_OF_ITEM)
    assert mapped <= set(vocab.ItemCategory.values) and vocab.ItemCategory.UNSPECIFIED not in mapped


def test_the_document_carries_the_deal_and_the_effective_un_category(make_claim):
    derived = make_claim(item_category="missiles")
    given = make_claim(item_category="armoured_vehicles", deal_un_category="I", statement="Tanks.")
    derived_doc, given_doc = (ClaimDocument.objects.get(claim=claim).body for claim in (derived, given))
    assert derived_doc["un_register_category"] == "VII" and derived_doc["deal"]["un_category"] is None
    assert given_doc["un_register_category"] == "I" and given_doc["deal"]["un_category"] == "I"
    assert derived_doc["uncertain"]["supplier"] is False and derived_doc["deal"]["order_precision"] == "exact"


# --- the exchange relation ------------------------------------------------------------------------


def transfer(make_claim, actors, supplier, recipient, statement):
    return make_claim(supplier_id=actors[supplier].pk, recipient_id=actors[recipient].pk, statement=statement)


def exchange(one, other, by):
    return services.add_relation(
        from_claim_id=one.pk, to_claim_id=other.pk, kind="exchange", independence="same_origin", by=by
    )


def test_an_exchange_links_two_transfers_going_opposite_ways_once(make_claim, actors, editor):
    shells = transfer(make_claim, actors, "KP", "RU", "Shells to Russia.")
    food = transfer(make_claim, actors, "RU", "KP", "Food to North Korea.")
    exchange(shells, food, editor)
    with pytest.raises(ValidationError) as refused:
        exchange(food, shells, editor)  # the same exchange, read from the other end
    assert refused.value.message_dict == {"kind": ["These claims are already related this way."]}
    more = transfer(make_claim, actors, "KP", "RU", "More shells.")
    with pytest.raises(ValidationError) as refused:
        exchange(shells, more, editor)
    assert refused.value.message_dict == {
        "kind": ["In an exchange each claim's supplier is the other's recipient."]
    }
    talks = make_claim(
        kind=vocab.ClaimKind.DIPLOMATIC_EVENT,
        supplier_id=None,
        recipient_id=None,
        item_category="",
        stage="",
        participant_ids=[actors["KP"].pk],
    )
    with pytest.raises(ValidationError) as refused:
        exchange(shells, talks, editor)
    assert refused.value.message_dict == {"kind": ["An exchange relates two transfer claims."]}
    assert shells.relations_out.count() == 1 and not more.relations_in.exists()
