"""Cursor pagination with a bounded page size: asking for too much is a 400, not a silent clamp."""

import binascii
import json
from base64 import b64decode, b64encode

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from claims.api.errors import InvalidInput
from claims.schema import whole_number
from claims.search import Position, RankedSearch

MAX_PAGE_SIZE = 500
NOT_OURS = "This cursor is not one we issued: start again."


def _an_id(text: str) -> bool:
    return whole_number(text) is not None


class StrictCursorPagination(CursorPagination):
    # id is unique and never changes, so a page boundary can never skip or repeat a row.
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not 1 <= (whole_number(raw) or 0) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Give a whole number from 1 to {self.max_page_size}, not {raw!r}."]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise InvalidInput({"cursor": [NOT_OURS]}, code="invalid_cursor") from error
        # DRF checks the offset but not the position, which goes straight into WHERE id < position:
        # a forged one (p=abc, p=1e5, p=2**64) must not reach the database.
        position = cursor.position if cursor else None
        if position is not None and not _an_id(position):
            raise InvalidInput({"cursor": [NOT_OURS]}, code="invalid_cursor")
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            if parameter["name"] == self.cursor_query_param:
                parameter["allowEmptyValue"] = True  # an empty cursor is the first page
        return parameters


class ClaimCursorPagination(StrictCursorPagination):
    """Claims newest first; with `q`, in search order (relevance, then newest), linked forward only."""

    search_prefix = "s:"
    search: RankedSearch | None = None  # set per request by paginate_queryset

    @staticmethod
    def searched(request) -> str:
        """The search asked for; none (empty) pages by id."""
        return request.query_params.get("q", "").strip()

    def paginate_queryset(self, queryset, request, view=None):
        query = self.searched(request)
        self.search = None
        if not query:
            return super().paginate_queryset(queryset, request, view)
        # The filters already kept the matches only: the search orders and pages them.
        self.search, self.request = RankedSearch(queryset, query), request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        rows = self.search.after(self._search_position(request), size + 1)
        self.next_position = rows[size - 1][1] if len(rows) > size else None
        return [claim for claim, _ in rows[:size]]

    def _search_position(self, request) -> Position | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            if len(raw) > 200:  # ours are under 100 characters; json would recurse on deep nesting
                raise ValueError("not a search cursor")
            text = b64decode(raw.encode("ascii"), altchars=b"-_", validate=True).decode("ascii")
            if not text.startswith(self.search_prefix):
                raise ValueError("not a search cursor")
            return Position.from_dict(json.loads(text.removeprefix(self.search_prefix)))
        except (ValueError, UnicodeError, binascii.Error) as error:
            raise ValidationError(
                {"cursor": ["This cursor is not one we issued for this search: start again."]}
            ) from error

    def get_next_link(self):
        if self.search is None:
            return super().get_next_link()
        if self.next_position is None:
            return None
        text = self.search_prefix + json.dumps(self.next_position.as_dict(), separators=(",", ":"))
        encoded = b64encode(text.encode("ascii"), altchars=b"-_").decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_previous_link(self):
        return super().get_previous_link() if self.search is None else None
