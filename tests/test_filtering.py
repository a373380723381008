"""One claim filter: the web list, the API list and the CSV and STIX exports select the same claims."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.http import QueryDict

from claims import services, vocab
from claims.filtering import ClaimFilter
from claims.models import Actor, Assessment, Claim

pytestmark = pytest.mark.django_db

PUBLIC = {"shells", "drones", "talks", "old", "gone"}


@pytest.fixture
def world(make_claim, actors, reviewer) -> dict[str, Claim]:
    """Seven claims; each filter value below keeps a different subset of them."""
    rostec = Actor.objects.create(name="Rostec", kind=vocab.ActorKind.COMPANY, country="RU")
    ru, kp, us, cn = actors["RU"], actors["KP"], actors["US"], actors["CN"]
    made = {
        "shells": make_claim(
            vocab.Status.PUBLISHED,
            statement="Artillery shells shipped by rail.",
            event_start=date(2023, 9, 1),
            event_precision="month",
        ),
        "drones": make_claim(
            vocab.Status.PUBLISHED,
            statement="Drones delivered to a Russian company.",
            supplier_id=cn.pk,
            recipient_id=rostec.pk,
            item_category="dual_use",
            stage="delivery",
            event_start=date(2024, 1, 10),
            event_precision="day",
        ),
        "talks": make_claim(
            vocab.Status.PUBLISHED,
            statement="Talks on missiles.",
            recipient_id=us.pk,
            item_category="missiles",
            stage="negotiation",
        ),
        "old": make_claim(
            vocab.Status.PUBLISHED,
            statement="Russia agreed to share technology.",
            supplier_id=ru.pk,
            recipient_id=kp.pk,
            item_category="technology",
            stage="agreement",
        ),
        "gone": make_claim(
            vocab.Status.RETRACTED,
            statement="Shells shipped by sea, later withdrawn.",
            event_start=date(2022, 1, 1),
            event_precision="year",
        ),
        "draft": make_claim(
            statement="Components made in Russia for China.",
            supplier_id=ru.pk,
            recipient_id=cn.pk,
            item_category="components",
            stage="production",
            event_start=date(2024, 3, 1),
            event_precision="day",
        ),
        "review": make_claim(
            vocab.Status.IN_REVIEW,
            statement="A Russian company ships artillery.",
            supplier_id=rostec.pk,
            recipient_id=kp.pk,
            item_category="artillery",
            stage="shipment",
        ),
    }
    services.add_assessment(
        claim_id=made["drones"].pk, by=reviewer, reliability="E", credibility=5, rationale="thin"
    )
    services.add_assessment(
        claim_id=made["old"].pk, by=reviewer, reliability="A", credibility=2, rationale="on record"
    )
    # Nobody has looked at the talks since 2020: due for review (claims.review).
    Claim.objects.filter(pk=made["talks"].pk).update(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    Assessment.objects.filter(claim=made["talks"]).update(assessed_at=datetime(2020, 1, 1, tzinfo=UTC))
    # Fixed stamps, a month apart in the order above, so that updated ranges have exact boundaries.
    for month, claim in enumerate(made.values(), start=1):
        Claim.objects.filter(pk=claim.pk).update(updated_at=datetime(2024, month, 1, tzinfo=UTC))
    return made


EVERY_CLAIM = {"shells", "drones", "talks", "old", "gone", "draft", "review"}
# (query string, the claims an editor gets); a viewer gets the public ones among them.
CASES = [
    ("", EVERY_CLAIM),
    ("supplier=RU", {"old", "draft", "review"}),
    ("supplier=ru", {"old", "draft", "review"}),
    ("supplier={RU}", {"old", "draft"}),
    ("recipient=ru", {"shells", "drones", "gone"}),
    ("recipient=Ru", {"shells", "drones", "gone"}),
    ("recipient={RU}", {"shells", "gone"}),
    ("recipient=us", {"talks"}),
    ("involving=ru", {"shells", "drones", "old", "gone", "draft", "review"}),
    ("involving={RU}", {"shells", "old", "gone", "draft"}),
    ("involving=us", {"talks"}),
    ("said_by=us", set()),  # no hop here names an actor: see the said_by test below
    ("author=me", EVERY_CLAIM),
    ("assignee=me", set()),
    ("item_category=missiles", {"talks"}),
    ("stage=shipment", {"shells", "gone", "review"}),
    ("status=published", {"shells", "drones", "talks", "old"}),
    ("status=retracted", {"gone"}),
    ("status=draft", {"draft"}),
    ("status=in_review", {"review"}),
    ("credibility=1", set()),
    ("credibility=2", {"old"}),
    ("credibility=3", {"shells", "talks", "old", "gone"}),
    ("credibility=5", {"shells", "drones", "talks", "old", "gone"}),
    ("reliability=A", {"old"}),
    ("reliability=B", {"shells", "talks", "old", "gone"}),
    ("reliability=E", {"shells", "drones", "talks", "old", "gone"}),
    ("event_after=2023-09-30", {"shells", "drones", "draft"}),
    ("event_after=2023-10-01", {"drones", "draft"}),
    ("event_before=2023-09-01", {"shells", "gone"}),
    ("event_before=2022-12-31", {"gone"}),
    ("event_after=2023-09-10&event_before=2023-12-31", {"shells"}),
    ("updated_after=2024-03-01T00:00:00Z", {"old", "gone", "draft", "review"}),
    ("updated_before=2024-03-01T00:00:00Z", {"shells", "drones"}),
    ("updated_after=2024-02-01T00:00:00%2B02:00&updated_before=2024-04-01T00:00", {"drones", "talks"}),
    ("q=drones", {"drones"}),
    ("q=shells", {"shells", "gone"}),
    ("recipient=ru&stage=shipment&credibility=3", {"shells", "gone"}),
    ("review_due=true", {"talks"}),
    ("review_due=false", EVERY_CLAIM - {"talks"}),
    ("review_due=true&stage=negotiation", {"talks"}),
    ("stage=&q=&supplier=", EVERY_CLAIM),
]


def _ui(client, query: str) -> set[str]:
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 200
    assert not response.context["form"].errors
    return {str(claim.uuid) for claim in response.context["page"].object_list}


def _api(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/claims/?{query}")
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def _csv(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/claims/csv/?{query}")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row["id"] for row in rows}


def _stix(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/claims/stix/?{query}")
    assert response.status_code == 200
    reports = [item for item in response.json()["objects"] if item["type"] == "report"]
    return {report["external_references"][0]["external_id"] for report in reports}


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[query or "none" for query, _ in CASES])
def test_the_web_list_the_api_list_and_the_exports_select_the_same_claims(
    client, world, actors, viewer, editor, query, expected
):
    query = query.format(RU=actors["RU"].pk)
    # The "me" filters are about editorial work: a reader's own matches nothing.
    for_viewer = set() if query.startswith(("author=", "assignee=")) else expected & PUBLIC
    for user, wanted in ((viewer, for_viewer), (editor, expected)):
        client.force_login(user)
        uuids = {str(world[name].uuid) for name in wanted}
        assert _ui(client, query) == uuids, user
        assert _api(client, query) == uuids, user
        assert _csv(client, query) == uuids, user
        assert _stix(client, query) == uuids, user


def test_the_parity_table_covers_every_filter():
    covered = {part.split("=")[0] for query, _ in CASES for part in query.split("&") if part}
    assert covered == set(ClaimFilter.base_filters)
    assert covered == {
        "q",
        "supplier",
        "recipient",
        "item_category",
        "stage",
        "status",
        "credibility",
        "reliability",
        "event_after",
        "event_before",
        "updated_after",
        "updated_before",
        "involving",
        "said_by",
        "author",
        "assignee",
        "review_due",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("recipient=UK", "recipient"),
        ("recipient=uk", "recipient"),
        ("supplier=russia", "supplier"),
        ("supplier=0", "supplier"),
        ("supplier=9223372036854775808", "supplier"),
        ("supplier=99999999999999999999999999", "supplier"),
        ("supplier=١٢", "supplier"),
        ("credibility=0", "credibility"),
        ("credibility=7", "credibility"),
        ("reliability=G", "reliability"),
        ("reliability=b", "reliability"),
        ("status=secret", "status"),
        ("event_after=yesterday", "event_after"),
        ("updated_before=2024-13-01", "updated_before"),
        ("updated_after=0001-01-01T00:00:00%2B23:59", "updated_after"),
        ("q=" + "x" * 201, "q"),
        ("review_due=yes", "review_due"),
        ("review_due=1", "review_due"),
        ("review_due=TRUE", "review_due"),
    ],
)
def test_a_value_that_cannot_be_understood_is_refused_alike_in_the_web_list_and_the_api(
    client, editor, world, query, field
):
    client.force_login(editor)
    api = client.get(f"/api/v1/claims/?{query}")
    assert api.status_code == 400
    assert api.json()["code"] == "invalid" and api.json()["errors"][field][0]
    page = client.get(f"/claims/?{query}")
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert list(page.context["page"].object_list) == []
    assert "Some filters are not valid" in page.content.decode()


def test_the_largest_database_id_is_a_valid_actor_id_that_matches_nothing(client, editor, world):
    client.force_login(editor)
    assert _api(client, "supplier=9223372036854775807") == set()
    assert _ui(client, "supplier=9223372036854775807") == set()


def test_the_web_list_ignores_keys_it_does_not_know_and_keeps_its_own(client, viewer, world):
    client.force_login(viewer)
    response = client.get("/claims/?recipent=RU&utm_source=mail&sort=statement&per_page=50&page=1")
    assert response.status_code == 200
    assert {claim.statement for claim in response.context["page"].object_list} == {
        world[name].statement for name in PUBLIC
    }


def test_the_web_list_pickers_show_a_lowercase_country_by_name_and_list_no_actors(
    client, viewer, world, actors
):
    client.force_login(viewer)
    html = client.get("/claims/?recipient=ru").content.decode()
    assert 'data-label="RU · Russian Federation"' in html  # the picker shows the country by name
    assert 'value="RU"' in html  # kept as the filter reads it
    assert "North Korea</option>" not in html  # actors are searched as you type, never all listed
    assert 'name="event_after"' in html and 'name="updated_before"' in html
    assert 'name="date_from"' not in html


def test_a_picker_named_on_one_list_page_is_not_named_on_the_next(client, viewer, world, actors):
    # The filter form's class is built once; each page's form must still have fields of its own.
    client.force_login(viewer)
    assert 'data-label="RU · Russian Federation"' in client.get("/claims/?recipient=ru").content.decode()
    html = client.get("/claims/?q=tank").content.decode()
    assert "Russian Federation" not in html
    first = ClaimFilter(QueryDict("recipient=ru"), queryset=Claim.objects.none()).form
    second = ClaimFilter(QueryDict(), queryset=Claim.objects.none()).form
    assert type(first) is type(second)


def test_involving_covers_participants_and_said_by_covers_every_hop_once(client, make_claim, actors, editor):
    from tests.conftest import hop

    kirby, us, daily = actors["kirby"], actors["US"], actors["daily"]
    relayed = make_claim(
        statement="Relayed twice by Kirby.",
        hops=[
            hop(0, speaker_id=kirby.pk, anonymity="named_on_record", descriptor=""),
            hop(1, speaker_id=kirby.pk, anonymity="named_paraphrased", descriptor=""),
        ],
    )
    affiliated = make_claim(
        statement="An official of the US.",
        hops=[hop(0, affiliation_id=us.pk)],
        participant_ids=[daily.pk],
    )
    make_claim(statement="Nobody we know.")
    client.force_login(editor)

    def found(query):
        return [item["id"] for item in client.get(f"/api/v1/claims/?{query}").json()["results"]]

    assert found(f"said_by={kirby.pk}") == [str(relayed.uuid)]
    assert sorted(found("said_by=us")) == sorted([str(relayed.uuid), str(affiliated.uuid)])
    assert found(f"said_by={us.pk}") == [str(affiliated.uuid)]
    assert found(f"involving={daily.pk}") == [str(affiliated.uuid)]
    response = client.get("/api/v1/claims/?said_by=Kirby")
    assert response.status_code == 400 and "said_by" in response.json()["errors"]


def test_the_list_shows_who_said_it(client, make_claim, actors, editor):
    from tests.conftest import hop

    make_claim(
        statement="Kirby says so.",
        hops=[hop(0, speaker_id=actors["kirby"].pk, anonymity="named_on_record", descriptor="")],
    )
    make_claim(statement="An official says so.")
    client.force_login(editor)
    html = client.get("/claims/").content.decode()
    assert "<td>John Kirby</td>" in html and "<td>“a US official”</td>" in html
