"""Cursor pagination with a bounded page size: asking for too much is a 400, not a silent clamp."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from claims.api.errors import InvalidInput
from claims.schema import ID_MAX

MAX_PAGE_SIZE = 500
NOT_OURS = "This cursor is not one we issued: start again."


def _an_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= ID_MAX


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
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
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
