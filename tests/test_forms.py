import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from claims.forms import (
    QUICK_INPUTS,
    ActorField,
    ActorsField,
    ActorTokens,
    ClaimForm,
    HopFormSet,
    RouteFormSet,
)
from claims.models import Actor
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


def test_actor_field_ignores_accents_and_prefers_the_exact_name(actors):
    field = ActorField()
    kyiv = Actor.objects.create(name="Kyïv", kind="state")
    assert field.clean("KYIV") == kyiv
    assert field.clean("pyongyang") == actors["KP"]
    plain = Actor.objects.create(name="Kyiv", kind="state")
    assert field.clean("Kyiv") == plain and field.clean("Kyïv") == kyiv
    with pytest.raises(ValidationError, match="No actor is called"):
        field.clean("kyiv ")  # two actors read so: the editor must pick one


def tokens(ids=(), typed="") -> dict:
    data = QueryDict(mutable=True)
    data.setlist("participants", [str(i) for i in ids])
    data["participants_add"] = typed
    return ActorTokens().value_from_datadict(data, {}, "participants")


def test_participants_come_as_tokens_and_typed_names_once_each(actors):
    field = ActorsField(required=False)
    chosen = field.clean(tokens([actors["KP"].pk, actors["RU"].pk], "Washington ; ; north korea"))
    assert chosen == [actors["KP"], actors["RU"], actors["US"]]
    assert field.clean(tokens()) == []


@pytest.mark.parametrize("bad", ["999999", "0", "-1", "²", "abc", "9" * 30])
def test_an_unknown_or_malformed_participant_id_is_refused(actors, bad):
    with pytest.raises(ValidationError, match=f"No actor has the id {bad}"):
        ActorsField(required=False).clean(tokens([actors["KP"].pk, bad]))


def test_an_unknown_participant_name_is_refused_by_name(actors):
    with pytest.raises(ValidationError, match="No actor is called “Atlantis”"):
        ActorsField(required=False).clean(tokens([], "Russia; Atlantis"))


def test_the_participants_field_renders_chosen_actors_as_ticked_boxes_and_a_text_input(actors):
    form = ClaimForm(initial={"participants": [actors["KP"]]})
    html = str(form["participants"])
    pk = actors["KP"].pk
    assert (
        f'<input type="checkbox" name="participants" value="{pk}" id="id_participants_{pk}" checked>' in html
    )
    assert 'name="participants_add"' in html and 'data-actor-picker="tokens"' in html
    assert 'aria-describedby="id_participants_helptext"' in html


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


class Inputs(forms.Form):
    text = forms.CharField(max_length=20, required=False, widget=forms.TextInput({"data-x": "<\"&'>"}))
    day = forms.DateField(widget=forms.DateInput({"type": "date", "autofocus": True, "hidden": False}))
    moment = forms.DateTimeField(required=False, widget=forms.DateTimeInput({"type": "datetime-local"}))
    secret = forms.CharField(required=False, widget=forms.HiddenInput)


@pytest.mark.parametrize(
    "data",
    [{}, {"text": '<b>"x" & y</b>', "day": "2024-05-01", "moment": "2024-05-01T10:30", "secret": "a=1&b=2"}],
)
def test_inputs_built_in_python_are_the_html_django_writes(data):
    by_django, by_python = Inputs(data or None), Inputs(data or None, renderer=QUICK_INPUTS)
    for name in Inputs.base_fields:
        assert str(by_python[name]) == str(by_django[name]), name
    assert 'data-x="&lt;&quot;&amp;&#x27;&gt;"' in str(by_python["text"])
