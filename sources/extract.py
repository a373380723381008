"""Main-text and metadata extraction, text normalisation, hashing and quote location in fetched pages."""

from __future__ import annotations

import bisect
import codecs
import copy
import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import trafilatura
from lxml.html import HtmlElement
from rapidfuzz import fuzz

HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Indel ratio is O(n·m/64): capping both sides keeps one comparison well under 100 ms.
SIMILARITY_MAX_CHARS = 50_000

_QUOTE_CHARS = "\"'"
_TRANSLATE = str.maketrans(
    {
        **dict.fromkeys("«»“”„‟〝〞〟＂", '"'),
        **dict.fromkeys("‘’‚‛‹›′‵`", "'"),
        **dict.fromkeys("‐‑‒–—―−⁃﹘﹣－", "-"),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", None),
    }
)


@dataclass(frozen=True)
class QuoteMatch:
    result: Literal["found", "changed", "missing"]
    score: float
    passage: str


def extract_text(body: bytes, content_type: str) -> str:
    """Main text of a fetched body; "" for PDF (no PDF library is installed) and unknown types."""
    media_type, charset = _parse_content_type(content_type)
    if media_type in HTML_MEDIA_TYPES:
        return _main_text(_decode(body, charset) if charset else body)
    if media_type == "text/plain" or media_type == "application/json" or media_type.endswith("+json"):
        return _decode(body, charset or "utf-8")
    return ""


def extract_metadata(body: bytes, url: str) -> dict[str, str | None]:
    """Title, publisher, publication date (ISO, via htmldate without extensive search) and language."""
    # Parse to a tree first: htmldate downloads any *string* that looks like a URL, a tree never.
    return _metadata(trafilatura.load_html(body), url)


def extract_page(body: bytes, content_type: str, url: str) -> tuple[str, dict[str, str | None]]:
    """extract_text and extract_metadata of an HTML body from a single parse."""
    _, charset = _parse_content_type(content_type)
    tree = trafilatura.load_html(_decode(body, charset) if charset else body)
    if tree is None:
        return "", _metadata(None, url)
    # Text first: trafilatura extracts from a copy, so the tree is still whole for the metadata.
    return _main_text(tree), _metadata(tree, url)


def _main_text(html: bytes | str | HtmlElement) -> str:
    text = trafilatura.extract(html, include_comments=False, include_tables=True)
    # Pages trafilatura cannot segment (e.g. text only in comment-like blocks) still hold the quote.
    return text if text is not None else trafilatura.html2txt(copy.deepcopy(html))


def _metadata(tree: HtmlElement | None, url: str) -> dict[str, str | None]:
    if tree is None:
        return {"title": None, "publisher": None, "published": None, "language": None}
    language = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    document = trafilatura.extract_metadata(tree, default_url=url, extensive=False)
    return {
        "title": document.title,
        "publisher": document.sitename,
        "published": document.date,
        "language": language or document.language,
    }


def normalise_text(s: str) -> str:
    """NFKC, plain quotes and dashes, collapsed whitespace, casefolded: the form texts are compared in."""
    return _normalise_with_spans(s)[0]


def content_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text, stable across whitespace and typography changes."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


def similarity(a: str, b: str) -> float:
    """Indel similarity 0..1 of the normalised texts, each cut to SIMILARITY_MAX_CHARS characters."""
    na, nb = normalise_text(a), normalise_text(b)
    if na == nb:
        return 1.0
    return fuzz.ratio(na[:SIMILARITY_MAX_CHARS], nb[:SIMILARITY_MAX_CHARS]) / 100


def locate_quote(quote: str, text: str, *, threshold: float = 85) -> QuoteMatch | None:
    """Find `quote` in `text`: exact on normalised forms, else fuzzy; None when there is nothing to check.

    Quote marks wrapping the whole quote are ignored, since claims record quotes as «...» while
    pages often print the sentence without them. The passage is cut from the original text.
    """
    needle = normalise_text(quote).strip(_QUOTE_CHARS + " ")
    if not needle:
        return None
    haystack, spans = _normalise_with_spans(text)
    start = haystack.find(needle)
    if start >= 0:
        return QuoteMatch("found", 100.0, _original(text, spans, start, start + len(needle)))
    if not haystack:
        return QuoteMatch("missing", 0.0, "")
    alignment = fuzz.partial_ratio_alignment(needle, haystack)
    if alignment.score < threshold:
        return QuoteMatch("missing", alignment.score, "")
    start, end = _widen_to_words(haystack, alignment.dest_start, alignment.dest_end)
    return QuoteMatch("changed", alignment.score, _original(text, spans, start, end))


def _parse_content_type(content_type: str) -> tuple[str, str | None]:
    media_type, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower() or None
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    return media_type.strip().lower(), charset


def _decode(body: bytes, charset: str) -> str:
    return body.decode(charset, errors="replace")


# Runs the per-cluster loop can skip: printable ASCII but the backtick (which becomes a quote), with
# single whitespace characters between, normalise one for one (lower case, the whitespace to a space);
# longer whitespace runs collapse to one space. Most of a page is one or the other.
_PLAIN_RUN = re.compile(r"[!-_a-~]+(?:\s[!-_a-~]+)*")
_SPACE_RUN = re.compile(r"\s+")
_ONE_SPACE = re.compile(r"\s")


class Spans(Sequence[tuple[int, int]]):
    """Per output character of a normalisation, the [start, end) slice of the source it came from.

    Stored as runs, not a pair per character: a run maps its characters one for one onto consecutive
    source characters, or maps every one of them onto the same slice (a cluster that normalised to
    several characters, or a base character with its combining marks).
    """

    __slots__ = ("_runs", "_size", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []  # the output position each run begins at
        self._runs: list[tuple[int, int | None]] = []  # (source start, source end), end None: one for one
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int) -> tuple[int, int]:  # type: ignore[override]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        run = bisect.bisect_right(self._starts, index) - 1
        start, end = self._runs[run]
        if end is None:
            start += index - self._starts[run]
            return start, start + 1
        return start, end

    def one_for_one(self, start: int, count: int) -> None:
        """The next `count` output characters came from the `count` source characters from `start`."""
        if self._runs:
            last_start, last_end = self._runs[-1]
            if last_end is None and last_start + self._size - self._starts[-1] == start:
                self._size += count
                return
        self._starts.append(self._size)
        self._runs.append((start, None))
        self._size += count

    def from_slice(self, start: int, end: int) -> None:
        """The next output character came from the source characters [start, end)."""
        if end == start + 1:
            self.one_for_one(start, 1)
        elif self._runs and self._runs[-1] == (start, end):
            self._size += 1
        else:
            self._starts.append(self._size)
            self._runs.append((start, end))
            self._size += 1


def _normalise_with_spans(s: str) -> tuple[str, Spans]:
    """Normalised text plus, per output character, the [start, end) slice of `s` it came from.

    Works on a base character plus its combining marks at a time, so NFKC can still compose them;
    runs of plain ASCII words and of whitespace go in one step (a run's last character stays for the
    cluster loop when a combining mark follows it). Building a span per character was most of the
    cost of locating a quote in a page, so the spans are kept as runs (Spans).
    """
    out: list[str] = []
    spans = Spans()
    pending_space: tuple[int, int] | None = None
    i, n = 0, len(s)
    while i < n:
        plain = _PLAIN_RUN.match(s, i)
        if plain is not None:
            j = plain.end()
            if j < n and unicodedata.combining(s[j]):
                # The run may now end in a space: kept, as the cluster next never normalises to one.
                j -= 1
            if j > i:
                if pending_space is not None:
                    out.append(" ")
                    spans.from_slice(*pending_space)
                    pending_space = None
                out.append(_ONE_SPACE.sub(" ", s[i:j]).lower())
                spans.one_for_one(i, j - i)
                i = j
                continue
        space = _SPACE_RUN.match(s, i)
        if space is not None:
            j = space.end()
            if j < n and unicodedata.combining(s[j]):
                j -= 1
            if j > i:
                if out and pending_space is None:
                    pending_space = (i, i + 1)
                i = j
                continue
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        for char in _normalise_cluster(s[i:j]):
            if char.isspace():
                if out and pending_space is None:
                    pending_space = (i, j)
                continue
            if pending_space is not None:
                out.append(" ")
                spans.from_slice(*pending_space)
                pending_space = None
            out.append(char)
            spans.from_slice(i, j)
        i = j
    return "".join(out), spans


@functools.lru_cache(maxsize=8192)
def _normalise_cluster(cluster: str) -> str:
    """One base character plus its combining marks, normalised; cached, since pages reuse a few hundred."""
    # Casefolding can leave sequences that are no longer NFKC-normal.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold()).translate(
        _TRANSLATE
    )


def _original(text: str, spans: Spans, start: int, end: int) -> str:
    return text[spans[start][0] : spans[end - 1][1]]


def _widen_to_words(s: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and s[start - 1] != " ":
        start -= 1
    while end < len(s) and s[end] != " ":
        end += 1
    return start, end
