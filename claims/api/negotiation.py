"""Content negotiation for the export formats: each answers its own standard media type.

DRF's default matching lets a renderer's parameters veto an Accept without them, so
`application/stix+json;version=2.1` never matched `*/*`, and it ignores q. Here the client's
parameters must be met (`version=2.0` is refused, `*/*` and `application/stix+json` are served),
higher q wins, and q=0 refuses a type even when a wildcard would accept it.
"""

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType


def quality(media_type: _MediaType) -> float:
    try:
        return float(media_type.params.get("q", 1))
    except ValueError:
        return 1.0


def satisfies(offered: str, accepted: str) -> bool:
    """Whether a response of media type `offered` is what an Accept entry `accepted` names (q aside)."""
    ours, theirs = _MediaType(offered), _MediaType(accepted)
    # Types, subtypes and parameter names are case-insensitive (RFC 9110 §8.3.1).
    if theirs.main_type.lower() not in ("*", ours.main_type):
        return False
    if theirs.sub_type.lower() not in ("*", ours.sub_type):
        return False
    our_params = {key: value.lower() for key, value in ours.params.items()}
    return all(our_params.get(key) == value.lower() for key, value in theirs.params.items() if key != "q")


class FormatNegotiation(DefaultContentNegotiation):
    """The renderer the client prefers: by q, then by how specific its Accept entry is."""

    def select_renderer(self, request, renderers, format_suffix=None):
        # ?format= picks a renderer by name, as DRF's own negotiation does; a name none has is a 406
        # naming what is offered (DRF says 404, which reads as "no such claim").
        chosen = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if chosen:
            named = [renderer for renderer in renderers if renderer.format == chosen]
            if not named:
                raise exceptions.NotAcceptable(available_renderers=renderers)
            renderers = named
        accepts = self.get_accept_list(request)
        refused = [entry for entry in accepts if quality(_MediaType(entry)) <= 0]
        wanted = sorted(
            (entry for entry in accepts if entry not in refused),
            key=lambda entry: (-quality(_MediaType(entry)), -_MediaType(entry).precedence),
        )
        for entry in wanted:
            for renderer in renderers:
                if satisfies(renderer.media_type, entry) and not any(
                    satisfies(renderer.media_type, no) for no in refused
                ):
                    return renderer, renderer.media_type
        raise exceptions.NotAcceptable(available_renderers=renderers)
