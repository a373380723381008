"""JSON bodies, refused with a 400 when nested deeper than any claim can be."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A claim is three levels deep (claim → hops → hop); 32 leaves room and keeps every
# later step (validation, error flattening, rendering) far from Python's recursion limit.
MAX_DEPTH = 32
TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels is refused."


def _depth_exceeds(value, limit: int) -> bool:
    """Iterative, so that checking a hostile body cannot itself recurse too deeply."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:  # the stdlib decoder recurses once per nesting level
            raise ParseError(TOO_DEEP) from error
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
