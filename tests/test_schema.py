"""The write shape is read off the models: a claim column (designation, the first one added this way)
reaches every surface, and its model limit is the one every surface enforces."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from claims import schema, selectors, services, vocab
from claims.importing import csv_rows, import_rows
from claims.models import Claim
from tests.api.test_writes import payload
from tests.conftest import claim_data
from tests.test_views import form_post

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_every_claim_column_but_the_services_own_is_in_the_write_shape():
    names = {field.name for field in schema.CLAIM_COLUMNS}
    assert {
        "statement",
        "kind",
        "supplier",
        "recipient",
        "designation",
        "quantity_min",
        "event_start",
    } <= names
    assert names.isdisjoint({"id", "uuid", "status", "version", "search_document", "created_by"})


def test_record_input_refuses_a_field_the_model_does_not_have():
    with pytest.raises(TypeError, match="no field calibre"):
        services.ClaimData(statement="x", kind="transfer", calibre="152 mm")


def test_the_api_writes_and_reads_the_designation_and_documents_it(editor, actors):
    created = api(editor).post("/api/v1/claims/", payload(actors, designation="KN-23"), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["designation"] == "KN-23"
    claim_id = created.json()["id"]
    patched = api(editor).patch(
        f"/api/v1/claims/{claim_id}/", {"designation": "Kh-101"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert patched.status_code == 200 and patched.json()["designation"] == "Kh-101"
    spec = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = spec["components"]["schemas"]
    assert components["Claim"]["properties"]["designation"]["maxLength"] == 100
    assert "designation" in components["PatchedClaimWriteRequest"]["properties"]


def test_a_designation_over_the_model_limit_is_refused_with_a_field_message_and_nothing_written(
    editor, actors
):
    before = Claim.objects.count()
    refused = api(editor).post("/api/v1/claims/", payload(actors, designation="K" * 101), format="json")
    assert refused.status_code == 400
    assert "designation" in refused.json()["errors"]
    assert Claim.objects.count() == before
    with pytest.raises(Exception, match="designation"):
        services.create_claim(data=claim_data(actors, designation="K" * 101), by=editor)
    services.create_claim(data=claim_data(actors, designation="K" * 100), by=editor)  # the limit itself


def test_the_browser_form_edits_the_designation_and_the_page_and_list_show_it(client, editor, actors):
    client.force_login(editor)
    response = client.post("/claims/new/", form_post(actors, designation="KN-23"))
    assert response.status_code == 302, response.context["form"].errors
    claim = Claim.objects.get()
    assert claim.designation == "KN-23"
    assert "KN-23" in client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "KN-23" in client.get("/claims/").content.decode()
    form = client.get(f"/claims/{claim.uuid}/edit/").content.decode()
    assert 'name="designation"' in form and 'value="KN-23"' in form


def test_the_designation_is_searchable_in_the_api_and_the_web_list(client, editor, actors):
    services.create_claim(data=claim_data(actors, statement="Missiles.", designation="Hwasong-11"), by=editor)
    services.create_claim(data=claim_data(actors, statement="Shells."), by=editor)
    found = api(editor).get("/api/v1/claims/?q=Hwasong-11").json()["results"]
    assert [claim["statement"] for claim in found] == ["Missiles."]
    client.force_login(editor)
    page = client.get("/claims/?q=Hwasong-11")
    assert [claim.statement for claim in page.context["page"].object_list] == ["Missiles."]


def test_the_csv_carries_the_designation_out_and_back_in(editor, reviewer, actors):
    services.create_claim(data=claim_data(actors, designation="KN-23"), by=editor)
    exported = b"".join(api(reviewer).get("/api/v1/claims/csv/").streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["designation"] == "KN-23"
    Claim.objects.all().delete()
    report = import_rows(csv_rows(io.StringIO(exported)), by=editor)
    assert report.rejected == []
    assert list(Claim.objects.values_list("designation", flat=True)) == ["KN-23"]


def test_stix_and_the_admin_carry_the_designation(client, admin_user, reviewer, actors):
    claim = services.create_claim(data=claim_data(actors, designation="KN-23"), by=reviewer)
    bundle = api(reviewer).get(f"/api/v1/claims/{claim.uuid}/stix/").json()
    [report] = [obj for obj in bundle["objects"] if obj["type"] == "report"]
    [extension] = report["extensions"].values()
    assert extension["designation"] == "KN-23"
    client.force_login(admin_user)
    assert 'name="designation"' in client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()


def test_readers_get_the_designation_from_the_document(make_claim):
    claim = make_claim(vocab.Status.PUBLISHED, designation="KN-23")
    [document] = selectors.documents_visible_to(AnonymousUser(), [claim])
    assert document["designation"] == "KN-23"
    assert schema.write_shape(document)["designation"] == "KN-23"


def test_a_quantity_with_both_a_number_and_words_keeps_the_words(editor, actors):
    quantity = {"qualifier": "about", "min": 3000, "text": "some 3,000 shells", "unit": "shells"}
    created = api(editor).post("/api/v1/claims/", payload(actors, quantity=quantity), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["quantity"] == {**quantity, "max": None}
    claim = Claim.objects.get(uuid=created.json()["id"])
    assert (claim.quantity_min, claim.quantity_text) == (3000, "some 3,000 shells")
    read = api(editor).get(f"/api/v1/claims/{claim.uuid}/").json()
    assert read["quantity"]["text"] == "some 3,000 shells" and read["quantity"]["min"] == 3000


def test_nested_api_errors_become_the_services_dotted_paths():
    detail = {
        "statement": "Too long.",
        "hops": [{}, {"descriptor": ["Give a descriptor."], "non_field_errors": ["Bad hop."]}],
        "route": [["Bad stop."], {"country": ["UK is not a code."]}],
        "non_field_errors": ["Supplier equals recipient."],
    }
    assert schema.flatten(detail) == {
        "statement": ["Too long."],
        "hops.1.descriptor": ["Give a descriptor."],
        "hops.1": ["Bad hop."],
        "route.0": ["Bad stop."],
        "route.1.country": ["UK is not a code."],
        "non_field_errors": ["Supplier equals recipient."],
    }
    assert schema.flatten([{"x": ["a"]}, {"x": ["b"]}]) == {"0.x": ["a"], "1.x": ["b"]}
    assert schema.flatten(["One.", "Two."]) == {"non_field_errors": ["One.", "Two."]}
    assert schema.flatten([]) == {} and schema.flatten({}) == {}


def test_an_old_document_missing_columns_and_lists_gets_the_models_defaults_in_the_write_shape():
    body = schema.write_shape(
        {"statement": "Old.", "supplier": {"id": 7}, "hops": [{"position": 0, "speaker": None}]}
    )
    assert body["statement"] == "Old."
    assert body["negated"] is False and body["designation"] == "" and body["stage"] == ""
    assert (body["supplier"], body["recipient"]) == (7, None)
    assert body["participants"] == [] and body["route"] == []
    assert body["quantity"] == {} and body["event_date"] == {}
    assert body["hops"] == [{"position": 0, "speaker": None, "affiliation": None}]


def test_a_documents_route_participants_and_hop_actors_go_into_the_write_shape_by_id():
    document = {
        "participants": [{"id": 3, "name": "Russia"}],
        "quantity": {"qualifier": "about", "min": 3},
        "route": [{"position": 0, "role": "origin", "country": "KP"}],
        "hops": [{"position": 0, "speaker": {"id": 5, "name": "Kirby"}, "descriptor": "", "quote": "q"}],
    }
    body = schema.write_shape(document)
    assert body["participants"] == [3]
    assert body["quantity"] == {"qualifier": "about", "min": 3}
    assert body["route"] == [{"position": 0, "role": "origin", "country": "KP"}]
    assert body["hops"] == [
        {"position": 0, "descriptor": "", "quote": "q", "speaker": 5, "affiliation": None}
    ]


def test_the_importers_plain_reader_gives_what_the_api_serializer_gives(actors):
    body = payload(
        actors,
        participants=[actors["CN"].pk],
        negated=True,
        stage=None,
        quantity={"qualifier": "range", "min": 3, "max": "7", "unit": "trains"},
        hops=[
            {
                "position": 0,
                "anonymity": "named_on_record",
                "speaker": actors["kirby"].pk,
                "quote": "x",
                "quote_language": "en",
                "affiliation": actors["US"].pk,
                "source": None,
            },
            {
                "position": 1,
                "anonymity": "outlet_voice",
                "speaker": actors["daily"].pk,
                "source": "https://a.example/",
            },
        ],
        unknown_key="ignored",
    )
    serializer = schema.ClaimWriteSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    assert schema.read_write_shape(body) == serializer.to_claim_data()


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"statement": ["a list"]}, "statement", "Not a valid string."),
        ({"supplier": "seven"}, "supplier", "A valid integer is required."),
        ({"supplier": 0}, "supplier", "A valid integer is required."),
        ({"negated": "perhaps"}, "negated", "Must be a valid boolean."),
        (
            {"event_date": {"start": "1 Sep 2023", "precision": "day"}},
            "event_date.start",
            "Date has wrong format. Use YYYY-MM-DD.",
        ),
        ({"quantity": {"qualifier": "exact", "min": 2**63}}, "quantity.min", "A valid integer is required."),
        ({"hops": "not a list"}, "hops", "Expected a list of items."),
        ({"hops": [{"position": 0}]}, "hops.0.anonymity", "This field is required."),
        ({"participants": ["x"]}, "participants.0", "A valid integer is required."),
        ({"kind": None}, "kind", "This field may not be null."),
        ({"place": None}, "place", "This field may not be null."),
    ],
)
def test_the_importers_plain_reader_refuses_values_of_the_wrong_type_by_path(actors, change, path, message):
    with pytest.raises(schema.ShapeError) as refused:
        schema.read_write_shape(payload(actors, **change))
    assert refused.value.messages[path] == [message]
    serializer = schema.ClaimWriteSerializer(data=payload(actors, **change))
    assert not serializer.is_valid()  # the API refuses the same values


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        ({"place_latitude": "north"}, {"place_latitude": ["A valid number is required."]}),
        ({"place_latitude": "nan"}, {"place_latitude": ["A valid number is required."]}),
        ({"place_latitude": "inf"}, {"place_latitude": ["A valid number is required."]}),
        ({"place_longitude": float("-inf")}, {"place_longitude": ["A valid number is required."]}),
        ({"place_latitude": True}, {"place_latitude": ["A valid number is required."]}),
        ({"supplier": True}, {"supplier": ["A valid integer is required."]}),
        ({"statement": False}, {"statement": ["Not a valid string."]}),
        ({"negated": "perhaps"}, {"negated": ["Must be a valid boolean."]}),
        ({"negated": ["yes"]}, {"negated": ["Must be a valid boolean."]}),
        (
            {"event_date": {"start": 20230901}},
            {"event_date.start": ["Date has wrong format. Use YYYY-MM-DD."]},
        ),
        # A group that is not an object is reported, and the groups after it are still read.
        (
            {"quantity": "three", "uncertain": {"supplier": "perhaps"}},
            {
                "quantity": ["Expected a dictionary of items."],
                "uncertain.supplier": ["Must be a valid boolean."],
            },
        ),
        ({"participants": "China"}, {"participants": ["Expected a list of items."]}),
        ({"route": "north"}, {"route": ["Expected a list of items."]}),
        (
            {"hops": ["Washington", "the daily"]},
            {"hops.0": ["Expected a dictionary of items."], "hops.1": ["Expected a dictionary of items."]},
        ),
        (
            {"hops": [{"position": 0, "anonymity": "outlet_voice", "source": True}]},
            {"hops.0.source": ["Not a valid string."]},
        ),
        ({"hops": None}, {"hops": ["This field is required."]}),
    ],
)
def test_the_plain_reader_reports_every_wrong_value_by_path_in_the_apis_words(actors, change, messages):
    with pytest.raises(schema.ShapeError) as refused:
        schema.read_write_shape(payload(actors, **change))
    assert refused.value.messages == messages
    assert not schema.ClaimWriteSerializer(data=payload(actors, **change)).is_valid()


def test_the_plain_reader_refuses_a_body_that_is_not_an_object():
    with pytest.raises(schema.ShapeError) as refused:
        schema.read_write_shape(["a", "list"])
    assert refused.value.messages == {"non_field_errors": ["Expected a dictionary of items."]}


def test_a_claim_without_hops_is_refused_but_one_without_a_route_is_read(actors):
    body = payload(actors)
    del body["hops"]
    with pytest.raises(schema.ShapeError) as refused:
        schema.read_write_shape(body)
    assert refused.value.messages == {"hops": ["This field is required."]}
    body = payload(actors)
    del body["route"]
    assert schema.read_write_shape(body).route == []


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"place_latitude": "45.5"}, "place_latitude", 45.5),
        ({"place_latitude": 12}, "place_latitude", 12.0),
        ({"place_longitude": " -0.5 "}, "place_longitude", -0.5),
        ({"negated": "TRUE"}, "negated", True),
        ({"negated": "1"}, "negated", True),
        ({"negated": "False"}, "negated", False),
        ({"negated": "0"}, "negated", False),
        ({"negated": 1}, "negated", True),
        ({"negated": "yes"}, "negated", True),
        ({"negated": "off"}, "negated", False),
        ({"statement": 42}, "statement", "42"),
        ({"statement": 2.5}, "statement", "2.5"),
        ({"quantity": {"qualifier": "exact", "min": 2**63 - 1}}, "quantity_min", 2**63 - 1),
        ({"quantity": {"qualifier": "exact", "min": " 12 "}}, "quantity_min", 12),
        ({"event_date": {"start": "2023-09-01"}}, "event_start", date(2023, 9, 1)),
    ],
)
def test_the_plain_reader_accepts_what_the_api_accepts_at_the_edges(actors, change, field, value):
    read = schema.read_write_shape(payload(actors, **change))
    assert getattr(read, field) == value
    assert type(getattr(read, field)) is type(value)
    serializer = schema.ClaimWriteSerializer(data=payload(actors, **change))
    assert serializer.is_valid(), serializer.errors
    assert getattr(serializer.to_claim_data(), field) == value


def test_a_partial_read_requires_nothing_and_keeps_every_value_given(actors):
    read = schema.read_write_shape(
        {"recipient": actors["RU"].pk, "hops": [{"descriptor": "Washington"}]}, partial=True
    )
    assert read.recipient_id == actors["RU"].pk  # after columns left out, as the statement and kind
    assert [hop.descriptor for hop in read.hops] == ["Washington"]
    assert schema.read_write_shape({"hops": [{"source": 404}]}, partial=True).hops[0].source_url == "404"
    assert schema.read_write_shape({"statement": "Shells."}, partial=True).hops == []
    with pytest.raises(schema.ShapeError) as refused:
        schema.read_write_shape({"negated": "perhaps"}, partial=True)  # a wrong type all the same
    assert refused.value.messages == {"negated": ["Must be a valid boolean."]}


def test_input_values_are_equal_only_for_the_same_kind_with_the_same_values():
    assert schema.ClaimData(statement="Shells.") == schema.ClaimData(statement="Shells.")
    assert schema.ClaimData(statement="Shells.") != schema.ClaimData(statement="Missiles.")
    assert schema.RouteStopData(position=0) != schema.HopData(position=0)
    assert schema.RouteStopData(position=0) != {"position": 0}
    assert schema.ClaimData(statement="Shells.").values()["statement"] == "Shells."
    assert repr(schema.RouteStopData(position=2, country="IT")).startswith(
        "RouteStopData({'position': 2, 'role': '', 'country': 'IT'"
    )


def test_input_refuses_unknown_fields_naming_each_of_them():
    with pytest.raises(TypeError) as refused:
        schema.HopData(calibre="152 mm", colour="green")
    assert str(refused.value) == "HopData has no field calibre, colour"


def test_a_hop_input_carries_its_source_as_an_empty_url_until_given():
    hop = schema.HopData()
    assert hop.source_url == "" and hop.speaker_id is None and hop.descriptor == ""
    assert schema.HopData(source_url="https://example.org/a").source_url == "https://example.org/a"
    assert schema.row_values(schema.HopData(descriptor="an official")).get("source_id", "absent") == "absent"


def test_form_data_becomes_service_input_with_actors_by_id_and_model_defaults_for_none(actors):
    data = schema.from_cleaned(
        {
            "statement": "Shells.",
            "supplier": actors["KP"],
            "recipient": None,
            "participants": [actors["RU"], actors["CN"]],
            "stance": None,
            "place": None,
            "quantity_min": None,
        },
        hops=["hop"],
        route=["stop"],
    )
    assert (data.supplier_id, data.recipient_id) == (actors["KP"].pk, None)
    assert data.participant_ids == [actors["RU"].pk, actors["CN"].pk]
    assert (data.stance, data.place, data.quantity_min) == ("assert", "", None)
    assert (data.hops, data.route) == (["hop"], ["stop"])
    assert schema.from_cleaned({"statement": "Shells."}, hops=[], route=[]).participant_ids == []


def test_write_shape_text_sent_as_null_is_stored_empty_and_numbers_stay_null():
    data = schema.from_write_shape(
        {
            "statement": "Shells.",
            "place": None,
            "quantity": {"text": None, "min": None, "unit": "shells"},
            "hops": [{"position": 0, "descriptor": None, "source": None}],
        }
    )
    assert (data.place, data.quantity_text, data.quantity_min, data.quantity_unit) == ("", "", None, "shells")
    [hop] = data.hops
    assert (hop.descriptor, hop.source_url) == ("", "")


def test_unsaved_input_reads_like_a_stored_document():
    def actor(pk):
        return {"id": pk} if pk else None

    data = schema.ClaimData(
        statement="Shells.",
        supplier_id=5,
        item_category="",
        participant_ids=[3, 4],
        quantity_qualifier="about",
        quantity_min=3000,
        event_start=date(2024, 5, 1),
        route=[schema.RouteStopData(position=0, role="origin", country="KP")],
        hops=[schema.HopData(position=0, speaker_id=7, descriptor="x", source_url="https://example.org/a")],
    )
    body = schema.input_document(data, actor)
    assert (body["statement"], body["kind"], body["negated"]) == ("Shells.", "", False)
    assert body["supplier"] == {"id": 5} and body["recipient"] is None
    assert body["item_category"] is None  # an optional choice left open reads as null
    assert body["participants"] == [{"id": 3}, {"id": 4}]
    assert body["quantity"] == {"qualifier": "about", "min": 3000, "max": None, "unit": "", "text": ""}
    assert body["event_date"]["start"] == "2024-05-01"
    assert body["route"] == [
        {"position": 0, "role": "origin", "country": "KP", "region": "", "approximate": False}
    ]
    assert body["hops"] == [
        {
            "position": 0,
            "speaker": {"id": 7},
            "descriptor": "x",
            "affiliation": None,
            "role": "",
            "anonymity": "",
            "source": "https://example.org/a",
            "quote": "",
            "quote_language": "",
            "translation": "",
        }
    ]


def test_a_document_without_hops_has_none_in_the_write_shape():
    assert schema.write_shape({"statement": "Old."})["hops"] == []


# --- the write shape's DRF fields: what the API accepts before the services look --------------------

LARGEST_ID = 9_223_372_036_854_775_807  # what a PostgreSQL bigint holds


def checked(**overrides) -> tuple[dict | None, dict]:
    """The claim write serializer's verdict on a minimal body: (validated data, dotted errors)."""
    body = {"statement": "Shells.", "kind": "transfer", "hops": [{"position": 0, "anonymity": "undisclosed"}]}
    serializer = schema.ClaimWriteSerializer(data={**body, **overrides})
    if serializer.is_valid():
        return serializer.validated_data, {}
    return None, schema.flatten(serializer.errors)


def test_actor_ids_run_from_1_to_the_largest_key_and_may_be_left_out_or_null():
    for name in ("supplier", "recipient"):
        assert checked(**{name: 1})[0][name] == 1
        assert checked(**{name: LARGEST_ID})[0][name] == LARGEST_ID
        assert checked(**{name: 0})[1] == {name: ["Ensure this value is greater than or equal to 1."]}
        assert checked(**{name: LARGEST_ID + 1})[1] == {
            name: [f"Ensure this value is less than or equal to {LARGEST_ID}."]
        }
        assert checked(**{name: None})[0][name] is None
        assert checked()[0][name] is None
    assert checked(participants=[1, LARGEST_ID])[0]["participants"] == [1, LARGEST_ID]
    assert checked(participants=[0])[1] == {
        "participants.0": ["Ensure this value is greater than or equal to 1."]
    }
    assert checked()[0]["participants"] == []


def test_a_hops_actors_run_from_1_and_may_be_left_out_or_null():
    for name in ("speaker", "affiliation"):
        assert checked(hops=[{"position": 0, "anonymity": "undisclosed", name: 1}])[0]["hops"][0][name] == 1
        assert checked(hops=[{"position": 0, "anonymity": "undisclosed", name: 0}])[1] == {
            f"hops.0.{name}": ["Ensure this value is greater than or equal to 1."]
        }
        assert checked(hops=[{"position": 0, "anonymity": "undisclosed", name: LARGEST_ID + 1}])[1] == {
            f"hops.0.{name}": [f"Ensure this value is less than or equal to {LARGEST_ID}."]
        }
        assert (
            checked(hops=[{"position": 0, "anonymity": "undisclosed", name: None}])[0]["hops"][0][name]
            is None
        )
        assert checked()[0]["hops"][0][name] is None


def test_a_quantity_stops_at_the_largest_key_and_a_position_at_0():
    quantity = {"qualifier": "exact"}
    assert checked(quantity={**quantity, "min": LARGEST_ID})[0]["quantity"]["min"] == LARGEST_ID
    assert checked(quantity={**quantity, "min": LARGEST_ID + 1})[1] == {
        "quantity.min": [f"Ensure this value is less than or equal to {LARGEST_ID}."]
    }
    assert checked(hops=[{"position": -1, "anonymity": "undisclosed"}])[1] == {
        "hops.0.position": ["Ensure this value is greater than or equal to 0."]
    }


def test_an_optional_choice_may_be_sent_as_null_but_free_text_may_not():
    assert checked(item_category=None)[0]["item_category"] is None
    assert checked(item_category=None)[0] is not None
    assert schema.from_write_shape(checked(item_category=None)[0]).item_category == ""
    assert checked(stage="")[0]["stage"] == ""
    assert checked(place=None)[1] == {"place": ["This field may not be null."]}
    assert checked(kind=None)[1] == {"kind": ["This field may not be null."]}
    assert checked(kind="")[1] == {"kind": ['"" is not a valid choice.']}


def test_a_hops_source_is_a_url_of_at_most_2000_characters_and_may_be_left_out_empty_or_null():
    def source_of(**hop):
        validated, errors = checked(hops=[{"position": 0, "anonymity": "undisclosed", **hop}])
        return schema.from_write_shape(validated).hops[0].source_url if validated else errors

    url = "https://example.org/" + "a" * 1980
    assert source_of(source=url) == url
    assert source_of(source=url + "a") == {
        "hops.0.source": ["Ensure this field has no more than 2000 characters."]
    }
    assert source_of() == "" and source_of(source="") == "" and source_of(source=None) == ""
    assert source_of(source="not a url") == "not a url"  # the services judge it, with every other problem


def test_a_hop_list_may_be_empty_for_the_services_to_refuse_but_not_left_out():
    assert checked(hops=[])[0]["hops"] == []
    assert checked(hops=None)[1] == {"hops": ["This field may not be null."]}
    body = {"statement": "Shells.", "kind": "transfer"}
    serializer = schema.ClaimWriteSerializer(data=body)
    assert not serializer.is_valid() and serializer.errors["hops"] == ["This field is required."]
    validated = checked()[0]
    assert validated["route"] == [] and validated["quantity"] is None and validated["event_date"] is None


def test_column_checks_are_left_to_the_services_so_every_problem_is_reported_at_once(editor, actors):
    route = [{"position": 0, "role": "origin", "country": "XX"}]
    body = payload(actors, route=route, recipient=actors["KP"].pk)
    response = api(editor).post("/api/v1/claims/", body, format="json")
    assert response.status_code == 400
    assert {"route.0.country", "recipient"} <= set(response.json()["errors"])


def test_an_assessments_likelihood_and_confidence_are_optional_and_may_be_empty_or_null():
    from claims.api.serializers import AssessmentWriteSerializer

    base = {"reliability": "B", "credibility": 2, "rationale": "Two officials"}
    for name in ("likelihood", "confidence"):
        for sent in ({}, {name: ""}, {name: None}):
            serializer = AssessmentWriteSerializer(data={**base, **sent})
            assert serializer.is_valid(), serializer.errors
            assert serializer.validated_data.get(name, "") in ("", None)
        left_out = AssessmentWriteSerializer(data=base)
        assert left_out.is_valid() and left_out.validated_data[name] == ""
        refused = AssessmentWriteSerializer(data={**base, name: "surely"})
        assert not refused.is_valid() and refused.errors[name] == ['"surely" is not a valid choice.']
    assert AssessmentWriteSerializer(data={**base, "likelihood": "likely"}).is_valid()


def test_the_openapi_document_describes_the_write_and_read_shapes_as_the_models_declare_them():
    spec = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = spec["components"]["schemas"]
    actor_id = {"type": "integer", "maximum": LARGEST_ID, "minimum": 1, "format": "int64"}
    write = components["ClaimWriteRequest"]["properties"]
    assert write["supplier"] == {**actor_id, "nullable": True, "description": "Actor id."}
    assert write["participants"] == {"type": "array", "items": actor_id, "description": "Actor ids."}
    assert write["quantity"]["allOf"] == [{"$ref": "#/components/schemas/QuantityWriteRequest"}]
    assert write["event_date"]["allOf"] == [{"$ref": "#/components/schemas/EventDateWriteRequest"}]
    assert write["route"]["items"] == {"$ref": "#/components/schemas/RouteStopRequest"}
    assert write["hops"]["items"] == {"$ref": "#/components/schemas/HopWriteRequest"}
    assert set(components["ClaimWriteRequest"]["required"]) == {"statement", "kind", "hops"}
    assert components["QuantityWriteRequest"]["properties"]["min"]["maximum"] == LARGEST_ID
    hop_write = components["HopWriteRequest"]["properties"]
    assert hop_write["speaker"] == {**actor_id, "nullable": True, "description": "Actor id."}
    assert hop_write["source"] == {
        "type": "string",
        "nullable": True,
        "default": "",
        "description": "URL of the document this hop was read in (required on the last hop).",
        "maxLength": 2000,
    }
    assert set(components["HopWriteRequest"]["required"]) == {"position", "anonymity"}
    actor_ref = {"allOf": [{"$ref": "#/components/schemas/ActorRef"}], "nullable": True}
    read = components["Claim"]["properties"]
    assert read["supplier"] == actor_ref
    assert read["participants"] == {"type": "array", "items": {"$ref": "#/components/schemas/ActorRef"}}
    assert read["quantity"] == {"$ref": "#/components/schemas/Quantity"}
    assert read["event_date"] == {"$ref": "#/components/schemas/EventDate"}
    assert read["route"]["items"] == {"$ref": "#/components/schemas/RouteStop"}
    assert read["hops"]["items"] == {"$ref": "#/components/schemas/HopRead"}
    hop_read = components["HopRead"]["properties"]
    assert hop_read["speaker"] == actor_ref and hop_read["affiliation"] == actor_ref
    assert hop_read["source"] == {"type": "string", "format": "uri", "nullable": True}
    likelihood = components["AssessmentWriteRequest"]["properties"]["likelihood"]
    assert likelihood["nullable"] is True and likelihood["default"] == ""
    assert "likelihood" not in components["AssessmentWriteRequest"]["required"]


def test_a_whole_number_runs_up_to_the_largest_key_and_no_further():
    assert schema.whole_number("9223372036854775807") == 9_223_372_036_854_775_807
    assert schema.whole_number("9223372036854775808") is None
    assert schema.whole_number("09223372036854775807") is None  # 20 digits, though the value fits
    assert schema.whole_number("0") == 0 and schema.whole_number("²") is None


def test_the_read_shape_gives_actors_as_nullable_objects_and_a_hops_source_as_a_url_or_null():
    # A fresh serializer: the OpenAPI document reads an instance made at import (the claim list's).
    from rest_framework import serializers

    from claims.api.serializers import ClaimSerializer

    fields = ClaimSerializer().fields
    hop = fields["hops"].child.fields
    assert type(hop["source"]) is serializers.URLField and hop["source"].allow_null
    for name in ("speaker", "affiliation"):
        assert type(hop[name]) is schema.ActorRefSerializer and hop[name].allow_null
    assert type(fields["supplier"]) is schema.ActorRefSerializer and fields["supplier"].allow_null
