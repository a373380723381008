"""Renderers: JSON with orjson (several times faster than DRF's encoder), and the export formats."""

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return orjson.dumps(data)
        except TypeError:  # lazy translations and other objects only DRF's encoder knows
            return super().render(data, accepted_media_type, renderer_context)


class StixRenderer(FastJSONRenderer):
    media_type = STIX_MEDIA_TYPE
    format = "stix"


class CSVRenderer(BaseRenderer):
    """Negotiation only: the CSV view streams its own response, and errors are rendered as JSON."""

    media_type = "text/csv;charset=utf-8"
    format = "csv"
