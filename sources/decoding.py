"""Content-Encoding decoding with a hard cap on every layer, so a compressed page cannot become a bomb."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

# What fetch advertises in Accept-Encoding; anything else a server sends is refused, never decoded.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = zlib.MAX_WBITS | 16
_IDENTITY = {"", "identity"}


class BodyRefused(Exception):
    """The body cannot be read within the policy; `outcome` is the check outcome to record."""

    outcome = ""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class TooLarge(BodyRefused):
    outcome = "too_large"


class UnsupportedEncoding(BodyRefused):
    outcome = "unsupported_type"


class CorruptEncoding(BodyRefused):
    outcome = "server_error"


def coding_of(content_encoding: str) -> str:
    """The one coding a body may carry ('' for none); stacked or unknown codings are refused up front."""
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c not in _IDENTITY]
    if len(codings) > 1:
        # One layer is all a page needs; each extra layer multiplies what a few bytes can expand to.
        raise UnsupportedEncoding(f"stacked content encodings {content_encoding!r} are not accepted")
    coding = codings[0] if codings else ""
    if coding == "x-gzip":
        coding = "gzip"
    if coding not in ("", "gzip", "deflate"):
        raise UnsupportedEncoding(f"content encoding {coding!r} is not accepted")
    return coding


def read_body(raw_chunks: Iterable[bytes], coding: str, *, max_bytes: int) -> bytes:
    """Join and decode the raw chunks; raise TooLarge as soon as raw or decoded bytes pass `max_bytes`."""
    decoder = _Inflater(coding) if coding else None
    body = bytearray()
    received = 0
    for chunk in raw_chunks:
        received += len(chunk)
        if received > max_bytes:
            raise TooLarge(f"body exceeds {max_bytes} bytes")
        body += decoder.feed(chunk, limit=max_bytes - len(body)) if decoder else chunk
        if len(body) > max_bytes:
            raise TooLarge(f"body exceeds {max_bytes} bytes")
    return bytes(body)


class _Inflater:
    """gzip (several members allowed) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._settled = False  # True once the first bytes decoded (or a raw deflate retry was made)
        self._trailing = False  # bytes after the last gzip member that are no gzip: ignored, as gzip does
        self._between_members = False
        self._inflate = zlib.decompressobj(_GZIP if coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, *, limit: int) -> bytes:
        """Decode `data`, producing at most `limit` + 1 bytes: one more than allowed proves the excess."""
        output = bytearray()
        while data and not self._trailing:
            try:
                # max_length bounds this call's output; zlib keeps the rest of the input unread.
                output += self._inflate.decompress(data, limit - len(output) + 1)
            except zlib.error as exc:
                if self._settled and self._coding == "gzip" and self._between_members:
                    self._trailing = True
                    break
                if self._coding == "deflate" and not self._settled:
                    self._settled = True
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise CorruptEncoding(f"{self._coding} body does not decode: {exc}") from exc
            self._settled = True
            self._between_members = False
            if len(output) > limit:
                raise TooLarge(f"decoded body exceeds the cap ({self._coding})")
            if self._coding == "gzip" and self._inflate.eof and self._inflate.unused_data:
                data = self._inflate.unused_data  # the next gzip member
                self._inflate = zlib.decompressobj(_GZIP)
                self._between_members = True
            else:
                data = self._inflate.unconsumed_tail
        return bytes(output)
