"""The API's JSON parser: every writable endpoint decodes its body through bounded_json."""

from django.conf import settings
from rest_framework import renderers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from archive import bounded_json


class BoundedJSONParser(BaseParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes, nested at most
    bounded_json.MAX_DEPTH levels; anything else is a 400 saying why."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # SECURITY: DRF reads the request stream itself, past Django's own body size check.
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(f"JSON parse error - the body is larger than {limit:,} bytes.")
        try:
            return bounded_json.loads(body)
        except bounded_json.JSONRejected as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
