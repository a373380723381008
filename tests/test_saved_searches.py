"""Saved searches (claims/services/searches.py, claims.filtering.canonical_query) and their links."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from claims import services, vocab
from claims.filtering import canonical_query
from claims.models import SavedSearch
from tests.conftest import api, make_user

pytestmark = pytest.mark.django_db


def test_a_query_is_kept_in_the_filters_own_order_without_empty_values():
    assert canonical_query(QueryDict("stage=shipment&q=&recipient=RU")) == "recipient=RU&stage=shipment"


@pytest.mark.parametrize(
    ("query", "says"),
    [("recipent=RU", "Not a claim filter: recipent."), ("stage=teleport", "stage:"), ("page=2", "page")],
)
def test_a_query_with_an_unknown_parameter_or_a_bad_value_is_refused(query, says):
    with pytest.raises(ValidationError) as caught:
        canonical_query(QueryDict(query))
    assert says in " ".join(caught.value.messages)


def test_a_user_saves_a_search_and_names_must_be_their_own_and_unique(viewer, editor):
    services.save_search(name="Russian deliveries", query="recipient=RU", by=viewer)
    services.save_search(name="Russian deliveries", query="recipient=RU", by=editor)  # another owner
    for name, field in (("  ", "name"), ("Russian deliveries", "name"), ("x" * 101, "name")):
        with pytest.raises(ValidationError) as caught:
            services.save_search(name=name, query="", by=viewer)
        assert field in caught.value.message_dict
    assert SavedSearch.objects.count() == 2
    services.save_search(name="x" * 100, query="", by=viewer)


def test_only_the_owner_deletes_a_saved_search(viewer, editor):
    search = services.save_search(name="Mine", query="", by=viewer)
    with pytest.raises(PermissionDenied):
        services.delete_saved_search(search_id=search.pk, by=editor)
    services.delete_saved_search(search_id=search.pk, by=viewer)
    assert not SavedSearch.objects.exists()


def test_saved_searches_through_the_api_with_their_links(viewer, editor, make_claim):
    make_claim(vocab.Status.PUBLISHED, statement="To Russia.")
    created = api(viewer).post(
        "/api/v1/saved-searches/", {"name": "Russia", "query": "stage=shipment&recipient=ru"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["query"] == "recipient=ru&stage=shipment"
    assert body["links"] == {
        "claims": "/api/v1/claims/?recipient=ru&stage=shipment",
        "csv": "/api/v1/claims/csv/?recipient=ru&stage=shipment",
        "atom": "/feeds/claims.atom?recipient=ru&stage=shipment",
    }
    assert [s["name"] for s in api(viewer).get("/api/v1/saved-searches/").json()] == ["Russia"]
    assert api(editor).get("/api/v1/saved-searches/").json() == []
    listed = api(viewer).get(body["links"]["claims"]).json()["results"]
    assert [claim["statement"] for claim in listed] == ["To Russia."]
    assert api(editor).delete(f"/api/v1/saved-searches/{body['id']}/").status_code == 404
    assert api(viewer).delete(f"/api/v1/saved-searches/{body['id']}/").status_code == 204
    assert not SavedSearch.objects.exists()


def test_the_api_refuses_a_bad_query_and_anonymous_clients(viewer):
    refused = api(viewer).post(
        "/api/v1/saved-searches/", {"name": "Typo", "query": "recipent=RU"}, format="json"
    )
    assert refused.status_code == 400 and "query" in refused.json()["errors"]
    assert api().get("/api/v1/saved-searches/").status_code == 401
    assert api().post("/api/v1/saved-searches/", {"name": "x", "query": ""}, format="json").status_code == 401
    assert not SavedSearch.objects.exists()


def test_the_list_page_links_its_filters_as_atom_and_csv_and_saves_them(client, viewer, make_claim):
    make_claim(vocab.Status.PUBLISHED, statement="To Russia.")
    client.force_login(viewer)
    page = client.get("/claims/?recipient=RU&sort=updated&page=1").content.decode()
    assert (
        'href="/feeds/claims.atom?recipient=RU"' in page and 'href="/api/v1/claims/csv/?recipient=RU"' in page
    )
    response = client.post("/claims/searches/", {"name": "Russia", "query": "recipient=RU"}, follow=True)
    assert "Search saved as “Russia”." in response.content.decode()
    search = SavedSearch.objects.get()
    assert (search.owner, search.query) == (viewer, "recipient=RU")
    csv = b"".join(client.get("/api/v1/claims/csv/?recipient=RU").streaming_content).decode()
    assert "To Russia." in csv
    listing = client.get("/claims/").content.decode()
    assert "Your saved searches" in listing and 'href="/claims/?recipient=RU"' in listing
    client.post(f"/claims/searches/{search.pk}/delete/")
    assert not SavedSearch.objects.exists()


def test_saving_a_search_without_a_name_or_with_a_forged_query_keeps_nothing(client, viewer):
    client.force_login(viewer)
    unnamed = client.post("/claims/searches/", {"name": "", "query": "recipient=RU"}, follow=True)
    assert "Give the search a name." in unnamed.content.decode()
    forged = client.post("/claims/searches/", {"name": "x", "query": "evil=1"}, follow=True)
    assert "Not a claim filter: evil." in forged.content.decode()
    assert not SavedSearch.objects.exists()


def test_nobody_deletes_anothers_saved_search_from_the_page(client, viewer):
    search = services.save_search(name="Vera's", query="", by=viewer)
    client.force_login(make_user("other", "viewer"))
    assert client.post(f"/claims/searches/{search.pk}/delete/").status_code == 404
    assert SavedSearch.objects.exists()


def test_a_saved_searchs_atom_link_lists_exactly_its_claims(viewer, make_claim, actors):
    import feedparser

    make_claim(vocab.Status.PUBLISHED, statement="To Russia.")
    make_claim(vocab.Status.PUBLISHED, statement="To China.", recipient_id=actors["CN"].pk)
    body = api(viewer).post(
        "/api/v1/saved-searches/", {"name": "Russia", "query": "recipient=RU"}, format="json"
    )
    feed = feedparser.parse(api().get(body.json()["links"]["atom"]).content)
    assert [entry.title for entry in feed.entries] == ["To Russia."]
