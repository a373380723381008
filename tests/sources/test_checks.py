"""Checking a source end to end against a local site: capture, comparison, outcomes, evidence."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, connection
from django.utils import timezone

from claims import vocab
from claims.models import SHORT_TEXT_MAX, QuoteCheck, Source, SourceCheck
from sources import checks
from sources.checks import DomainBusy, accept_source_baseline, check_source
from sources.dispatch import lease_source
from sources.extract import QuoteMatch
from sources.fetch import TransientFetchError
from tests.conftest import hop
from tests.sources.site import Page, article

QUOTE = "Kim Jong-un ha intenzione di recarsi in Russia questo mese."


def check(source: Source):
    token = lease_source(source_id=source.pk, steal=True)
    return check_source(source_id=source.pk, lease_token=token)


@pytest.fixture
def cited(make_claim, site):
    """A source on the local site cited by a claim whose hop quotes it; the page is set by the test."""

    def build(path: str = "/2023/09/kim", quote: str = QUOTE) -> Source:
        claim = make_claim(hops=[hop(source_url=site.url(path), quote=quote)])
        return claim.hops.get().source

    return build


def test_capture_fills_blank_metadata_and_sets_the_baseline(cited, site, actors):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    row = check(source)
    source.refresh_from_db()
    assert row.outcome == vocab.CheckOutcome.OK
    assert source.title == "Kim verso la Russia"
    assert source.publisher == actors["daily"]
    assert str(source.published_on) == "2023-09-05"
    assert source.language == "it"
    assert QUOTE in source.baseline_text
    assert source.baseline_sha256 == row.content_sha256
    assert source.liveness == vocab.Liveness.LIVE
    assert [q.result for q in row.quotes.all()] == ["found"]


def test_publisher_is_left_blank_when_no_actor_has_that_name(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE).replace(b"An Italian daily", b"Unknown Gazette"))
    check(source)
    source.refresh_from_db()
    assert source.publisher is None


def test_capture_keeps_what_an_editor_already_entered(cited, site):
    source = cited()
    Source.objects.filter(pk=source.pk).update(title="Editor's title", language="en")
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    source.refresh_from_db()
    assert (source.title, source.language) == ("Editor's title", "en")


def test_unchanged_page_is_ok_with_the_quote_found(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    row = check(source)
    assert row.outcome == vocab.CheckOutcome.OK
    assert row.similarity == 1.0
    assert row.quotes.get().result == vocab.QuoteResult.FOUND


def test_reworded_quote_is_changed_with_the_best_passage_kept(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/2023/09/kim"] = Page(
        body=article("Kim Jong-un ha intenzione di recarsi in Russia il mese prossimo.")
    )
    row = check(source)
    source.refresh_from_db()
    quote = row.quotes.get()
    assert row.outcome == vocab.CheckOutcome.CHANGED
    assert quote.result == vocab.QuoteResult.CHANGED
    assert "recarsi in Russia" in quote.passage
    assert source.liveness == vocab.Liveness.CHANGED
    assert source in Source.objects.needing_attention()


def test_dropped_quote_is_quote_missing_and_needs_attention(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/2023/09/kim"] = Page(body=article("Il viaggio è stato rinviato a data da destinarsi."))
    row = check(source)
    source.refresh_from_db()
    assert row.outcome == vocab.CheckOutcome.QUOTE_MISSING
    assert row.quotes.get().result == vocab.QuoteResult.MISSING
    assert source.quotes_missing == 1
    assert source in Source.objects.needing_attention()


def test_rewritten_page_with_the_quote_intact_is_changed(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    rewrite = "Aggiornamento: la delegazione nordcoreana ha visitato il cosmodromo di Vostočnyj. " * 12
    site.pages["/2023/09/kim"] = Page(body=article(rewrite, QUOTE, rewrite))
    row = check(source)
    assert row.outcome == vocab.CheckOutcome.CHANGED
    assert row.similarity < 0.9
    assert row.quotes.get().result == vocab.QuoteResult.FOUND


def test_conditional_get_sends_validators_and_a_304_is_not_modified(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE), headers={"ETag": '"v1"'})
    check(source)
    row = check(source)
    source.refresh_from_db()
    assert site.requests[-1]["headers"]["If-None-Match"] == '"v1"'
    assert row.outcome == vocab.CheckOutcome.NOT_MODIFIED
    assert row.http_status == 304
    assert source.liveness == vocab.Liveness.LIVE
    assert source.etag == '"v1"'


def test_a_404_is_gone_and_a_first_strike(cited, site):
    source = cited()
    row = check(source)
    source.refresh_from_db()
    assert (row.outcome, row.http_status) == (vocab.CheckOutcome.GONE, 404)
    assert (source.liveness, source.strikes) == (vocab.Liveness.SUSPECT, 1)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (Page(body=article("Ci scusiamo.", title="Pagina non trovata")), "title"),
        (Page(body=b"<html><body><p>Sorry, page not found.</p></body></html>"), "text"),
    ],
)
def test_a_200_that_says_not_found_is_a_soft_404_strike(cited, site, page, reason):
    source = cited()
    site.pages["/2023/09/kim"] = page
    row = check(source)
    source.refresh_from_db()
    assert row.outcome == vocab.CheckOutcome.SOFT_404
    assert reason in row.detail
    assert source.strikes == 1
    assert source.baseline_sha256 == ""


def test_a_redirect_to_the_home_page_is_a_soft_404(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = lambda handler: handler.serve(Page(301, headers={"Location": "/"}))
    site.pages["/"] = Page(body=article("Le notizie di oggi."))
    row = check(source)
    assert row.outcome == vocab.CheckOutcome.SOFT_404
    assert row.redirects == [{"status": 301, "url": site.url("/")}]
    assert "home page" in row.detail


def test_a_redirect_to_another_article_is_moved_and_live(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(301, headers={"Location": "/2023/09/kim-russia"})
    site.pages["/2023/09/kim-russia"] = Page(body=article(QUOTE))
    row = check(source)
    source.refresh_from_db()
    assert row.outcome == vocab.CheckOutcome.MOVED
    assert row.final_url == site.url("/2023/09/kim-russia")
    assert source.liveness == vocab.Liveness.LIVE


def test_a_refused_url_is_recorded_as_refused_and_never_fetched(cited, site, settings):
    source = cited()
    settings.SOURCE_FETCH_ALLOWLIST = []  # the local site is loopback: policy refuses it
    row = check(source)
    source.refresh_from_db()
    assert row.outcome == vocab.CheckOutcome.REFUSED
    assert "port" in row.detail or "non-public" in row.detail
    assert site.requests == []
    assert source.strikes == 0


def test_evidence_is_stored_once_by_hash_with_a_warc_record(cited, site, settings):
    from warcio.archiveiterator import ArchiveIterator

    source = cited()
    body = article(QUOTE)
    site.pages["/2023/09/kim"] = Page(body=body)
    first, second = check(source), check(source)
    assert first.body_sha256 == second.body_sha256
    stored = list((settings.EVIDENCE_DIR / "bodies").rglob("*"))
    assert [p.name for p in stored if p.is_file()] == [first.body_sha256]
    with open(settings.EVIDENCE_DIR / first.warc_path, "rb") as warc:
        record = next(iter(ArchiveIterator(warc)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == source.url
        assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert record.content_stream().read() == body


def test_the_same_lease_delivered_twice_writes_one_check(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    token = lease_source(source_id=source.pk, steal=True)
    assert check_source(source_id=source.pk, lease_token=token) is not None
    assert check_source(source_id=source.pk, lease_token=token) is None
    assert source.checks.count() == 1
    assert len(site.requests) == 1


def test_a_task_whose_lease_was_taken_over_does_nothing(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    stale = lease_source(source_id=source.pk, steal=True)
    lease_source(source_id=source.pk, steal=True)
    assert check_source(source_id=source.pk, lease_token=stale) is None
    assert site.requests == []
    assert not source.checks.exists()


def test_a_check_for_an_unknown_source_says_so(db):
    with pytest.raises(Source.DoesNotExist, match="No source with id 999999"):
        check_source(source_id=999999, lease_token="abc")


def test_a_busy_domain_reschedules_without_fetching(cited, site, settings):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    settings.SOURCE_MIN_INTERVAL_SECONDS = 30
    check(source)
    token = lease_source(source_id=source.pk, steal=True)
    with pytest.raises(DomainBusy) as busy:
        check_source(source_id=source.pk, lease_token=token)
    assert 25 < busy.value.wait <= 30
    assert len(site.requests) == 1
    source.refresh_from_db()
    assert source.lease_token == token  # still ours: the rescheduled task will use it


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_defers_the_whole_domain_and_never_strikes(cited, site, status):
    source = cited()
    site.pages["/2023/09/kim"] = Page(status, b"slow down", headers={"Retry-After": "120"})
    row = check(source)
    source.refresh_from_db()
    assert row.http_status == status
    assert (source.liveness, source.strikes) == (vocab.Liveness.DEGRADED, 0)
    other = Source.objects.create(url=site.url("/other"))
    with pytest.raises(DomainBusy) as busy:
        check(other)
    assert 100 < busy.value.wait <= 120


def test_a_transient_failure_is_recorded_then_raised_for_retry_keeping_the_lease(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(500, b"oops")
    token = lease_source(source_id=source.pk, steal=True)
    with pytest.raises(TransientFetchError):
        check_source(source_id=source.pk, lease_token=token, retry_transient=True)
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    row = check_source(source_id=source.pk, lease_token=token, attempt=1, retry_transient=True)
    source.refresh_from_db()
    assert [c.outcome for c in source.checks.order_by("id")] == ["server_error", "ok"]
    assert row.lease_token == f"{token}:1"
    assert (source.liveness, source.lease_token) == (vocab.Liveness.LIVE, "")


def test_an_editor_accepts_the_changed_page_as_the_new_baseline(cited, site, editor, viewer):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/2023/09/kim"] = Page(
        body=article("Kim Jong-un ha intenzione di recarsi in Russia il mese prossimo.")
    )
    changed = check(source)
    with pytest.raises(PermissionDenied):
        accept_source_baseline(source_id=source.pk, by=viewer)
    accept_source_baseline(source_id=source.pk, by=editor)
    source.refresh_from_db()
    assert source.liveness == vocab.Liveness.LIVE
    assert source.baseline_sha256 == changed.content_sha256
    assert source.history.first().history_user == editor
    assert check(source).outcome == vocab.CheckOutcome.OK


def test_accepting_a_baseline_needs_a_capture(cited, editor):
    source = cited()
    with pytest.raises(ValidationError, match="no capture of the document yet"):
        accept_source_baseline(source_id=source.pk, by=editor)


def test_a_soft_404_page_is_never_accepted_as_the_baseline(cited, site, editor):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    first = check(source)
    site.pages["/2023/09/kim"] = Page(body=article("Ci scusiamo.", title="Pagina non trovata"))
    assert check(source).outcome == vocab.CheckOutcome.SOFT_404
    accept_source_baseline(source_id=source.pk, by=editor)
    source.refresh_from_db()
    assert source.baseline_sha256 == first.content_sha256, "the error page did not become the baseline"


def test_a_special_use_name_is_blocked_without_dns_and_never_struck(make_claim, site, settings, monkeypatch):
    """The demo cites https://example.invalid/…: it must not drift to dead, nor be looked up."""
    monkeypatch.setattr("socket.getaddrinfo", lambda *args, **kwargs: pytest.fail(f"resolved {args}"))
    settings.SOURCE_DEAD_STRIKE_INTERVAL = 0  # every strike would count: none may happen
    source = make_claim(hops=[hop(source_url="https://example.invalid/2023/09/kim")]).hops.get().source
    rows = [check(source) for _ in range(4)]
    source.refresh_from_db()
    assert {row.outcome for row in rows} == {vocab.CheckOutcome.BLOCKED}
    assert (source.strikes, source.first_strike_at) == (0, None)
    assert source.liveness == vocab.Liveness.DEGRADED
    assert source not in Source.objects.needing_attention()


def test_an_unchanged_page_is_checked_in_a_fixed_number_of_statements_without_extraction(
    cited, site, monkeypatch, settings, django_assert_num_queries
):
    # Politeness lives in the cache, Redis in production: keep its keys out of the database count.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    token = lease_source(source_id=source.pk, steal=True)

    def no_extraction(*args, **kwargs):
        raise AssertionError("the body the baseline came from was extracted again")

    monkeypatch.setattr("sources.checks.extract_page", no_extraction)
    # Read (source, quoted hops, last capture); then savepoint, lock with the schedule's facts, the
    # writes, release: BEGIN and COMMIT outside a test's transaction. PostgreSQL writes the check row,
    # its quote rows and the source's new state in one statement; elsewhere they are three.
    writes = 1 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(4 + writes):
        row = check_source(source_id=source.pk, lease_token=token)
    source.refresh_from_db()
    assert (row.outcome, row.similarity, row.content_sha256) == ("ok", 1.0, source.baseline_sha256)
    assert row.quotes.get().result == vocab.QuoteResult.FOUND
    assert (source.liveness, source.lease_token, source.last_outcome) == (vocab.Liveness.LIVE, "", "ok")


def test_a_delivery_whose_twin_recorded_the_check_meanwhile_writes_nothing(cited, site, monkeypatch):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    token = lease_source(source_id=source.pk, steal=True)
    fetch = checks.fetch

    def twin_records_during_our_fetch(*args, **kwargs):
        SourceCheck.objects.create(source=source, outcome=vocab.CheckOutcome.GONE, lease_token=token)
        return fetch(*args, **kwargs)

    monkeypatch.setattr(checks, "fetch", twin_records_during_our_fetch)
    assert check_source(source_id=source.pk, lease_token=token) is None
    assert list(source.checks.filter(lease_token=token).values_list("outcome", flat=True)) == ["gone"]
    assert not QuoteCheck.objects.filter(check_run__lease_token=token).exists()
    source.refresh_from_db()
    assert source.lease_token == token  # nothing of ours was written: the twin's delivery releases it


@pytest.mark.parametrize("constraint", ["quote_result_valid", "check_outcome_valid"])
def test_a_check_that_breaks_another_constraint_raises_instead_of_passing_for_a_twin(
    constraint, cited, site, monkeypatch
):
    # Say a new vocab value shipped before its migration: only the lease's unique row means a twin.
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    token = lease_source(source_id=source.pk, steal=True)
    if constraint == "quote_result_valid":
        monkeypatch.setattr(checks, "locate_quote", lambda quote, text: QuoteMatch("unheard_of", 1.0, quote))
    else:
        evaluate = checks._evaluate

        def unheard_of_outcome(*args, **kwargs):
            evaluation = evaluate(*args, **kwargs)
            evaluation.outcome = "unheard_of"
            return evaluation

        monkeypatch.setattr(checks, "_evaluate", unheard_of_outcome)
    with pytest.raises(IntegrityError, match=constraint):
        check_source(source_id=source.pk, lease_token=token)
    assert not source.checks.filter(lease_token=token).exists()


def test_an_over_long_value_raises_rather_than_being_cut(cited, site, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a varchar of any length")
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    token = lease_source(source_id=source.pk, steal=True)
    monkeypatch.setattr("sources.evidence.write_warc", lambda result, at: "w" * (SHORT_TEXT_MAX + 1))
    with pytest.raises(DataError):
        check_source(source_id=source.pk, lease_token=token)
    assert not source.checks.filter(lease_token=token).exists()


def test_a_changed_page_served_again_is_still_changed(cited, site):
    source = cited()
    site.pages["/2023/09/kim"] = Page(body=article(QUOTE))
    check(source)
    site.pages["/2023/09/kim"] = Page(
        body=article("Kim Jong-un ha intenzione di recarsi in Russia il mese prossimo.")
    )
    check(source)
    row = check(source)
    assert row.outcome == vocab.CheckOutcome.CHANGED
    assert row.quotes.get().result == vocab.QuoteResult.CHANGED


def test_a_batch_hands_on_what_it_did_not_start_renewing_only_the_leases_still_its_own(make_claim, site):
    leases = []
    for n in range(3):
        site.pages[f"/b{n}"] = Page(body=article(QUOTE))
        source = make_claim(hops=[hop(source_url=site.url(f"/b{n}"), quote=QUOTE)]).hops.get().source
        leases.append((source.pk, lease_source(source_id=source.pk, steal=True)))
    taken_over = leases[2][0]
    lease_source(source_id=taken_over, steal=True)  # "check now" while the batch waited
    soon = timezone.now() + timedelta(seconds=5)
    Source.objects.update(lease_expires_at=soon)
    outcome = checks.check_batch(leases, budget_seconds=-1)
    assert (outcome.rest, outcome.busy, outcome.transient, outcome.failure) == (leases[1:], [], [], None)
    assert list(SourceCheck.objects.values_list("lease_token", flat=True)) == [leases[0][1]]
    assert Source.objects.get(pk=leases[1][0]).lease_expires_at > soon + timedelta(minutes=1)
    assert Source.objects.get(pk=taken_over).lease_expires_at == soon
