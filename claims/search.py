"""Full-text search: which claims match, and in what order (relevance, then newest first)."""

import itertools
import math
from dataclasses import dataclass

from django.db import connection, models
from django.db.models.expressions import RawSQL

# How many of the newest matches are ordered by relevance. Ranking (and counting) reads each row, so
# doing it for every match of a broad word (thousands of rows) would cost more than the rest of the
# request; the newest RANKED matches are where readers look. The API's cursor then goes on through
# the older matches newest first; the UI's numbered pages stop there and say so.
RANKED = 500
# Id windows, newest first, in which the head is looked for in turn (PostgreSQL): from the newest
# claim's id minus each width, then every older id. The GIN index finds a term's matches in no order,
# and the other way to find the newest ones, walking the primary key newest first, reads every row it
# passes: for a term matching 1 % of a million claims either way read 10 000 to 60 000 rows. In a
# window, the term's GIN bitmap ANDed with the window's pages (BRIN index `claim_id_brin`, migration
# 0019) fetches only that window's matches, and the query stops at the window that completes the head.
# The bounds are literals (the newest id is read first), so the planner sees each window's size and
# picks, window by window, the GIN index alone, the AND of both indexes, or the key walk (broad terms).
# Two windows: a term matching 0.5 % of the claims or more completes its head in them; a rarer one is
# looked for in the rest through its GIN bitmap alone (its rows: fewer than 0.5 % of the older claims).
# The planner cannot tell a rare word from one of 0.15 % (it estimates 1 500 matches at 1M claims for
# both), so a rare term ANDs both windows' BRIN bitmaps too: about a millisecond at 1M claims (a count
# of its matches first would tell, but costs a broad term a scan of ~5 000 rows).
WINDOWS = (25_000, 100_000)

_TSQUERY = "websearch_to_tsquery('simple', %s)"


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


def _rank(queryset: models.QuerySet, query: str):
    if connection.vendor != "postgresql":
        return models.Value(0.0, output_field=models.FloatField())  # SQLite: newest first, unranked
    # Normalisation 1 divides by 1 + log(length): a word that fills a short claim outranks a passing
    # mention in a long one; more occurrences, and more of the query's words, rank higher.
    return RawSQL(  # noqa: S611 (the query is a bound parameter)
        f"ts_rank({queryset.model._meta.db_table}.search_vector, {_TSQUERY}, 1)",
        [query],
        output_field=models.FloatField(),
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

    def head_query(self, boundary: int | None = None) -> models.QuerySet:
        """(id, rank) of the newest RANKED matches and one more (to tell whether there are more), or of
        the RANKED matches from `boundary` up."""
        ranked = self.matches.annotate(search_rank=_rank(self.queryset, self.query)).order_by("-id")
        ranked = ranked.values_list("id", "search_rank")
        if boundary is None:
            return self._windows(ranked)[: RANKED + 1]
        # The head the first page saw: RANKED rows from its boundary up, and never more, whatever a
        # cursor says (a forged boundary must not make ranking read every match of a broad word).
        return ranked.filter(id__gte=boundary).order_by("id")[:RANKED]

    def _windows(self, ranked: models.QuerySet) -> models.QuerySet:
        """`ranked` (newest first) as one UNION ALL of id windows, newest first, each cut at RANKED + 1.
        PostgreSQL runs the parts of a UNION ALL in order and stops once the outer limit is reached
        (a plain Append; a Parallel Append could interleave them, which the planner has no reason to
        choose for parts of at most RANKED + 1 rows); `_head` sorts what comes back. One query more
        first (PostgreSQL only): the newest id, so that the bounds are literals the planner can see.
        Any newest id gives the same answer (the newest window has no upper bound): it only decides
        how fast."""
        if connection.vendor != "postgresql":
            return ranked  # SQLite cannot slice the parts of a UNION; its tables are small
        newest = self.queryset.model._base_manager.order_by("-id").values_list("id", flat=True).first() or 0
        edges = [None, *(newest - width for width in WINDOWS if width < newest), None]
        if len(edges) == 2:
            return ranked
        table = self.queryset.model._meta.db_table
        parts = []
        for newer, older in itertools.pairwise(edges):
            part = ranked if newer is None else ranked.filter(id__lte=newer)
            if older is not None:
                part = part.filter(id__gt=older)
            elif newer is not None:
                # Every older id, hidden from the indexes (`id + 0`): ANDing a bitmap of most of the
                # table's pages would cost more than fetching the rows of a rarer term's matches.
                part = ranked.filter(
                    RawSQL(f"{table}.id + 0 <= %s", [newer], output_field=models.BooleanField())  # noqa: S611
                )
            parts.append(part[: RANKED + 1])
        return parts[0].union(*parts[1:], all=True)

    def _head(self, boundary: int | None) -> tuple[list[tuple[int, float]], int]:
        """(id, rank) of the ranked head in search order, and its boundary."""
        if boundary is None and self._first_head is not None:
            return self._first_head
        if boundary is None:
            rows = sorted(self.head_query(), key=lambda row: -row[0])  # the windows' parts, newest first
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
