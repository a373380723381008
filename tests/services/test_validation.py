"""What the services refuse before a write, word for word and on which field, each refusal next to
the nearest input that is accepted. Validation only: nothing here writes a claim."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims import services
from tests.conftest import claim_data, hop

pytestmark = pytest.mark.django_db

TRANSFER_NEEDS = "A transfer needs this; use the 'unknown' actor or category when unknown."


def problems(data: services.ClaimData, **kwargs) -> dict[str, list[str]]:
    try:
        services.validate_claim_data(data, **kwargs)
    except ValidationError as error:
        return error.message_dict
    return {}


def test_a_statement_is_required_and_blank_space_is_not_one(actors):
    for statement in ("", "   "):
        assert problems(claim_data(actors, statement=statement)) == {
            "statement": ["A statement is required."]
        }
    assert problems(claim_data(actors, statement="x")) == {}


def test_each_actor_of_the_claim_must_exist(actors):
    assert problems(claim_data(actors, supplier_id=999_999)) == {"supplier": ["Unknown actor 999999."]}
    assert problems(claim_data(actors, recipient_id=999_999)) == {"recipient": ["Unknown actor 999999."]}
    assert problems(claim_data(actors, participant_ids=[actors["CN"].pk, 999_999])) == {
        "participants": ["Unknown actor 999999."]
    }
    assert problems(claim_data(actors, participant_ids=[actors["CN"].pk, actors["US"].pk])) == {}


def test_each_participant_is_listed_once(actors):
    twice = [actors["CN"].pk, actors["CN"].pk]
    assert problems(claim_data(actors, participant_ids=twice)) == {
        "participants": ["Each participant is listed once."]
    }


def test_the_supplier_and_the_recipient_differ(actors):
    assert problems(claim_data(actors, recipient_id=actors["KP"].pk)) == {
        "recipient": ["The supplier and the recipient must be different actors."]
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"supplier_id": None}, "supplier"),
        ({"recipient_id": None}, "recipient"),
        ({"item_category": ""}, "item_category"),
        ({"stage": ""}, "stage"),
    ],
)
def test_a_transfer_names_both_actors_the_category_and_the_stage(actors, overrides, field):
    assert problems(claim_data(actors, **overrides)) == {field: [TRANSFER_NEEDS]}
    # Any other kind of claim may leave it open.
    assert problems(claim_data(actors, kind="assessment", **overrides)) == {}


@pytest.mark.parametrize("kind", ["military_cooperation", "diplomatic_event"])
def test_cooperation_and_diplomacy_name_at_least_one_participant(actors, kind):
    assert problems(claim_data(actors, kind=kind)) == {"participants": ["Name at least one participant."]}
    assert problems(claim_data(actors, kind=kind, participant_ids=[actors["CN"].pk])) == {}
    assert problems(claim_data(actors, kind="assessment")) == {}  # no participants needed


def test_speculation_is_not_recorded_as_having_occurred(actors):
    assert problems(claim_data(actors, stance="speculate", modality="occurred")) == {
        "modality": ["Speculation cannot be recorded as having occurred: use possible or planned."]
    }
    assert problems(claim_data(actors, stance="speculate", modality="possible")) == {}
    assert problems(claim_data(actors, stance="assert", modality="occurred")) == {}


def test_a_required_choice_left_empty_is_refused_and_an_optional_one_is_not(actors):
    assert problems(claim_data(actors, kind="")) == {
        "kind": ["'' is not one of: transfer, military_cooperation, diplomatic_event, assessment."]
    }
    assert problems(claim_data(actors, quantity_qualifier="")) == {
        "quantity_qualifier": [
            "'' is not one of: exact, about, at_least, up_to, range, qualitative, unknown."
        ]
    }
    assert problems(claim_data(actors, event_precision="", event_start=date(2023, 9, 1))) == {
        "event_precision": ["'' is not one of: day, month, year, approximate, interval, unknown."]
    }
    assert problems(claim_data(actors, event_precision="weekly", event_start=date(2023, 9, 1))) == {
        "event_precision": ["'weekly' is not one of: day, month, year, approximate, interval, unknown."]
    }
    assert problems(claim_data(actors, kind="assessment", item_category="", stage="")) == {}


def test_with_day_precision_the_end_is_the_start_or_nothing(actors):
    day = {"event_precision": "day", "event_start": date(2023, 9, 1)}
    assert problems(claim_data(actors, **day, event_end=date(2023, 9, 2))) == {
        "event_end": ["With day precision the end date is the start date."]
    }
    assert services.validate_claim_data(claim_data(actors, **day, event_end=date(2023, 9, 1))) == (
        date(2023, 9, 1),
        date(2023, 9, 1),
    )
    assert services.validate_claim_data(claim_data(actors, **day)) == (date(2023, 9, 1), date(2023, 9, 1))


def test_an_interval_covers_its_start_to_its_end(actors):
    interval = {
        "event_precision": "interval",
        "event_start": date(2023, 9, 1),
        "event_end": date(2023, 9, 30),
    }
    assert services.validate_claim_data(claim_data(actors, **interval)) == (
        date(2023, 9, 1),
        date(2023, 9, 30),
    )
    approximate = {"event_precision": "approximate", "event_start": date(2023, 9, 1)}
    assert services.validate_claim_data(claim_data(actors, **approximate)) == (
        date(2023, 9, 1),
        date(2023, 9, 1),
    )


def test_a_quantitys_unit_and_words_keep_to_the_model_limits(actors):
    assert problems(claim_data(actors, quantity_unit="x" * 101)) == {
        "quantity_unit": ["At most 100 characters (this has 101)."]
    }
    assert problems(claim_data(actors, quantity_unit="x" * 100)) == {}
    assert problems(claim_data(actors, quantity_qualifier="qualitative", quantity_text="x" * 201)) == {
        "quantity_text": ["At most 200 characters (this has 201)."]
    }
    assert problems(claim_data(actors, quantity_qualifier="qualitative", quantity_text="x" * 200)) == {}


def test_a_quote_needs_its_language_and_a_translation_its_quote(actors):
    assert problems(claim_data(actors, hops=[hop(quote_language="")])) == {
        "hops.0.quote_language": ["Give the language of the quote (e.g. it)."]
    }
    assert problems(claim_data(actors, hops=[hop(quote="", quote_language="", translation="")])) == {}
    assert problems(claim_data(actors, hops=[hop(quote="", quote_language="", translation="Kim said.")])) == {
        "hops.0.translation": ["A translation needs the original quote."]
    }
    assert problems(claim_data(actors, hops=[hop(quote_language="xx")])) == {
        "hops.0.quote_language": ["xx is not an ISO 639-1 language code (for example it, en, ru)."]
    }


def test_who_speaks_in_a_hop(actors):
    assert problems(claim_data(actors, hops=[hop(anonymity="named_on_record", descriptor="")])) == {
        "hops.0.speaker": ["A named source needs a speaker actor."]
    }
    named = hop(anonymity="named_on_record", descriptor="", speaker_id=actors["kirby"].pk)
    assert problems(claim_data(actors, hops=[named])) == {}
    assert problems(claim_data(actors, hops=[hop(descriptor=" ")])) == {
        "hops.0.descriptor": ["An unnamed source needs the words used, e.g. 'a US official'."]
    }
    assert problems(claim_data(actors, hops=[hop(descriptor="an official")])) == {}
    assert problems(claim_data(actors, hops=[hop(anonymity="outlet_voice", descriptor="")])) == {
        "hops.0.speaker": ["Name the outlet speaking in its own voice."]
    }
    assert problems(claim_data(actors, hops=[hop(anonymity="outlet_voice", descriptor="The daily")])) == {}
    outlet = hop(anonymity="outlet_voice", descriptor="", speaker_id=actors["daily"].pk)
    assert problems(claim_data(actors, hops=[outlet])) == {}


def test_the_last_hop_gives_the_url_we_read_and_earlier_ones_may_not(actors):
    assert problems(claim_data(actors, hops=[hop(source_url="")])) == {
        "hops.0.source": ["The last hop is the document we read: give its URL."]
    }
    assert problems(claim_data(actors, hops=[hop(0, source_url=""), hop(1)])) == {}
    assert problems(claim_data(actors, hops=[hop(0), hop(1, source_url="")])) == {
        "hops.1.source": ["The last hop is the document we read: give its URL."]
    }
    assert problems(claim_data(actors, hops=[hop(source_url="ftp://example.org/a")])) == {
        "hops.0.source": ["Enter an http or https URL with a host."]
    }


def test_a_route_stop_names_a_country_or_a_region(actors):
    assert problems(claim_data(actors, route=[services.RouteStopData(position=0, role="origin")])) == {
        "route.0.country": ["A route stop needs a country or a region."]
    }
    assert (
        problems(claim_data(actors, route=[services.RouteStopData(position=0, role="origin", region="Gulf")]))
        == {}
    )
    assert (
        problems(claim_data(actors, route=[services.RouteStopData(position=0, role="origin", country="KP")]))
        == {}
    )
    assert problems(
        claim_data(actors, route=[services.RouteStopData(position=0, role="origin", country="UK")])
    ) == {"route.0.country": ["UK is not an ISO 3166-1 alpha-2 country code (for example GB, RU, KP)."]}


def test_route_stops_run_from_0_and_keep_to_the_model_limits(actors):
    def stop(position=0, **extra):
        return services.RouteStopData(position=position, role="origin", country="KP", **extra)

    assert problems(claim_data(actors, route=[stop(1)])) == {
        "route": ["Positions must run 0, 1, 2 … without gaps or repeats (got [1])."]
    }
    assert problems(claim_data(actors, route=[stop(0), stop(1)])) == {}
    assert problems(claim_data(actors, route=[stop(region="x" * 201)])) == {
        "route.0.region": ["At most 200 characters (this has 201)."]
    }
    assert problems(claim_data(actors, route=[stop(region="x" * 200)])) == {}


def test_actors_the_caller_already_loaded_are_not_looked_up_again(actors, django_assert_num_queries):
    known = {actor.pk: actor for actor in actors.values()}
    named = hop(anonymity="named_on_record", speaker_id=actors["kirby"].pk, affiliation_id=actors["US"].pk)
    data = claim_data(actors, hops=[named], participant_ids=[actors["CN"].pk])
    with django_assert_num_queries(0):
        assert services.validate_claim_data(data, known_actors=known) == (None, None)
    unknown_to_the_caller = {pk: actor for pk, actor in known.items() if pk != actors["kirby"].pk}
    assert problems(data, known_actors=unknown_to_the_caller) == {
        "hops.0.speaker": [f"Unknown actor {actors['kirby'].pk}."]
    }
    assert problems(data) == {}  # looked up, every actor exists


def test_hops_alone_are_checked_against_the_actors_they_name(actors):
    named = hop(anonymity="named_on_record", speaker_id=actors["kirby"].pk)
    services.validate_hops([named])
    with pytest.raises(ValidationError) as refused:
        services.validate_hops([hop(anonymity="named_on_record", speaker_id=999_999)])
    assert refused.value.message_dict == {"hops.0.speaker": ["Unknown actor 999999."]}


def test_no_quantity_is_negative_but_0_is_a_quantity(actors):
    assert problems(claim_data(actors, quantity_qualifier="up_to", quantity_max=-1)) == {
        "quantity_max": ["A quantity cannot be negative."]
    }
    assert problems(claim_data(actors, quantity_qualifier="up_to", quantity_max=0)) == {}
    assert problems(claim_data(actors, quantity_qualifier="at_least", quantity_min=-1)) == {
        "quantity_min": ["A quantity cannot be negative."]
    }
    assert problems(claim_data(actors, quantity_qualifier="at_least", quantity_min=0)) == {}


def test_an_event_that_occurred_is_dated_today_at_the_latest(actors):
    today = timezone.localdate()
    day = {"event_precision": "day", "modality": "occurred"}
    assert problems(claim_data(actors, **day, event_start=today + timedelta(days=1))) == {
        "event_start": ["An event that has occurred cannot be dated in the future: use planned or possible."]
    }
    assert problems(claim_data(actors, **day, event_start=today)) == {}
    assert (
        problems(
            claim_data(
                actors, event_precision="day", modality="planned", event_start=today + timedelta(days=1)
            )
        )
        == {}
    )


# ---------------------------------------------------------------- the deal (SIPRI's fields)

THIS_YEAR = timezone.localdate().year
YEARS = f"A year from 1945 to {THIS_YEAR + 10}."


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deal_status", "ordered"),
        ("deal_type", "sale"),
        ("deal_number_ordered", 4),
        ("deal_order_year", 2020),
        ("deal_order_precision", "approximate"),
        ("deal_comments", "Second-hand."),
        ("uncertain_supplier", True),
    ],
)
def test_only_a_transfer_has_deal_details_and_any_other_kind_leaves_them_empty(actors, field, value):
    cooperation = {"kind": "military_cooperation", "participant_ids": [actors["CN"].pk], "stage": ""}
    assert problems(claim_data(actors, **cooperation)) == {}
    assert problems(claim_data(actors, **cooperation, **{field: value})) == {
        field: ["Only a transfer claim has deal details: leave this empty."]
    }
    assert problems(claim_data(actors, **({"deal_order_year": 2020} | {field: value}))) == {}


def test_deal_numbers_start_at_0_and_no_more_is_delivered_than_ordered(actors):
    assert problems(claim_data(actors, deal_number_ordered=0, deal_number_delivered=0)) == {}
    assert problems(claim_data(actors, deal_number_ordered=-1)) == {
        "deal_number_ordered": ["A number cannot be negative."]
    }
    assert problems(claim_data(actors, deal_number_delivered=-1)) == {
        "deal_number_delivered": ["A number cannot be negative."]
    }
    assert problems(claim_data(actors, deal_number_ordered=24, deal_number_delivered=24)) == {}
    assert problems(claim_data(actors, deal_number_ordered=24, deal_number_delivered=25)) == {
        "deal_number_delivered": ["More cannot be delivered than was ordered."]
    }
    assert problems(claim_data(actors, deal_number_delivered=25)) == {}  # nothing ordered to compare with


@pytest.mark.parametrize("field", ["deal_order_year", "deal_delivery_first_year", "deal_delivery_last_year"])
def test_deal_years_run_from_1945_to_ten_years_ahead(actors, field):
    planned = {"deal_status": "planned", "deal_delivery_first_year": 1945}
    assert problems(claim_data(actors, **(planned | {field: 1945}))) == {}
    assert YEARS in problems(claim_data(actors, **(planned | {field: 1944})))[field]
    ahead = {"deal_status": "planned", "deal_delivery_first_year": THIS_YEAR + 10, field: THIS_YEAR + 10}
    assert problems(claim_data(actors, **ahead)) == {}
    assert problems(claim_data(actors, **(ahead | {field: THIS_YEAR + 11})))[field] == [YEARS]


def test_an_order_in_a_year_to_come_is_a_planned_deal(actors):
    assert problems(claim_data(actors, deal_order_year=THIS_YEAR, deal_status="delivered")) == {}
    assert problems(claim_data(actors, deal_order_year=THIS_YEAR + 1, deal_status="planned")) == {}
    for status in ("", "ordered", "delivered"):
        assert problems(claim_data(actors, deal_order_year=THIS_YEAR + 1, deal_status=status)) == {
            "deal_order_year": ["An order in a year still to come is planned: set the deal status."]
        }


def test_delivery_years_start_with_the_first_and_not_before_the_order(actors):
    assert problems(claim_data(actors, deal_delivery_last_year=2020)) == {
        "deal_delivery_first_year": ["Give the first year of delivery too."]
    }
    assert problems(claim_data(actors, deal_delivery_first_year=2020, deal_delivery_last_year=2020)) == {}
    assert problems(claim_data(actors, deal_delivery_first_year=2020, deal_delivery_last_year=2019)) == {
        "deal_delivery_last_year": ["The last year of delivery cannot be before the first."]
    }
    assert problems(claim_data(actors, deal_order_year=2020, deal_delivery_first_year=2020)) == {}
    assert problems(claim_data(actors, deal_order_year=2020, deal_delivery_first_year=2019)) == {
        "deal_delivery_first_year": ["Deliveries cannot start before the year of order."]
    }


@pytest.mark.parametrize("years", [{"deal_delivery_first_year": 0}, {"deal_delivery_last_year": 0}])
def test_deliveries_to_come_need_an_open_deal(actors, years):
    first = {"deal_delivery_first_year": THIS_YEAR}
    coming = {key: THIS_YEAR + 1 for key in years} | ({} if "deal_delivery_first_year" in years else first)
    assert problems(claim_data(actors, deal_status="delivered", **first)) == {}  # this year is not to come
    for status in ("planned", "ordered", "in_delivery"):
        assert problems(claim_data(actors, deal_status=status, **coming)) == {}
    for status in ("", "delivered", "cancelled"):
        assert problems(claim_data(actors, deal_status=status, **coming)) == {
            "deal_delivery_last_year": [
                "Deliveries still to come need the deal status planned, ordered or in delivery."
            ]
        }


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("uncertain_supplier", "supplier_id"),
        ("uncertain_recipient", "recipient_id"),
        ("uncertain_designation", "designation"),
        ("uncertain_number_ordered", "deal_number_ordered"),
        ("uncertain_number_delivered", "deal_number_delivered"),
        ("uncertain_order_year", "deal_order_year"),
        ("uncertain_delivery_years", "deal_delivery_first_year"),
    ],
)
def test_an_uncertainty_flag_marks_a_value_that_is_given(actors, flag, value):
    given = {"designation": "KN-23", "deal_number_ordered": 10, "deal_number_delivered": 10}
    given |= {"deal_order_year": 2020, "deal_delivery_first_year": 2021}
    assert problems(claim_data(actors, **(given | {flag: True}))) == {}
    given[value] = "" if value == "designation" else None
    found = problems(claim_data(actors, **(given | {flag: True})))
    assert found[flag] == ["Nothing to mark uncertain: give the value first."]


@pytest.mark.parametrize(
    ("precision", "year"),
    [("deal_order_precision", "deal_order_year")] * 1
    + [("deal_delivery_precision", "deal_delivery_first_year")],
)
def test_an_approximate_year_needs_the_year(actors, precision, year):
    assert problems(claim_data(actors, **{precision: "exact"})) == {}
    assert problems(claim_data(actors, **{precision: "approximate", year: 2020})) == {}
    assert problems(claim_data(actors, **{precision: "approximate"})) == {precision: ["Give the year first."]}


# ---------------------------------------------------------------- the place


def test_coordinates_lie_on_the_globe_edges_included(actors):
    place = {"place": "Tartus"}
    for latitude, longitude in ((-90, -180), (90, 180), (0, 0)):
        assert problems(claim_data(actors, **place, place_latitude=latitude, place_longitude=longitude)) == {}
    assert problems(claim_data(actors, **place, place_latitude=90.01, place_longitude=0)) == {
        "place_latitude": ["A latitude from −90 to 90."]
    }
    assert problems(claim_data(actors, **place, place_latitude=-90.01, place_longitude=0)) == {
        "place_latitude": ["A latitude from −90 to 90."]
    }
    assert problems(claim_data(actors, **place, place_latitude=0, place_longitude=180.01)) == {
        "place_longitude": ["A longitude from −180 to 180."]
    }
    assert problems(claim_data(actors, **place, place_latitude=0, place_longitude=-180.01)) == {
        "place_longitude": ["A longitude from −180 to 180."]
    }


def test_both_coordinates_or_neither(actors):
    assert problems(claim_data(actors, place="Tartus", place_latitude=34.9)) == {
        "place_longitude": ["Give both coordinates, or neither."]
    }
    assert problems(claim_data(actors, place="Tartus", place_longitude=35.9)) == {
        "place_latitude": ["Give both coordinates, or neither."]
    }


@pytest.mark.parametrize(
    "located", [{"place_precision": "near"}, {"place_latitude": 34.9, "place_longitude": 35.9}]
)
def test_a_precision_or_coordinates_belong_to_a_named_place(actors, located):
    assert problems(claim_data(actors, place="Tartus", **located)) == {}
    for blank in ("", "   "):
        assert problems(claim_data(actors, place=blank, **located)) == {
            "place": ["Name the place that the precision or coordinates belong to."]
        }
