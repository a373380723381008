"""Full-text search: which claims match, and in what order (relevance, then newest first)."""

import math
from dataclasses import dataclass

from django.db import connection, models
from django.db.models.expressions import RawSQL

# How many of the newest matches are ordered by relevance. Ranking (and counting) reads each row, so
# doing it for every match of a broad word (thousands of rows) would cost more than the rest of the
# request; the newest RANKED matches are where readers look. The API's cursor then goes on through
# the older matches newest first; the UI's numbered pages stop there and say so.
RANKED = 500

_TSQUERY = "websearch_to_tsquery('simple', %s)"

# Every search vector also holds its claim's id bucket, '~ids <id // ID_BUCKET>' (migration 0023 stores
# it; the space is what no parser emits, so no text and no query can make or match one). A GIN scan of
# the term ANDed with the newest buckets finds the newest matches without visiting the older ones.
ID_BUCKET = 10_000
BUCKET_PREFIX = "~ids "
# The head is looked for among the newest 2 buckets (10 000 to 20 000 ids), then the newest 11, then
# everywhere: a window that holds RANKED + 1 matches holds the newest of them, since each is every id
# from its first bucket up. A broad word stops at the first window, a medium one (1 % of the claims at
# 1M) at the second; a rare one pays one more tiny GIN scan before the last, which is every match.
WINDOWS = (2, 11)


def matching(queryset: models.QuerySet, query: str) -> models.QuerySet:
    """The claims whose statement, quotes, descriptors or actor names match (websearch syntax)."""
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.filter(
            RawSQL(  # noqa: S611 (the query is a bound parameter)
                f"{table}.search_vector @@ {_TSQUERY}", [query], output_field=models.BooleanField()
            )
        )
    # SQLite: every word must appear somewhere; quotes and operators are ignored.
    words = [word.strip('"') for word in query.split() if word.strip('"-')]
    for word in words:
        queryset = queryset.filter(search_document__icontains=word.lstrip("-"))
    return queryset


def bucket_lexeme_sql(table: str) -> str:
    """The id bucket lexeme of each row, as migration 0023's generated column writes it."""
    return f"'{BUCKET_PREFIX}' || ({table}.id / {ID_BUCKET})::text"


def _rank(queryset: models.QuerySet, query: str):
    if connection.vendor != "postgresql":
        return models.Value(0.0, output_field=models.FloatField())  # SQLite: newest first, unranked
    # Normalisation 1 divides by 1 + log(length): a word that fills a short claim outranks a passing
    # mention in a long one; more occurrences, and more of the query's words, rank higher. The length
    # is the text's alone: without the bucket lexeme, which would count as one more word.
    table = queryset.model._meta.db_table
    return RawSQL(  # noqa: S611 (the query is a bound parameter)
        f"ts_rank(ts_delete({table}.search_vector, {bucket_lexeme_sql(table)}), {_TSQUERY}, 1)",
        [query],
        output_field=models.FloatField(),
    )


def _from_bucket(table: str, low: str, params: list) -> RawSQL:
    """The rows of every id bucket from `low` (SQL) up to the newest claim's, which the statement reads
    itself: its snapshot's newest rows are inside."""
    newest = f"(SELECT max(id) / {ID_BUCKET} FROM {table})"  # noqa: S608 (a table name)
    buckets = (
        f"(SELECT string_agg(quote_literal('{BUCKET_PREFIX}' || bucket), ' | ')::tsquery"  # noqa: S608
        f" FROM generate_series({low.format(newest=newest)}, {newest}) AS bucket)"
    )
    return RawSQL(  # noqa: S611 (numbers only, bound)
        f"{table}.search_vector @@ {buckets}", params, output_field=models.BooleanField()
    )


@dataclass(frozen=True)
class Position:
    """A row's place in the order: in the ranked head (rank set) or in the newest-first tail."""

    id: int
    rank: float | None
    # Smallest id of the ranked head as the first page saw it (0: the head held every match), so
    # that later pages rank the same rows even while newer claims arrive.
    boundary: int

    def as_dict(self) -> dict:
        return {"i": self.id, "r": self.rank, "b": self.boundary}

    @classmethod
    def from_dict(cls, data) -> "Position":
        """Refuses anything `as_dict` could not have made (ids are the database's 64-bit keys)."""
        if not isinstance(data, dict) or set(data) != {"i", "r", "b"}:
            raise ValueError("not a search position")
        ids, rank = (data["i"], data["b"]), data["r"]
        if not all(type(value) is int and 0 <= value < 2**63 for value in ids):
            raise ValueError("not a search position")
        if rank is not None and not (type(rank) in (int, float) and math.isfinite(rank)):
            raise ValueError("not a search position")
        return cls(id=data["i"], rank=None if rank is None else float(rank), boundary=data["b"])


class RankedSearch:
    """Matches in search order: the newest RANKED by relevance (ties newest first), then the rest
    newest first. Pages by keyset (`after`, the API) or by offset (slicing, the UI's Paginator)."""

    def __init__(self, matches: models.QuerySet, query: str):
        """`matches`: already filtered by `matching(…, query)`, with the joins the page needs."""
        self.queryset = matches
        self.query = query
        self.matches = matches.order_by()
        self._first_head: tuple[list[tuple[int, float]], int] | None = None
        self._more = False

    def head_query(self, boundary: int | None = None, *, low_bucket: int = 0) -> models.QuerySet:
        """(id, rank) of the newest RANKED matches and one more (to tell whether there are more), from id
        bucket `low_bucket` up; or of the RANKED matches from `boundary` up."""
        ranked = self.matches.annotate(search_rank=_rank(self.queryset, self.query))
        ranked = ranked.values_list("id", "search_rank")
        if boundary is not None:
            low_bucket = boundary // ID_BUCKET
        if low_bucket and connection.vendor == "postgresql":
            ranked = ranked.filter(_from_bucket(self.queryset.model._meta.db_table, "%s", [low_bucket]))
        if boundary is None:
            return ranked.order_by("-id")[: RANKED + 1]
        # The head the first page saw: RANKED rows from its boundary up, and never more, whatever a
        # cursor says (a forged boundary must not make ranking read every match of a broad word).
        return ranked.filter(id__gte=boundary).order_by("id")[:RANKED]

    def first_window_query(self) -> models.QuerySet:
        """(id, rank) of the newest RANKED + 1 matches of the newest WINDOWS[0] id buckets, and a row
        (newest claim's id, None): the first query looking for the head (PostgreSQL)."""
        table = self.queryset.model._meta.db_table
        window = self.matches.annotate(search_rank=_rank(self.queryset, self.query))
        window = window.filter(_from_bucket(table, "{newest} - %s", [WINDOWS[0] - 1]))
        window = window.values_list("id", "search_rank").order_by("-id")[: RANKED + 1]
        newest = self.queryset.model._base_manager.annotate(
            search_rank=models.Value(None, output_field=models.FloatField())
        )
        newest = newest.values_list("id", "search_rank").order_by("-id")[:1]
        return window.union(newest, all=True)

    def _newest_window(self) -> tuple[list[tuple[int, float]], int | None]:
        """The first window's matches, newest first, and the newest claim's id (None: there is none)."""
        rows = list(self.first_window_query())  # the newest claim's row is the one without a rank
        top = next((pk for pk, rank in rows if rank is None), None)
        return sorted((row for row in rows if row[1] is not None), key=lambda row: -row[0]), top

    def _newest(self) -> list[tuple[int, float]]:
        """(id, rank) of the newest RANKED matches and one more, newest first: looked for in ever wider
        windows of the newest ids (WINDOWS), each a query of its own, then among every match."""
        if connection.vendor != "postgresql":
            return list(self.head_query())
        rows, newest = self._newest_window()
        if len(rows) > RANKED or newest is None or newest // ID_BUCKET < WINDOWS[0]:
            return rows  # enough matches, or the window held every claim
        top = newest // ID_BUCKET

        def ids(count: int) -> int:  # in the newest `count` buckets
            return newest - (top - count + 1) * ID_BUCKET + 1

        found, width = len(rows), ids(WINDOWS[0])
        for count in WINDOWS[1:]:
            # A window of every claim is the last step's query, without buckets. So is a window in which
            # the matches so far foretell less than half a head: it would most likely come back short,
            # and a word that rare among the newest claims has few matches to fetch (a rare word: 2
            # statements at 1M, not 3).
            if top < count or found * ids(count) < width * (RANKED + 1) / 2:
                break
            rows = list(self.head_query(low_bucket=top - count + 1))
            if len(rows) > RANKED:
                return rows
            found, width = len(rows), ids(count)
        return list(self.head_query())

    def _head(self, boundary: int | None) -> tuple[list[tuple[int, float]], int]:
        """(id, rank) of the ranked head in search order, and its boundary."""
        if boundary is None and self._first_head is not None:
            return self._first_head
        if boundary is None:
            rows = self._newest()
            self._more, rows = len(rows) > RANKED, rows[:RANKED]
            found = rows[-1][0] if self._more else 0
        else:
            rows, found = list(self.head_query(boundary)), boundary
        rows.sort(key=lambda row: (-row[1], -row[0]))
        if boundary is None:
            self._first_head = (rows, found)
        return rows, found

    def _tail(self, *, below: int, size: int) -> list[int]:
        return list(self.matches.filter(id__lt=below).order_by("-id").values_list("id", flat=True)[:size])

    def _claims(self, ids: list[int]) -> list:
        """The page's rows in the order given (one query, with the caller's joins and annotations)."""
        by_id = self.queryset.filter(id__in=ids).in_bulk()
        return [by_id[pk] for pk in ids if pk in by_id]

    def after(self, position: Position | None, size: int) -> list[tuple[object, Position]]:
        """Up to `size` claims that follow `position` (None: the first page), each with its position."""
        positions: list[Position] = []
        boundary = None if position is None else position.boundary
        if position is None or position.rank is not None:
            head, boundary = self._head(boundary)
            if position is not None:
                key = (-position.rank, -position.id)
                head = [row for row in head if (-row[1], -row[0]) > key]
            positions = [Position(pk, rank, boundary) for pk, rank in head[:size]]
        if len(positions) < size and boundary:
            below = position.id if position is not None and position.rank is None else boundary
            positions += [
                Position(pk, None, boundary) for pk in self._tail(below=below, size=size - len(positions))
            ]
        placed = {p.id: p for p in positions}
        return [(claim, placed[claim.pk]) for claim in self._claims(list(placed))]

    def count(self) -> int:
        """How many claims the numbered pages hold: every match, or the ranked head (see `truncated`)."""
        return len(self._head(None)[0])

    @property
    def truncated(self) -> bool:
        """More than RANKED claims match: the numbered pages hold the newest RANKED only."""
        self._head(None)
        return self._more

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        """The claims at these offsets of the ranked head (the UI's numbered pages)."""
        head, _ = self._head(None)
        return self._claims([pk for pk, _ in head[window]])
