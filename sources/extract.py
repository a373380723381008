"""Main-text and metadata extraction, text normalisation, hashing and quote location in fetched pages."""

from __future__ import annotations

import codecs
import copy
import functools
import hashlib
import re
import unicodedata
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


# Runs the per-cluster loop can skip: printable ASCII but the backtick (which becomes a quote) normalise
# to their lower case one for one; whitespace runs collapse to one space. Most of a page is either.
_PLAIN_RUN = re.compile(r"[!-_a-~]+")
_SPACE_RUN = re.compile(r"\s+")


def _normalise_with_spans(s: str) -> tuple[str, list[tuple[int, int]]]:
    """Normalised text plus, per output character, the [start, end) slice of `s` it came from.

    Works on a base character plus its combining marks at a time, so NFKC can still compose them;
    runs of plain ASCII and of whitespace go in one step (a run's last character stays for the
    cluster loop when a combining mark follows it).
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pending_space: tuple[int, int] | None = None
    i, n = 0, len(s)
    while i < n:
        run = _PLAIN_RUN.match(s, i) or _SPACE_RUN.match(s, i)
        if run is not None:
            j = run.end()
            if j < n and unicodedata.combining(s[j]):
                j -= 1
            if j > i:
                if s[i].isspace():
                    if out and pending_space is None:
                        pending_space = (i, i + 1)
                else:
                    if pending_space is not None:
                        out.append(" ")
                        spans.append(pending_space)
                        pending_space = None
                    out.append(s[i:j].lower())
                    spans.extend(zip(range(i, j), range(i + 1, j + 1), strict=True))
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
                spans.append(pending_space)
                pending_space = None
            out.append(char)
            spans.append((i, j))
        i = j
    return "".join(out), spans


@functools.lru_cache(maxsize=8192)
def _normalise_cluster(cluster: str) -> str:
    """One base character plus its combining marks, normalised; cached, since pages reuse a few hundred."""
    # Casefolding can leave sequences that are no longer NFKC-normal.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold()).translate(
        _TRANSLATE
    )


def _original(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    return text[spans[start][0] : spans[end - 1][1]]


def _widen_to_words(s: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and s[start - 1] != " ":
        start -= 1
    while end < len(s) and s[end] != " ":
        end += 1
    return start, end
