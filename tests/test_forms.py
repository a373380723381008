import pytest
from django.core.exceptions import ValidationError

from claims.forms import ActorField, ClaimFilterForm, HopFormSet, RouteFormSet
from tests.conftest import SOURCE_URL

pytestmark = pytest.mark.django_db


def rows(prefix: str, *forms: dict, initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(forms)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, form in enumerate(forms):
        data.update({f"{prefix}-{index}-{name}": value for name, value in form.items()})
    return data


def test_actor_field_finds_actors_by_name_or_alias_and_refuses_strangers(actors):
    field = ActorField()
    assert field.clean("north korea") == actors["KP"]
    assert field.clean("Pyongyang") == actors["KP"]
    assert field.clean("") is None
    with pytest.raises(ValidationError, match="No actor is called"):
        field.clean("Atlantis")


def test_hop_rows_follow_their_order_numbers_and_skip_blank_and_removed_rows(actors):
    formset = HopFormSet(
        rows(
            "hops",
            {
                "ORDER": "2",
                "anonymity": "outlet_voice",
                "speaker": "An Italian daily",
                "source_url": SOURCE_URL,
            },
            {"ORDER": "3"},  # a blank row the editor added and left empty
            {"ORDER": "1", "anonymity": "anonymous_individual", "descriptor": "a US official"},
            {"ORDER": "4", "anonymity": "anonymous_individual", "descriptor": "gone", "DELETE": "on"},
        ),
        prefix="hops",
    )
    assert formset.is_valid(), formset.errors
    data = formset.rows()
    assert [(hop.position, hop.descriptor) for hop in data] == [(0, "a US official"), (1, "")]
    assert data[1].speaker_id == actors["daily"].pk and data[1].source_url == SOURCE_URL


def test_service_errors_land_on_the_row_they_name():
    formset = RouteFormSet(
        rows(
            "route", {"ORDER": "2", "role": "destination", "country": "RU"}, {"ORDER": "1", "role": "origin"}
        ),
        prefix="route",
    )
    assert formset.is_valid()
    formset.put_errors(
        ValidationError({"route.0.country": ["A route stop needs a country or a region."]}), "route"
    )
    assert formset.forms[1].errors["country"] == ["A route stop needs a country or a region."]
    assert not formset.forms[0].errors
    formset.put_errors(ValidationError({"route": ["Positions must run 0, 1, 2"]}), "route")
    assert formset.all_errors() == ["Positions must run 0, 1, 2"]


def test_route_country_codes_are_upper_cased():
    formset = RouteFormSet(rows("route", {"ORDER": "1", "role": "origin", "country": "kp"}), prefix="route")
    assert formset.is_valid()
    assert formset.rows()[0].country == "KP"


def test_filter_form_refuses_nonsense_and_returns_nothing(actors):
    from claims.models import Claim

    form = ClaimFilterForm({"supplier": "not-a-number"}, actors=[(a.pk, a.name) for a in actors.values()])
    assert list(form.apply(Claim.objects.all())) == []
    assert "supplier" in form.errors
