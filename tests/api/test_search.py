"""Search order (relevance among the newest matches, then newest first) and its pages, API and UI."""

from base64 import urlsafe_b64encode as b64encode
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims import vocab
from claims.models import Claim
from claims.search import RankedSearch
from tests.api.conftest import DOCUMENT_QUERIES

pytestmark = pytest.mark.django_db

API = "/api/v1/claims/"
on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="ranking needs PostgreSQL full text"
)
on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite fallback")

STRONG = "Drones, drones and more drones."  # the word fills a short statement
WEAK = "Trucks crossed the border at night with crates, fuel, tyres, spare parts and a few drones."


@pytest.fixture
def six(make_claim) -> list[Claim]:
    """c1…c6 in creation order; c1, c2 and c5 match "drones" strongly, c3, c4 and c6 weakly."""
    strong = {0, 1, 4}
    return [make_claim(vocab.Status.PUBLISHED, statement=STRONG if n in strong else WEAK) for n in range(6)]


def api_walk(client, url: str) -> list[str]:
    """Every claim id the API hands out, following `next` links to the end."""
    seen = []
    for _ in range(20):  # a cursor that loops must fail the test, not hang it
        if not url:
            return seen
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    raise AssertionError(f"still paging after 20 pages: {seen}")


def uuids(claims) -> list[str]:
    return [str(claim.uuid) for claim in claims]


@on_postgresql
def test_search_ranks_a_strong_match_above_newer_weak_ones_and_breaks_ties_newest_first(six):
    c1, c2, c3, c4, c5, c6 = six
    found = [claim for claim, _ in Claim.objects.public().ranked_search("drones").after(None, 10)]
    assert found == [c5, c2, c1, c6, c4, c3]


@on_postgresql
def test_only_the_newest_matches_are_ranked_the_older_follow_newest_first(six, monkeypatch):
    c1, c2, c3, c4, c5, c6 = six
    monkeypatch.setattr("claims.search.RANKED", 3)
    assert api_walk(APIClient(), f"{API}?q=drones&page_size=2") == uuids([c5, c6, c4, c3, c2, c1])


@on_sqlite
def test_sqlite_finds_the_same_claims_newest_first_without_ranking(six, monkeypatch):
    c1, c2, c3, c4, c5, c6 = six
    monkeypatch.setattr("claims.search.RANKED", 3)
    assert api_walk(APIClient(), f"{API}?q=drones&page_size=2") == uuids([c6, c5, c4, c3, c2, c1])
    assert api_walk(APIClient(), f"{API}?q=crates%20drones&page_size=2") == uuids([c6, c4, c3])


def test_paging_a_search_hands_out_every_match_once_even_when_a_claim_arrives_meanwhile(
    six, make_claim, monkeypatch
):
    monkeypatch.setattr("claims.search.RANKED", 3)
    client = APIClient()
    first = client.get(f"{API}?q=drones&page_size=2").json()
    # Newer than the whole ranked head: a head recounted from the top would push c5, already shown,
    # down into the older matches where the reader would meet it again.
    newcomers = [make_claim(vocab.Status.PUBLISHED, statement=WEAK) for _ in range(2)]
    rest = api_walk(client, first["next"])
    seen = [item["id"] for item in first["results"]] + rest
    assert sorted(seen) == sorted(uuids(six))  # no repeat, nothing lost
    assert not set(uuids(newcomers)) & set(seen)  # they rank above where the reader already is


def test_search_pages_link_forward_only(six):
    body = APIClient().get(f"{API}?q=drones&page_size=2").json()
    second = APIClient().get(body["next"]).json()
    assert body["previous"] is None and second["previous"] is None
    assert "q=drones" in body["next"]


def test_editors_find_drafts_on_every_search_page_and_readers_never(six, make_claim, editor, monkeypatch):
    monkeypatch.setattr("claims.search.RANKED", 3)
    draft = make_claim(statement=WEAK)
    editors = APIClient()
    editors.force_authenticate(editor)
    assert str(draft.uuid) in api_walk(editors, f"{API}?q=drones&page_size=2")
    assert str(draft.uuid) not in api_walk(APIClient(), f"{API}?q=drones&page_size=2")


@pytest.mark.parametrize(
    "cursor",
    [
        "bm9wZQ",  # "nope"
        b64encode(b'{"i": 1, "r": 0.1, "b": 0}').decode(),  # no search prefix
        b64encode(b's:{"i": "1", "r": 0.1, "b": 0}').decode(),  # an id that is not a number
        b64encode(b"p=12").decode(),  # a cursor of the unsearched list
        b64encode(b's:{"i": 99999999999999999999, "r": 0.1, "b": 0}').decode(),  # past 64 bits
        b64encode(b's:{"i": 1, "r": NaN, "b": 0}').decode(),  # JSON that Python would accept
        b64encode(b's:{"i": true, "r": 0.1, "b": 0}').decode(),
        b64encode(b"s:" + b"[" * 5000 + b"]" * 5000).decode(),  # deep enough to make json recurse
    ],
)
def test_a_search_cursor_we_did_not_issue_is_a_clear_400(six, cursor):
    response = APIClient().get(f"{API}?q=drones&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == [
        "This cursor is not one we issued for this search: start again."
    ]


def test_a_search_cursor_with_a_character_outside_its_alphabet_is_refused(six):
    cursor = parse_qs(urlsplit(APIClient().get(f"{API}?q=drones&page_size=2").json()["next"]).query)[
        "cursor"
    ][0]
    assert APIClient().get(f"{API}?q=drones&page_size=2&cursor={cursor}").status_code == 200
    spoiled = cursor[:4] + "!" + cursor[4:]
    assert APIClient().get(f"{API}?q=drones&page_size=2&cursor={spoiled}").status_code == 400


def test_a_search_cursor_of_200_characters_is_read_and_a_longer_one_refused(six):
    def cursor(length: int) -> str:  # valid JSON, padded with spaces to the length asked for
        body = b's:{"i": 1, "r": null, "b": 0}'
        return b64encode(body + b" " * (length * 3 // 4 - len(body))).decode()

    assert len(cursor(200)) == 200 and len(cursor(204)) == 204
    assert APIClient().get(f"{API}?q=drones&cursor={cursor(200)}").status_code == 200
    assert APIClient().get(f"{API}?q=drones&cursor={cursor(204)}").status_code == 400


def test_a_search_with_exactly_a_page_of_matches_has_no_next_page(six):
    body = APIClient().get(f"{API}?q=drones&page_size=6").json()
    assert len(body["results"]) == 6 and body["next"] is None
    assert APIClient().get(f"{API}?q=drones&page_size=5").json()["next"] is not None


def test_the_unsearched_list_links_back_from_its_second_page(six):
    second = APIClient().get(APIClient().get(f"{API}?page_size=2").json()["next"]).json()
    assert second["previous"] is not None
    assert [item["id"] for item in APIClient().get(second["previous"]).json()["results"]] == uuids(
        six[:-3:-1]
    )


def test_a_blank_search_is_the_plain_newest_first_list(six):
    body = APIClient().get(f"{API}?q=%20%20&page_size=2").json()
    assert [item["id"] for item in body["results"]] == uuids(six[:-3:-1])


@pytest.mark.parametrize("matches", [1, 12])
def test_a_search_page_runs_a_fixed_number_of_queries(make_claim, matches, django_assert_num_queries):
    for _ in range(matches):
        make_claim(vocab.Status.PUBLISHED, statement=WEAK)
    # ranked head + page with its ETag stamps (and on PostgreSQL its documents)
    with django_assert_num_queries(2 + DOCUMENT_QUERIES):
        response = APIClient().get(f"{API}?q=drones&page_size=50")
    assert len(response.json()["results"]) == matches


def test_a_search_page_past_the_ranked_head_adds_one_query(six, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("claims.search.RANKED", 3)
    client = APIClient()
    second = client.get(f"{API}?q=drones&page_size=2").json()["next"]
    third = client.get(second).json()["next"]  # the head's last row and the tail's first
    with django_assert_num_queries(3 + DOCUMENT_QUERIES):
        client.get(second)
    with django_assert_num_queries(2 + DOCUMENT_QUERIES):  # in the tail: no head to rank
        client.get(third)


def test_a_forged_cursor_boundary_never_ranks_more_than_the_head(six, monkeypatch):
    monkeypatch.setattr("claims.search.RANKED", 2)
    search = RankedSearch(Claim.objects.search("drones"), "drones")
    assert len(list(search.head_query(boundary=1))) == 2  # not every one of the six matches
    assert len(list(search.head_query())) == 3  # the first page: the head and one more


@pytest.mark.parametrize("query", ["ammunition", "Munizioni", "shipment", "spedizione", "Pyongyang"])
def test_a_search_finds_claims_by_category_and_stage_in_either_language_and_by_actor_alias(
    make_claim, actors, query
):
    shells = make_claim(vocab.Status.PUBLISHED, statement="Shells crossed by rail.")
    make_claim(
        vocab.Status.PUBLISHED,
        statement="Drones were promised.",
        item_category=vocab.ItemCategory.AIRCRAFT,
        stage=vocab.Stage.AGREEMENT,
        supplier_id=actors["CN"].pk,
    )
    found = [item["id"] for item in APIClient().get(API, {"q": query}).json()["results"]]
    assert found == [str(shells.uuid)]


@pytest.fixture
def next_claim_id():
    """Sets the id the next claim gets (PostgreSQL). A sequence ignores the test's rollback: it is put
    back afterwards, so that later tests' claims are not spread over many id buckets."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('claims_claim', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (a catalog name)
        saved = cursor.fetchone()

    def set_next(pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, false)", [sequence, pk])

    yield set_next
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, *saved])


@pytest.fixture
def spread(make_claim, next_claim_id) -> dict[str, Claim]:
    """Matches of "drones" in id buckets 0, 10, 12, 20 and 21 (10 000 ids each); a draft in 21."""
    claims = {}
    for name, pk, statement, status in [
        ("old", 5_000, WEAK, vocab.Status.PUBLISHED),
        ("b10", 105_000, STRONG, vocab.Status.PUBLISHED),
        ("b12", 125_000, WEAK, vocab.Status.PUBLISHED),
        ("b20", 205_000, STRONG, vocab.Status.PUBLISHED),
        ("b21", 215_000, WEAK, vocab.Status.PUBLISHED),
        ("draft", 216_000, WEAK, vocab.Status.DRAFT),
        ("other", 217_000, "Shells crossed by rail.", vocab.Status.PUBLISHED),
    ]:
        next_claim_id(pk)
        claims[name] = make_claim(status, statement=statement)
    assert [claims[name].pk for name in ("old", "b21")] == [5_000, 215_000]
    return claims


@on_postgresql
def test_the_ranked_head_is_the_newest_matches_whichever_id_window_holds_them(
    spread, editor, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("claims.search.RANKED", 2)
    # Readers: the newest 2 buckets hold 2 public matches, not the 3 that tell the head from more;
    # the newest 11 hold 3. Editors: the draft makes 3 in the newest 2 buckets.
    readers = Claim.objects.public().ranked_search("drones")
    with django_assert_num_queries(2):
        assert readers.count() == 2 and readers.truncated
    editors = Claim.objects.ranked_search("drones")
    with django_assert_num_queries(1):
        assert editors.count() == 2 and editors.truncated
    s = spread
    assert api_walk(APIClient(), f"{API}?q=drones&page_size=1") == uuids(
        [s["b20"], s["b21"], s["b12"], s["b10"], s["old"]]
    )
    client = APIClient()
    client.force_authenticate(editor)
    assert api_walk(client, f"{API}?q=drones&page_size=1") == uuids(
        [s["draft"], s["b21"], s["b20"], s["b12"], s["b10"], s["old"]]
    )


@on_postgresql
def test_a_word_too_rare_for_the_wider_window_goes_from_the_first_to_all_its_matches(
    spread, django_assert_num_queries
):
    search = Claim.objects.public().ranked_search("crates")  # WEAK's word: b21, b12, old
    with django_assert_num_queries(2 + 1):  # the first window (b21 alone) and every match, then the page
        assert search[0:5] == [spread["b21"], spread["b12"], spread["old"]]
    assert not search.truncated


@on_postgresql
def test_the_id_bucket_in_the_search_vector_changes_no_rank(spread):
    ranks = dict(Claim.objects.ranked_search("drones crates").head_query())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ts_rank(to_tsvector('simple', search_document),"
            " websearch_to_tsquery('simple', 'drones crates'), 1) FROM claims_claim WHERE id = ANY(%s)",
            [list(ranks)],
        )
        assert dict(cursor.fetchall()) == ranks


@on_postgresql
@pytest.mark.parametrize("query", ["~ids 0", '"~ids 0"', "'~ids 0'", "~ids", "~ids0", "ids 21"])
def test_no_search_matches_the_id_buckets(spread, query):
    with connection.cursor() as cursor:  # the buckets are there, out of any query's reach
        cursor.execute("SELECT count(*) FROM claims_claim WHERE search_vector @@ '''~ids 21'''::tsquery")
        assert cursor.fetchone()[0] == 3
    assert not Claim.objects.search(query).exists()
