"""The claim list page's search: relevance order, numbered pages, the count cap, the query count."""

import re

import pytest
from django.db import connection  # noqa: F401 (read by the skipif conditions)

from claims import vocab
from claims.models import Actor, Claim
from tests.api.test_search import STRONG, WEAK, uuids

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="ranking needs PostgreSQL full text"
)


@pytest.fixture
def six(make_claim) -> list[Claim]:
    """c1…c6 in creation order; c1, c2 and c5 match "drones" strongly, c3, c4 and c6 weakly."""
    strong = {0, 1, 4}
    return [make_claim(vocab.Status.PUBLISHED, statement=STRONG if n in strong else WEAK) for n in range(6)]


def rows(html: str) -> list[str]:
    return re.findall(r'<td><a href="/claims/([0-9a-f-]{36})/">', html)


@on_postgresql
def test_the_list_page_orders_a_search_by_relevance_unless_another_sort_is_chosen(client, reviewer, six):
    c1, c2, c3, c4, c5, c6 = six
    client.force_login(reviewer)
    assert rows(client.get("/claims/?q=drones").content.decode()) == uuids([c5, c2, c1, c6, c4, c3])
    by_update = rows(client.get("/claims/?q=drones&sort=updated").content.decode())
    assert by_update == uuids([c6, c5, c4, c3, c2, c1])


def test_the_list_page_numbers_the_pages_of_a_search(client, viewer, six, monkeypatch):
    monkeypatch.setattr("claims.views.pages.PAGE_SIZES", (4, 25))
    client.force_login(viewer)
    first = client.get("/claims/?q=drones&per_page=4").content.decode()
    second = client.get("/claims/?q=drones&per_page=4&page=2").content.decode()
    assert "6 claims" in first and "Page 1 of 2" in first
    assert len(rows(first)) == 4 and len(rows(second)) == 2
    assert sorted(rows(first) + rows(second)) == sorted(uuids(six))


def test_a_search_matching_more_than_the_ranked_head_says_so_and_a_date_sort_shows_all(
    client, viewer, six, monkeypatch
):
    monkeypatch.setattr("claims.search.RANKED", 4)
    client.force_login(viewer)
    html = client.get("/claims/?q=drones").content.decode()
    assert "More than 4 claims match: these are the 4 newest, best match first." in html
    assert sorted(rows(html)) == sorted(uuids(six[2:]))
    by_date = client.get("/claims/?q=drones&sort=updated").content.decode()
    assert "6 claims" in by_date and "More than" not in by_date
    assert rows(by_date) == uuids(six[::-1])


def test_the_search_page_runs_a_fixed_number_of_queries(
    client, reviewer, make_claim, django_assert_num_queries
):
    make_claim(vocab.Status.PUBLISHED, statement=WEAK)
    client.force_login(reviewer)
    client.get("/claims/?q=drones")  # the session's first request warms the permission cache
    for _ in range(30):
        make_claim(vocab.Status.PUBLISHED, statement=WEAK)
    # session, user, group and user permissions, ranked head (it counts too), page (who said it comes
    # with each row), the user's saved searches: no list of actors (the pickers search as you type)
    with django_assert_num_queries(7):
        response = client.get("/claims/?q=drones&per_page=50")
    assert len(rows(response.content.decode())) == 31


def test_actor_pickers_name_the_chosen_actor_and_escape_names(client, viewer, actors, six):
    odd = Actor.objects.create(name='<b>"Odd" & co</b>', kind=vocab.ActorKind.COMPANY)
    client.force_login(viewer)
    html = client.get(f"/claims/?supplier={odd.pk}&recipient=ru").content.decode()
    supplier = html.split('id="id_supplier"')[0].rsplit("<input", 1)[1]
    assert f'value="{odd.pk}"' in supplier and 'data-actor-picker="filter"' in supplier
    assert 'data-label="&lt;b&gt;&quot;Odd&quot; &amp; co&lt;/b&gt;"' in supplier
    assert "<b>" not in supplier
    assert 'data-label="RU · Russian Federation"' in html
    assert '<select name="supplier"' not in html and "<optgroup" not in html  # no list of every actor
