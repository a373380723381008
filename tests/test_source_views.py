"""The editor's source pages: list, timeline, text diff, "check now" and "accept as new baseline"."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import vocab
from claims.models import QuoteCheck, Source, SourceCheck
from sources import evidence
from sources.checks import check_source
from sources.dispatch import lease_source
from tests.conftest import SOURCE_URL, hop
from tests.sources.site import Page, article

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
QUOTE = "Kim Jong-un ha intenzione di recarsi in Russia questo mese."
REWORDED = "Kim Jong-un ha intenzione di recarsi in Russia il mese prossimo."


def login(client, user):
    client.force_login(user)
    return client


def check(source: Source) -> SourceCheck:
    """A real check through the service, as a worker would run it."""
    token = lease_source(source_id=source.pk, steal=True)
    return check_source(source_id=source.pk, lease_token=token)


def record(source: Source, outcome: str = vocab.CheckOutcome.OK, *, at=None, **fields) -> SourceCheck:
    """A check row written directly, for tests about display rather than checking."""
    return SourceCheck.objects.create(
        source=source, outcome=outcome, checked_at=at or timezone.now(), http_status=200, **fields
    )


@pytest.fixture
def changed_source(make_claim, site):
    """A published claim quoting a page on the local site, captured once and then reworded."""
    claim = make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=site.url("/kim"), quote=QUOTE)])
    source = claim.hops.get().source
    site.pages["/kim"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/kim"] = Page(body=article(REWORDED))
    check(source)
    source.refresh_from_db()
    return source


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """The (source, lease) pairs the page asked to check now (the enqueueing itself is tested with tasks)."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        "sources.dispatch._enqueue_on_commit",
        lambda task, *, source_id, lease_token: calls.append((source_id, lease_token)),
    )
    return calls


# ---------------------------------------------------------------- access


def test_anonymous_visitors_are_sent_to_login(client, make_claim):
    source = make_claim().hops.get().source
    for url in ["/sources/", f"/sources/{source.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_gets_403(client, outsider, make_claim):
    source = make_claim().hops.get().source
    login(client, outsider)
    assert client.get("/sources/").status_code == 403
    assert client.get(f"/sources/{source.pk}/").status_code == 403


def test_a_source_cited_only_by_drafts_is_hidden_from_viewers(client, viewer, editor, make_claim):
    source = make_claim().hops.get().source
    assert login(client, viewer).get(f"/sources/{source.pk}/").status_code == 404
    assert SOURCE_URL not in client.get("/sources/").content.decode()
    assert login(Client(), editor).get(f"/sources/{source.pk}/").status_code == 200


def test_unknown_source_is_404(client, editor):
    assert login(client, editor).get("/sources/999999/").status_code == 404


# ---------------------------------------------------------------- source page


def test_source_page_shows_metadata_health_and_the_timeline(client, viewer, changed_source):
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert '<h1 class="statement">Kim verso la Russia</h1>' in html
    assert "An Italian daily" in html and "5 Sep 2023" in html
    assert 'class="badge liveness-changed"' in html
    newest, oldest = changed_source.checks.order_by("-checked_at", "-id")
    # Newest first, each with its outcome, HTTP status, hashes and similarity.
    assert html.index('badge outcome-changed">Changed') < html.index('badge outcome-ok">OK')
    assert "HTTP 200" in html
    assert newest.body_sha256 in html and newest.content_sha256 in html and oldest.body_sha256 in html
    assert f"similarity {newest.similarity:.2f}" in html
    assert html.count('<rect class="outcome-') == 2
    assert 'class="swatch outcome-changed"' in html  # the legend


def test_changed_quote_shows_the_best_matching_passage_per_hop(client, viewer, changed_source):
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert 'badge quote-changed">Changed' in html
    assert "Best-matching passage" in html and "il mese prossimo" in html
    assert "North Korea has shipped munitions to Russia." in html  # the citing claim


def test_text_diff_shows_removed_and_added_lines_against_the_baseline(client, viewer, changed_source):
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    diff = html[html.index('class="diff text-diff"') :]
    assert re.search(r"<del>[^<]*questo mese\.[^<]*</del>", diff)
    assert re.search(r"<ins>[^<]*il mese prossimo\.[^<]*</ins>", diff)


def test_the_page_renders_the_diff_stored_by_the_worker_without_diffing(
    client, viewer, changed_source, monkeypatch
):
    assert changed_source.checks.order_by("-checked_at", "-id").first().text_diff["lines"]

    def no_diffing(*args, **kwargs):
        raise AssertionError("the page view ran a diff")

    monkeypatch.setattr("difflib.SequenceMatcher.__init__", no_diffing)
    monkeypatch.setattr("sources.textdiff.text_diff", no_diffing)
    response = login(client, viewer).get(f"/sources/{changed_source.pk}/")
    assert response.status_code == 200
    assert re.search(r"<ins>[^<]*il mese prossimo\.[^<]*</ins>", response.content.decode())


def test_one_added_word_is_marked_alone_on_the_source_page(client, viewer, make_claim, site):
    source = make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=site.url("/w"))]).hops.get().source
    site.pages["/w"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/w"] = Page(body=article(QUOTE.replace("questo mese", "già questo mese")))
    check(source)
    html = login(client, viewer).get(f"/sources/{source.pk}/").content.decode()
    diff = html[html.index('class="diff text-diff"') :]
    assert '<div class="diff-line changed" role="row">' in diff
    assert "<ins>già </ins>" in diff and "<del>" not in diff


def test_a_diff_over_the_budget_says_it_is_too_large(client, viewer, changed_source):
    newest = changed_source.checks.order_by("-checked_at", "-id").first()
    SourceCheck.objects.filter(pk=newest.pk).update(
        text_diff={**newest.text_diff, "lines": [], "too_large": True}
    )
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert "The text changed too much to show the difference line by line." in html
    assert "text-diff" not in html


def test_a_diff_against_an_older_baseline_is_not_shown_as_current(client, viewer, changed_source):
    Source.objects.filter(pk=changed_source.pk).update(baseline_sha256="cd" * 32)
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert "compared with an earlier baseline" in html and "text-diff" not in html


def test_a_capture_from_before_diffs_were_stored_says_so(client, viewer, changed_source):
    changed_source.checks.update(text_diff=None)
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert "No difference was stored with this capture" in html and "text-diff" not in html


def test_accept_as_new_baseline_is_offered_only_for_a_capture_that_differs(client, editor, make_claim, site):
    login(client, editor)
    source = make_claim(hops=[hop(source_url=site.url("/b"))]).hops.get().source
    assert "Check now" in client.get(f"/sources/{source.pk}/").content.decode()
    assert "Accept as new baseline" not in client.get(f"/sources/{source.pk}/").content.decode()
    site.pages["/b"] = Page(body=article(QUOTE))
    check(source)  # the capture is the baseline: nothing to accept
    assert "Accept as new baseline" not in client.get(f"/sources/{source.pk}/").content.decode()
    site.pages["/b"] = Page(body=article(REWORDED))
    check(source)
    assert "Accept as new baseline" in client.get(f"/sources/{source.pk}/").content.decode()


def test_an_unchanged_capture_says_so(client, viewer, make_claim, site):
    source = make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=site.url("/a"))]).hops.get().source
    site.pages["/a"] = Page(body=article(QUOTE))
    check(source)
    html = login(client, viewer).get(f"/sources/{source.pk}/").content.decode()
    assert "The latest capture reads the same as the baseline." in html
    assert "text-diff" not in html


def test_a_missing_evidence_body_is_reported_not_a_500(client, viewer, changed_source, settings):
    for path in (settings.EVIDENCE_DIR / "bodies").rglob("*"):
        if path.is_file():
            path.unlink()
    response = login(client, viewer).get(f"/sources/{changed_source.pk}/")
    assert response.status_code == 200
    assert "missing from the evidence store" in response.content.decode()


def test_redirect_chain_final_url_and_detail_are_shown(client, viewer, make_claim):
    source = make_claim(vocab.Status.PUBLISHED).hops.get().source
    record(
        source,
        vocab.CheckOutcome.SOFT_404,
        final_url="https://news.example.org/",
        redirects=[{"status": 301, "url": "https://news.example.org/"}],
        detail="redirected to the site's home page https://news.example.org/",
        elapsed_ms=321,
    )
    html = login(client, viewer).get(f"/sources/{source.pk}/").content.decode()
    assert "301 → <span" in html and "321 ms" in html
    assert "redirected to the site&#x27;s home page" in html


def test_viewers_do_not_see_drafts_or_their_quotes_on_a_source_page(client, viewer, make_claim):
    public = make_claim(vocab.Status.PUBLISHED, statement="A published claim.")
    draft = make_claim(statement="A secret draft.", hops=[hop(quote="Parole segrete della bozza.")])
    source = public.hops.get().source
    run = record(source)
    QuoteCheck.objects.create(check_run=run, hop=public.hops.get(), result="found", score=100)
    QuoteCheck.objects.create(
        check_run=run, hop=draft.hops.get(), result="changed", score=90, passage="Parole segrete"
    )
    html = login(client, viewer).get(f"/sources/{source.pk}/").content.decode()
    assert "A published claim." in html
    assert "A secret draft." not in html and "segrete" not in html
    assert html.count("badge quote-") == 2  # the public hop: latest result and in the timeline


def test_editors_see_drafts_citing_the_source(client, editor, make_claim):
    make_claim(vocab.Status.PUBLISHED, statement="A published claim.")
    make_claim(statement="A draft in progress.")
    source = Source.objects.get(url=SOURCE_URL)
    html = login(client, editor).get(f"/sources/{source.pk}/").content.decode()
    assert "A published claim." in html and "A draft in progress." in html


def test_the_timeline_is_limited_to_the_latest_checks(client, viewer, make_claim, monkeypatch):
    monkeypatch.setattr("claims.views.sources.TIMELINE_LIMIT", 3)
    source = make_claim(vocab.Status.PUBLISHED).hops.get().source
    start = timezone.now() - timedelta(days=10)
    for day in range(5):
        record(source, at=start + timedelta(days=day), detail=f"check of day {day}")
    html = login(client, viewer).get(f"/sources/{source.pk}/").content.decode()
    assert "check of day 4" in html and "check of day 2" in html and "check of day 1" not in html
    assert "Only the latest 3 checks are shown." in html


def test_source_page_runs_a_fixed_number_of_queries(
    client, editor, make_claim, django_assert_num_queries, settings, tmp_path
):
    settings.EVIDENCE_DIR = tmp_path
    body = article(QUOTE)
    digest = evidence.store_body(body)

    def build(claims: int, checks: int) -> Source:
        url = f"https://news.example.org/{claims}-{checks}"
        made = [make_claim(hops=[hop(source_url=url), hop(1, source_url=url)]) for _ in range(claims)]
        source = Source.objects.get(url=url)
        Source.objects.filter(pk=source.pk).update(baseline_text="Vecchio testo.", baseline_sha256="ab" * 32)
        for _ in range(checks):
            run = record(source, body_sha256=digest, content_type="text/html; charset=utf-8")
            QuoteCheck.objects.bulk_create(
                QuoteCheck(check_run=run, hop=h, result="found", score=100)
                for claim in made
                for h in claim.hops.all()
            )
        return source

    small, large = build(1, 1), build(4, 8)
    login(client, editor)
    with CaptureQueriesContext(connection) as baseline:
        client.get(f"/sources/{small.pk}/")
    with django_assert_num_queries(len(baseline)):
        html = client.get(f"/sources/{large.pk}/").content.decode()
    assert html.count('<li class="check">') == 8


def test_user_text_on_a_source_page_is_escaped(client, viewer, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED, statement=XSS)
    source = claim.hops.get().source
    Source.objects.filter(pk=source.pk).update(title=XSS)
    record(source, vocab.CheckOutcome.SERVER_ERROR, detail=XSS, final_url=f"https://x.example/{XSS}")
    login(client, viewer)
    for url in [f"/sources/{source.pk}/", "/sources/", f"/claims/{claim.uuid}/"]:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_source_pages_have_no_inline_script_or_style_and_post_forms_carry_csrf(
    client, editor, changed_source
):
    login(client, editor)
    for url in ["/sources/", f"/sources/{changed_source.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\sstyle=|<style", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert all("csrfmiddlewaretoken" in form for form in forms), url


# ---------------------------------------------------------------- links


def test_claim_page_and_dashboard_link_to_the_source_page(client, reviewer, changed_source):
    login(client, reviewer)
    claim = changed_source.hops.get().claim
    assert f'href="/sources/{changed_source.pk}/"' in client.get(f"/claims/{claim.uuid}/").content.decode()
    dashboard = client.get("/").content.decode()
    assert f'href="/sources/{changed_source.pk}/"' in dashboard  # changed: in the attention queue


# ---------------------------------------------------------------- check now


def test_editor_checks_now_and_is_told_it_is_queued(client, editor, changed_source, queued):
    response = login(client, editor).post(f"/sources/{changed_source.pk}/check/", follow=True)
    changed_source.refresh_from_db()
    assert queued == [(changed_source.pk, changed_source.lease_token)]
    assert response.redirect_chain == [(f"/sources/{changed_source.pk}/", 302)]
    assert "A check of this source is queued" in response.content.decode()


def test_viewer_cannot_check_now_and_nothing_is_queued(client, viewer, changed_source, queued):
    html = login(client, viewer).get(f"/sources/{changed_source.pk}/").content.decode()
    assert "Check now" not in html and "Accept as new baseline" not in html
    response = client.post(f"/sources/{changed_source.pk}/check/")
    assert response.status_code == 403
    changed_source.refresh_from_db()
    assert queued == [] and changed_source.lease_token == ""


def test_check_now_is_post_only_and_needs_csrf(editor, changed_source, queued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(f"/sources/{changed_source.pk}/check/").status_code == 405
    assert client.post(f"/sources/{changed_source.pk}/check/").status_code == 403
    assert queued == []


def test_check_now_for_a_source_hidden_from_the_user_is_404(client, editor, make_claim, queued):
    assert login(client, editor).post("/sources/999999/check/").status_code == 404
    assert queued == []


# ---------------------------------------------------------------- accept as new baseline


def test_editor_accepts_the_latest_capture_and_it_is_recorded(client, editor, changed_source):
    newest = changed_source.checks.order_by("-checked_at", "-id").first()
    response = login(client, editor).post(
        f"/sources/{changed_source.pk}/accept/", {"confirm": "yes"}, follow=True
    )
    changed_source.refresh_from_db()
    assert changed_source.baseline_sha256 == newest.content_sha256
    assert changed_source.liveness == vocab.Liveness.LIVE
    assert changed_source.history.first().history_user == editor
    html = response.content.decode()
    assert "The latest capture is now the baseline" in html
    assert "The latest capture reads the same as the baseline." in html


def test_viewer_cannot_accept_a_baseline_and_nothing_changes(client, viewer, changed_source):
    before = (changed_source.baseline_sha256, changed_source.liveness, changed_source.history.count())
    response = login(client, viewer).post(f"/sources/{changed_source.pk}/accept/", {"confirm": "yes"})
    assert response.status_code == 403
    changed_source.refresh_from_db()
    assert (changed_source.baseline_sha256, changed_source.liveness, changed_source.history.count()) == before


def test_accepting_without_a_capture_says_why_and_changes_nothing(client, editor, make_claim):
    source = make_claim().hops.get().source
    response = login(client, editor).post(f"/sources/{source.pk}/accept/", {"confirm": "yes"}, follow=True)
    assert "no capture yet" in response.content.decode()
    source.refresh_from_db()
    assert source.baseline_sha256 == ""


def test_accepting_without_confirming_says_so_and_changes_nothing(client, editor, changed_source):
    before = (changed_source.baseline_sha256, changed_source.liveness, changed_source.history.count())
    page = login(client, editor).get(f"/sources/{changed_source.pk}/").content.decode()
    assert '<input type="hidden" name="confirm" value="yes">' in page and "replaces the baseline" in page
    response = client.post(f"/sources/{changed_source.pk}/accept/", follow=True)
    assert "Confirm to accept the latest capture" in response.content.decode()
    changed_source.refresh_from_db()
    assert (changed_source.baseline_sha256, changed_source.liveness, changed_source.history.count()) == before


# ---------------------------------------------------------------- list


@pytest.fixture
def many_sources(make_claim):
    def build(n: int, **fields) -> list[Source]:
        start = Source.objects.count()
        for i in range(start, start + n):
            make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=f"https://news.example.org/{i}")])
        sources = list(Source.objects.order_by("-id")[:n])
        if fields:
            Source.objects.filter(pk__in=[s.pk for s in sources]).update(**fields)
        return sources

    return build


def test_list_filters_by_health_and_searches_url_and_title(client, viewer, many_sources):
    dead = many_sources(1, liveness=vocab.Liveness.DEAD, title="Pagina sparita")[0]
    live = many_sources(1, liveness=vocab.Liveness.LIVE, title="Kim a Vladivostok")[0]
    login(client, viewer)
    html = client.get("/sources/?liveness=dead").content.decode()
    assert f"/sources/{dead.pk}/" in html and f"/sources/{live.pk}/" not in html
    html = client.get("/sources/?q=vladivostok").content.decode()
    assert f"/sources/{live.pk}/" in html and f"/sources/{dead.pk}/" not in html
    html = client.get(f"/sources/?q={dead.url.rsplit('/', 1)[1]}&liveness=dead").content.decode()
    assert f"/sources/{dead.pk}/" in html
    html = client.get("/sources/?attention=on").content.decode()
    assert f"/sources/{dead.pk}/" in html and f"/sources/{live.pk}/" not in html


def test_an_invalid_filter_shows_an_error_and_no_sources(client, viewer, many_sources):
    many_sources(1)
    html = login(client, viewer).get("/sources/?liveness=zombie").content.decode()
    assert "Some filters are not valid" in html and "0 sources" in html


def test_list_paginates_keeping_the_filters(client, viewer, many_sources, monkeypatch):
    monkeypatch.setattr("claims.views.sources.SOURCES_PER_PAGE", 2)
    many_sources(3)
    html = login(client, viewer).get("/sources/?liveness=unchecked").content.decode()
    assert "Page 1 of 2" in html and 'href="?liveness=unchecked&amp;page=2"' in html
    second = client.get("/sources/?liveness=unchecked&page=2").content.decode()
    assert second.count("<tr>") == 1 + 1


def test_list_runs_a_fixed_number_of_queries(client, editor, many_sources, django_assert_num_queries):
    many_sources(1)
    login(client, editor)
    with CaptureQueriesContext(connection) as few:
        client.get("/sources/")
    many_sources(12)
    with django_assert_num_queries(len(few)):
        html = client.get("/sources/").content.decode()
    assert html.count('<td><a href="/sources/') == 13


def test_source_pages_speak_italian(client, editor, changed_source):
    login(client, editor).post("/i18n/setlang/", {"language": "it", "next": "/"})
    html = client.get(f"/sources/{changed_source.pk}/").content.decode()
    assert "Controlla ora" in html and "Cronologia dei controlli" in html
    assert "Fonti" in client.get("/sources/").content.decode()
