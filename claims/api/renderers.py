"""JSON rendering with orjson: API bodies are plain JSON, and orjson writes them several times faster."""

import orjson
from rest_framework.renderers import JSONRenderer


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return orjson.dumps(data)
        except TypeError:  # lazy translations and other objects only DRF's encoder knows
            return super().render(data, accepted_media_type, renderer_context)
