"""Text extraction, normalisation, hashing and quote location on Italian news copy."""

from __future__ import annotations

import socket
import unicodedata

import htmldate.utils
import pytest
import trafilatura.downloads
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from sources import extract
from sources.extract import (
    QuoteMatch,
    content_hash,
    extract_metadata,
    extract_text,
    locate_quote,
    normalise_text,
    similarity,
)

QUOTE = "«Mosca chiede armi a Pyongyang per sostenere l’invasione dell’Ucraina.»"
SENTENCE = "Mosca chiede armi a Pyongyang per sostenere l'invasione dell'Ucraina."
WRAPPED_SENTENCE = SENTENCE.replace(" per ", "  per\n    ")

ARTICLE = f"""<!doctype html>
<html lang="it-IT">
<head>
  <title>Armi, la denuncia di Washington - Il Quotidiano</title>
  <meta property="og:site_name" content="Il Quotidiano">
  <meta property="article:published_time" content="2023-09-05T10:00:00+02:00">
</head>
<body>
  <nav><a href="/">Home</a> <a href="/esteri">Esteri</a> <a href="/sport">Sport</a></nav>
  <article>
    <h1>Armi, la denuncia di Washington</h1>
    <p>Secondo un funzionario americano, "{WRAPPED_SENTENCE}" Lo ha detto ieri
    ai giornalisti durante un briefing alla Casa Bianca.</p>
    <p>Il Cremlino non ha commentato. Kim Jong-un ha intenzione di recarsi in Russia questo mese,
    secondo fonti statunitensi che hanno chiesto di restare anonime.</p>
  </article>
  <footer>© 2023 Il Quotidiano — Tutti i diritti riservati</footer>
</body>
</html>
""".encode()


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach the network fails the test."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(htmldate.utils, "fetch_url", no_network)
    monkeypatch.setattr(trafilatura.downloads, "fetch_url", no_network)


# --- normalisation and hashing -----------------------------------------------------------------------


def test_normalisation_unifies_quotes_apostrophes_and_guillemets():
    assert normalise_text("«Lui» “disse” ‘sì’ „ja“ l’Ucraina") == '"lui" "disse" \'sì\' "ja" l\'ucraina'


def test_normalisation_unifies_dashes_collapses_whitespace_and_casefolds():
    assert normalise_text("  Nord–Corea —\u00a0RUSSIA\n\t‐ Straße  ") == "nord-corea - russia - strasse"


def test_normalisation_applies_nfkc_and_drops_invisible_characters():
    assert normalise_text("Ｋｉｍ ﬁrma\u00adto e\u0301\u200b") == "kim firmato é"


def test_content_hash_ignores_typography_but_not_wording():
    original = "L’esercito russo usa “proiettili” nordcoreani."
    retyped = 'l\'esercito  russo usa "PROIETTILI"\nnordcoreani.'

    assert content_hash(original) == content_hash(retyped)
    assert content_hash(original) != content_hash(original.replace("russo", "ucraino"))
    assert len(content_hash(original)) == 64


def test_similarity_is_one_for_equivalent_texts_and_lower_for_edits():
    text = "Mosca chiede armi a Pyongyang. " * 20

    assert similarity(text, text.upper()) == 1.0
    assert 0.8 < similarity(text, text.replace("armi", "munizioni", 3)) < 1.0
    assert similarity(text, "Testo completamente diverso sul meteo di domani.") < 0.5
    assert similarity("", "qualcosa") == 0.0


# --- quote location ----------------------------------------------------------------------------------


def test_italian_quote_with_guillemets_is_found_in_a_page_using_straight_quotes():
    page = (
        'Secondo un funzionario americano,  "Mosca chiede armi a Pyongyang per sostenere\n'
        "l'invasione   dell'Ucraina.\" Lo ha detto ieri."
    )

    match = locate_quote(QUOTE, page)

    assert match == QuoteMatch(
        "found",
        100.0,
        "Mosca chiede armi a Pyongyang per sostenere\nl'invasione   dell'Ucraina.",
    )


def test_quote_is_found_in_text_extracted_from_the_article():
    match = locate_quote(QUOTE, extract_text(ARTICLE, "text/html; charset=utf-8"))

    assert match is not None
    assert match.result == "found"


def test_edited_sentence_is_changed_with_the_passage_now_on_the_page():
    page = (
        "Il Cremlino tace. Secondo un funzionario, Mosca chiede munizioni a Pyongyang per sostenere "
        "l’invasione dell’Ucraina. Lo ha detto ieri ai giornalisti."
    )

    match = locate_quote(QUOTE, page)

    assert match is not None
    assert match.result == "changed"
    assert 85 <= match.score < 100
    assert match.passage == "Mosca chiede munizioni a Pyongyang per sostenere l’invasione dell’Ucraina."


def test_threshold_decides_between_changed_and_missing():
    page = "Mosca chiede munizioni a Pyongyang per sostenere l'invasione dell'Ucraina."

    assert locate_quote(QUOTE, page, threshold=95).result == "missing"


def test_absent_quote_is_missing_with_a_low_score():
    match = locate_quote(QUOTE, "Il Cremlino non ha commentato la notizia. Piove su Roma da tre giorni.")

    assert match is not None
    assert match.result == "missing"
    assert match.score < 85
    assert match.passage == ""


def test_quote_against_an_empty_page_is_missing():
    assert locate_quote(QUOTE, "") == QuoteMatch("missing", 0.0, "")


@pytest.mark.parametrize("quote", ["", "   ", "«»", "“ ”"])
def test_empty_quote_cannot_be_checked(quote):
    assert locate_quote(quote, "Qualsiasi testo.") is None


# --- extraction --------------------------------------------------------------------------------------


def test_html_main_text_drops_navigation_and_footer():
    text = extract_text(ARTICLE, "text/html; charset=utf-8")

    assert "Kim Jong-un ha intenzione di recarsi in Russia" in text
    assert "Sport" not in text
    assert "diritti riservati" not in text


def test_declared_charset_is_used_to_decode_html():
    page = "<html><body><article><p>Perché la città è così?</p></article></body></html>".encode("latin-1")

    assert extract_text(page, "text/html; charset=ISO-8859-1") == "Perché la città è così?"


def test_html_that_trafilatura_cannot_segment_falls_back_to_crude_text():
    page = b"<html><head><title>T</title></head><body><div class='comments'>Unica frase.</div></body></html>"

    assert extract_text(page, "text/html") == "Unica frase."


def test_plain_text_and_json_are_decoded():
    assert extract_text("Città".encode("cp1252"), "text/plain; charset=windows-1252") == "Città"
    assert extract_text('{"testo": "Città"}'.encode(), "application/json") == '{"testo": "Città"}'


def test_pdf_and_unknown_types_yield_no_text():
    assert extract_text(b"%PDF-1.7 ...", "application/pdf") == ""
    assert extract_text(b"\x89PNG", "image/png") == ""


def test_metadata_has_title_publisher_date_and_language(offline):
    metadata = extract_metadata(ARTICLE, "https://www.quotidiano.example/esteri/armi")

    assert metadata == {
        "title": "Armi, la denuncia di Washington",
        "publisher": "Il Quotidiano",
        "published": "2023-09-05",
        "language": "it-IT",
    }


def test_metadata_extraction_never_downloads_a_body_that_looks_like_a_url(offline):
    metadata = extract_metadata(b"https://example.com/article", "https://example.com/article")

    assert metadata["published"] is None


# --- the fast runs of _normalise_with_spans give what the cluster-by-cluster loop gives ------------------


def _normalise_cluster_by_cluster(s: str) -> tuple[str, list[tuple[int, int]]]:
    """The loop without the ASCII and whitespace runs: the reference the fast path must equal."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pending_space = None
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        for char in extract._normalise_cluster(s[i:j]):
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


def _expanded(normalised: tuple[str, extract.Spans]) -> tuple[str, list[tuple[int, int]]]:
    text, spans = normalised
    return text, list(spans)


# ASCII (the backtick too), whitespace of every kind, combining marks, quotes, dashes, soft hyphens.
_TRICKY = "aZ9 `'\"-_~!\t\n\x0b\x1c\xa0\u2028\u3000\u0301\u0327\u00e9\u00ad\u200b«»“’–—ﬁＫß İ"


@hyp_settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=80))
def test_normalising_in_runs_equals_normalising_each_cluster(text):
    assert _expanded(extract._normalise_with_spans(text)) == _normalise_cluster_by_cluster(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "e\u0301",
        "Abc\u0301 def",
        " \u0301x",
        "a  \t b",
        "«Mosca» – l’Ucraina.  ",
        "x`y",
        "ǅ\u0301Ab",
        "ab c\u0301 d",
        "c\u0301 ab",
        "ab\u00a0cd\u3000ef\u2028gh\x1cij",
        "Word  \n word\n",
        "a\u00adb ﬁx Straße",
        "a `b` c",
        "\u0301\u0301a b",
        " a",
    ],
)
def test_normalising_in_runs_equals_normalising_each_cluster_on_edge_cases(text):
    assert _expanded(extract._normalise_with_spans(text)) == _normalise_cluster_by_cluster(text)


# --- the spans, kept as runs, map each normalised character back to the original text -------------------


def test_spans_of_a_plain_page_map_each_character_back_one_for_one():
    text, spans = extract._normalise_with_spans("Mosca CHIEDE armi.\nPyongyang tace.")

    assert text == "mosca chiede armi. pyongyang tace."
    assert list(spans) == [(k, k + 1) for k in range(len(text))]


def test_a_whitespace_run_maps_back_to_its_first_character():
    text, spans = extract._normalise_with_spans("a  \t b\u00a0\u00a0c")

    assert text == "a b c"
    assert list(spans) == [(0, 1), (1, 2), (5, 6), (6, 7), (8, 9)]


def test_a_base_character_and_its_combining_marks_map_back_together():
    text, spans = extract._normalise_with_spans("Cafe\u0301 o\u0327\u0301k")

    assert text == "caf\u00e9 \u00f3\u0327k"  # NFKC composes ó and leaves the cedilla after it
    assert list(spans) == [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 9), (6, 9), (9, 10)]


def test_case_folding_and_ligatures_map_every_character_they_make_to_their_source():
    text, spans = extract._normalise_with_spans("Straße ﬁne")

    assert text == "strasse fine"
    assert list(spans)[4:6] == [(4, 5), (4, 5)]
    assert list(spans)[8:10] == [(7, 8), (7, 8)]
    assert spans[10] == (8, 9)


def test_characters_that_vanish_leave_no_span():
    text, spans = extract._normalise_with_spans("ab\u00adcd\u200be")

    assert text == "abcde"
    assert list(spans) == [(0, 1), (1, 2), (3, 4), (4, 5), (6, 7)]


def test_spans_refuse_an_index_past_either_end():
    _, spans = extract._normalise_with_spans("abc")

    with pytest.raises(IndexError):
        spans[3]
    with pytest.raises(IndexError):
        spans[-4]


def test_quote_found_across_odd_spacing_case_and_ligatures_is_cut_from_the_original_text():
    page = "Prima.  Il  MINISTRO ha ﬁrmato\n\nl’accordo e\u0301 nuovo. Dopo."

    match = locate_quote("«il ministro ha firmato l'accordo é nuovo»", page)

    assert match == QuoteMatch("found", 100.0, "Il  MINISTRO ha ﬁrmato\n\nl’accordo e\u0301 nuovo")
