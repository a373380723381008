"""Check one leased source: fetch politely, compare with the baseline, record the outcome and health."""

from __future__ import annotations

import copy
import functools
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone

from claims import policies, projection, vocab
from claims.models import SHORT_TEXT_MAX, QuoteCheck, Source, SourceCheck
from sources import evidence, politeness
from sources.capture import fill_metadata
from sources.extract import (
    HTML_MEDIA_TYPES,
    QuoteMatch,
    content_hash,
    extract_page,
    extract_text,
    locate_quote,
    similarity,
)
from sources.fetch import FetchResult, Outcome, TransientFetchError, fetch
from sources.policy import Health, next_health
from sources.prepared import Prepared
from sources.schedule import citation_facts, next_check_at
from sources.textdiff import TextDiff, text_diff

logger = logging.getLogger(__name__)

FETCH_TOTAL_TIMEOUT = 30.0
# Below this similarity to the baseline a page counts as changed even when every quote is still there.
CHANGE_THRESHOLD = 0.9
# Back-off for a 429/503 that names no Retry-After.
DEFAULT_BACKOFF_SECONDS = 60.0
SOFT_404_TEXT_MAX = 1000
_NOT_FOUND = re.compile(
    r"\b404\b|not found|page not found|no longer available|pagina non trovata|pagina non esiste"
    r"|non trovata|introuvable|nicht gefunden|no encontrada",
    re.IGNORECASE,
)
_HOME_PATHS = {"", "index.html", "index.htm", "index.php", "home"}
_READABLE = (Outcome.OK, Outcome.MOVED)


class DomainBusy(Exception):
    """Another request to the same domain is in flight or too recent: try again after `wait` seconds."""

    def __init__(self, domain: str, wait: float) -> None:
        super().__init__(f"{domain} is busy; retry in {wait:.1f} s")
        self.domain = domain
        self.wait = wait


@dataclass
class _Evaluation:
    outcome: str
    detail: str = ""
    text: str = ""
    content_sha256: str = ""
    similarity: float | None = None
    body_sha256: str = ""
    warc_path: str = ""
    metadata: dict = field(default_factory=dict)
    quotes: list[tuple[int, QuoteMatch]] = field(default_factory=list)  # hop id, match
    captured: bool = False
    text_diff: dict | None = None


def _snapshot_rows(source_id: int, row_token: str):
    captures = SourceCheck.objects.filter(source=OuterRef("pk"), outcome__in=DOCUMENT_OUTCOMES).exclude(
        body_sha256=""
    )
    last_capture = captures.order_by("-checked_at", "-id")
    return (
        Source.objects.filter(pk=source_id)
        # One row per quoted hop (or one row with no hop): a join, not a second query.
        .annotate(
            quoted=FilteredRelation("hops", condition=~Q(hops__quote="")),
            hop_id=F("quoted__id"),
            hop_quote=F("quoted__quote"),
            recorded=Exists(SourceCheck.objects.filter(source=OuterRef("pk"), lease_token=row_token)),
            last_body_sha256=Subquery(last_capture.values("body_sha256")[:1]),
            last_content_sha256=Subquery(last_capture.values("content_sha256")[:1]),
        )
        .order_by("hop_id")
    )


def _locked_row(source_id: int, lease_token: str):
    # The schedule's facts ride on the lock; ordered and sliced as .first() would.
    return (
        Source.objects.select_for_update()
        .annotate(**citation_facts())
        .filter(pk=source_id, lease_token=lease_token)
        .order_by("pk")[:1]
    )


# The two statements every check sends, compiled once per connection (their ORM build and compile
# was most of a check's CPU). The sentinels only mark where the real values go.
_SNAPSHOT_QUERY = Prepared(_snapshot_rows, source_id=-7_300_001, row_token="\x00prepared:row_token")  # noqa: S106
_LOCK_QUERY = Prepared(_locked_row, source_id=-7_300_002, lease_token="\x00prepared:lease_token")  # noqa: S106


@dataclass(frozen=True)
class _Snapshot:
    """What a check reads before it fetches, in one statement: the source, its quoted hops, its last
    capture and whether this delivery already wrote its row."""

    source: Source
    hops: list[tuple[int, str]]
    recorded: bool
    last_body_sha256: str
    last_content_sha256: str

    @classmethod
    def read(cls, source_id: int, *, row_token: str) -> _Snapshot:
        rows = _SNAPSHOT_QUERY(source_id=source_id, row_token=row_token)
        if not rows:
            raise Source.DoesNotExist(f"No source with id {source_id}.")
        source = rows[0]
        return cls(
            source=source,
            hops=[(row.hop_id, row.hop_quote) for row in rows if row.hop_id is not None],
            recorded=source.recorded,
            last_body_sha256=source.last_body_sha256 or "",
            last_content_sha256=source.last_content_sha256 or "",
        )


def check_source(
    *, source_id: int, lease_token: str, attempt: int = 0, retry_transient: bool = False
) -> SourceCheck | None:
    """Check a source under the lease `lease_token`; None when the lease is no longer ours.

    Idempotent: a redelivered task finds its lease released (or its row written) and does nothing.
    With `retry_transient`, a transient failure is recorded and then raised as TransientFetchError,
    keeping the lease for the retry; raises DomainBusy without fetching when politeness says wait.
    """
    if not lease_token:
        raise ValueError("A check needs the lease token it was dispatched with.")
    # Each retry of a transient failure writes its own row; a redelivery of one attempt writes none.
    row_token = lease_token if attempt == 0 else f"{lease_token}:{attempt}"
    snapshot = _Snapshot.read(source_id, row_token=row_token)
    source = snapshot.source
    if source.lease_token != lease_token:
        logger.info("source %s: lease %s is no longer current, skipping", source_id, lease_token)
        return None
    if snapshot.recorded:
        return None

    domain = politeness.registrable_domain(source.url)
    slot, wait = politeness.try_acquire(
        domain,
        min_interval=settings.SOURCE_MIN_INTERVAL_SECONDS,
        lease_seconds=FETCH_TOTAL_TIMEOUT + 10,
    )
    if slot is None:
        raise DomainBusy(domain, wait)
    started = time.monotonic()
    try:
        result = fetch(
            source.url,
            etag=source.etag or None,
            last_modified=source.last_modified or None,
            total_timeout=FETCH_TOTAL_TIMEOUT,
        )
    finally:
        politeness.release(slot)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    if result.http_status in (429, 503):
        politeness.defer(domain, result.retry_after or DEFAULT_BACKOFF_SECONDS)

    now = timezone.now()
    evaluation = _evaluate(snapshot, result, now=now)
    retrying = retry_transient and result.transient
    row = _record(
        source_id=source_id,
        lease_token=lease_token,
        row_token=row_token,
        result=result,
        evaluation=evaluation,
        elapsed_ms=elapsed_ms,
        now=now,
        release=not retrying,
    )
    if row is not None and retrying:
        result.raise_if_transient()
    return row


Lease = tuple[int, str]  # (source_id, lease_token)


@dataclass
class BatchOutcome:
    """What is left of a batch of checks, for the task to send on."""

    busy: list[tuple[Lease, float]] = field(default_factory=list)  # domain busy: check after so many seconds
    transient: list[Lease] = field(default_factory=list)  # first attempt recorded, lease kept: retry it
    rest: list[Lease] = field(default_factory=list)  # never started (budget spent, or a check failed)
    failure: BaseException | None = None  # the check that failed, to raise once the rest is sent on


def check_batch(leases: list[Lease], *, budget_seconds: float) -> BatchOutcome:
    """Check leased sources one after the other, starting none after `budget_seconds`.

    Each check is idempotent on its own, so a batch run again only redoes what was not recorded. A
    failing check stops the batch: its exception is returned with the rest, so that the rest need not
    wait for their leases to expire. The leases of the rest are extended, so that they do not expire
    while it waits in the queue again and get leased (and fetched) a second time.
    """
    outcome = BatchOutcome()
    started = time.monotonic()
    for position, (source_id, lease_token) in enumerate(leases):
        if position and time.monotonic() - started > budget_seconds:
            outcome.rest = leases[position:]
            break
        try:
            check_source(source_id=source_id, lease_token=lease_token, retry_transient=True)
        except DomainBusy as busy:
            outcome.busy.append(((source_id, lease_token), busy.wait))
        except TransientFetchError:
            outcome.transient.append((source_id, lease_token))
        except BaseException as exc:  # a time limit or a shutdown too: the rest goes on all the same
            outcome.failure, outcome.rest = exc, leases[position + 1 :]
            break
    try:
        _extend_leases(outcome.rest)
    except DatabaseError:  # only spares a second fetch: the rest must go on all the same
        logger.warning("could not extend the leases of %s handed on", outcome.rest, exc_info=True)
    return outcome


def _extend_leases(leases: list[Lease]) -> None:
    """Renew these leases, unless taken over meanwhile (a token is only ever its own source's)."""
    if leases:
        Source.objects.filter(
            pk__in=[source_id for source_id, _ in leases], lease_token__in=[token for _, token in leases]
        ).update(lease_expires_at=timezone.now() + timedelta(seconds=settings.SOURCE_LEASE_SECONDS))


def _evaluate(snapshot: _Snapshot, result: FetchResult, *, now: datetime) -> _Evaluation:
    """The outcome of one fetch against the baseline: the one place a check's verdict is decided."""
    if result.outcome not in _READABLE:
        return _Evaluation(outcome=result.outcome, detail=result.error)
    source = snapshot.source
    evaluation = _Evaluation(
        outcome=result.outcome,
        body_sha256=evidence.store_body(result.body),
        warc_path=evidence.write_warc(result, at=now),
    )
    redirected_home = _redirected_home(result)
    if redirected_home:
        evaluation.outcome, evaluation.detail = vocab.CheckOutcome.SOFT_404, redirected_home
        return evaluation
    if (
        source.baseline_sha256
        and evaluation.body_sha256 == snapshot.last_body_sha256
        and snapshot.last_content_sha256 == source.baseline_sha256
    ):
        # The very body whose text is the baseline: extracting it again could only give that text back.
        text = source.baseline_text
        evaluation.content_sha256 = source.baseline_sha256
    else:
        text, metadata = _extract(result)
        evaluation.metadata = metadata
        soft_404 = _soft_404_reason(title=metadata.get("title") or "", text=text)
        if soft_404:
            evaluation.outcome, evaluation.detail = vocab.CheckOutcome.SOFT_404, soft_404
            return evaluation
        evaluation.content_sha256 = content_hash(text)
    evaluation.text = text
    evaluation.captured = not source.baseline_sha256
    if text:
        evaluation.quotes = [
            (hop_id, match)
            for hop_id, quote in snapshot.hops
            if (match := locate_quote(quote, text)) is not None
        ]
    else:
        evaluation.detail = f"no text could be extracted from {result.media_type or 'the body'}"
    missing = sum(match.result == vocab.QuoteResult.MISSING for _, match in evaluation.quotes)
    if evaluation.captured or evaluation.content_sha256 == source.baseline_sha256:
        evaluation.similarity = 1.0
    else:
        evaluation.similarity = similarity(source.baseline_text, text)
    quote_changed = any(match.result == vocab.QuoteResult.CHANGED for _, match in evaluation.quotes)
    text_changed = evaluation.content_sha256 != source.baseline_sha256 and (
        evaluation.similarity < CHANGE_THRESHOLD or quote_changed
    )
    if not evaluation.captured and evaluation.content_sha256 != source.baseline_sha256:
        # Once per capture, here in the worker (budgeted): the source page only renders the result.
        evaluation.text_diff = text_diff(source.baseline_text, text).to_json(
            baseline_sha256=source.baseline_sha256
        )
    if missing:
        evaluation.outcome = vocab.CheckOutcome.QUOTE_MISSING
        evaluation.detail = f"{missing} of {len(evaluation.quotes)} quotes not found"
    elif not evaluation.captured and text_changed:
        evaluation.outcome = vocab.CheckOutcome.CHANGED
        evaluation.detail = f"similarity to the baseline {evaluation.similarity:.2f}"
    return evaluation


def _extract(result: FetchResult) -> tuple[str, dict]:
    """Main text, plus the metadata a capture fills in and a soft 404 is recognised by (HTML only)."""
    if result.media_type not in HTML_MEDIA_TYPES:
        return extract_text(result.body, result.content_type), {}
    return extract_page(result.body, result.content_type, result.final_url)


def _redirected_home(result: FetchResult) -> str:
    """A redirect to the site's home page: the article is gone whatever the home page says."""
    if result.redirects and _is_home(result.final_url) and not _is_home(result.url):
        return f"redirected to the site's home page {result.final_url}"
    return ""


def _soft_404_reason(*, title: str, text: str) -> str:
    """Why a 200 page is really a 'not found' page, or ''."""
    if _NOT_FOUND.search(title):
        return f"the page title says not found: {title[:200]}"
    if len(text) <= SOFT_404_TEXT_MAX and _NOT_FOUND.search(text):
        return "the page text says not found"
    return ""


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path.strip("/").lower() in _HOME_PATHS and not parts.query


class _AlreadyRecorded(Exception):
    """The same delivery ran twice at once and the other one wrote the row first."""


def _record(
    *,
    source_id: int,
    lease_token: str,
    row_token: str,
    result: FetchResult,
    evaluation: _Evaluation,
    elapsed_ms: int,
    now: datetime,
    release: bool,
) -> SourceCheck | None:
    """Append the check row and update the source's health, only if the lease is still ours.

    One transaction: lock the source (reading what its schedule depends on in the same statement),
    insert the check and its quote rows, update the source (those three in one statement on
    PostgreSQL, _write_in_one_statement). The locked row holds the state before
    the check and `changes` the state after: the place to act on a transition.
    """
    try:
        with transaction.atomic():
            locked = _LOCK_QUERY(source_id=source_id, lease_token=lease_token)
            source = locked[0] if locked else None
            if source is None:  # re-leased by someone else while we fetched: their check counts, not ours
                return None
            row = SourceCheck(
                source=source,
                outcome=evaluation.outcome,
                http_status=result.http_status,
                final_url=result.final_url[:2000],
                checked_at=now,
                content_sha256=evaluation.content_sha256,
                similarity=evaluation.similarity,
                detail=evaluation.detail[: SHORT_TEXT_MAX * 2],
                lease_token=row_token,
                redirects=[{"status": r.status, "url": r.url} for r in result.redirects],
                elapsed_ms=elapsed_ms,
                content_type=result.content_type[:SHORT_TEXT_MAX],
                body_sha256=evaluation.body_sha256,
                warc_path=evaluation.warc_path,
                text_diff=evaluation.text_diff,
            )
            quotes = [
                QuoteCheck(hop_id=hop_id, result=m.result, score=m.score, passage=m.passage)
                for hop_id, m in evaluation.quotes
            ]
            before = projection.source_state(liveness=source.liveness, quotes_missing=source.quotes_missing)
            changes = _next_state(source, result=result, evaluation=evaluation, now=now, release=release)
            after = projection.source_state(
                liveness=changes["liveness"],
                quotes_missing=changes.get("quotes_missing", source.quotes_missing),
            )
            if connection.vendor == "postgresql" and not evaluation.captured:
                try:
                    _write_in_one_statement(row, quotes, changes)
                except IntegrityError as exc:
                    _raise_unless_twin(exc)
            else:
                try:
                    row.save(force_insert=True)
                except IntegrityError as exc:
                    _raise_unless_twin(exc)
                for quote in quotes:
                    quote.check_run = row
                QuoteCheck.objects.bulk_create(quotes)
                if evaluation.captured:
                    _capture(source, evaluation, changes)
                else:
                    # A queryset update: health changes every check and is not worth a history row each time.
                    Source.objects.filter(pk=source.pk).update(**changes)
            # Only a change of state is news (and costs statements); the usual unchanged check adds none.
            projection.record_source_health(source_id=source.pk, before=before, after=after)
    except _AlreadyRecorded:  # the first row stands; nothing of ours was written
        return None
    return row


_ONCE_PER_LEASE = "check_once_per_lease"


def _raise_unless_twin(exc: IntegrityError) -> None:
    """_AlreadyRecorded for the check row's unique lease, `exc` itself for any other violation.

    Only a twin delivery explains that one; any other failure (a quote's or the source's CHECK, say a
    new vocab value before its migration) must surface, not drop the check silently with the lease kept.
    """
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # psycopg names the constraint
        twin = cause.sqlstate == "23505" and diag.constraint_name == _ONCE_PER_LEASE
    else:  # SQLite names the columns
        twin = str(exc).startswith("UNIQUE constraint failed") and "lease_token" in str(exc)
    if twin:
        raise _AlreadyRecorded from exc
    raise exc


# Filled with table and column names from the models only; every value is a parameter.
_ONE_STATEMENT = """WITH new_check AS (INSERT INTO {checks} ({columns}) VALUES {values} RETURNING id)
{new_quotes}UPDATE {sources} SET {assignments} WHERE {pk} = %s RETURNING (SELECT id FROM new_check)"""
_VARCHAR_N = re.compile(r"^varchar\(\d+\)$")
_NEW_QUOTES = """, new_quotes AS (INSERT INTO {quotes} ({columns})
SELECT new_check.id, quote.* FROM new_check, (VALUES {rows}) AS quote)
"""


def _write_in_one_statement(row: SourceCheck, quotes: list[QuoteCheck], changes: dict) -> None:
    """PostgreSQL: insert `row` and its `quotes` and apply `changes` to the source, in one statement.

    The ORM's INSERT, bulk INSERT and UPDATE cost a round trip each and, building them, more CPU than
    anything else left in an unchanged re-check (BENCHMARKS.md, round four). Columns and values come
    from the models' fields and are prepared as the ORM prepares them; the rest of `row` is the caller's.
    """
    check_fields, quote_fields = _written_fields()
    source_fields = [Source._meta.get_field(name) for name in changes]

    def prepare(fields, obj) -> list:
        # pre_save as an INSERT calls it (defaults, auto_now), then the value as the ORM would send it.
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    params = prepare(check_fields, row)
    for quote in quotes:
        params += prepare(quote_fields, quote)
    params += [f.get_db_prep_save(changes[f.name], connection) for f in source_fields]
    params.append(row.source_id)
    with connection.cursor() as cursor:
        cursor.execute(_one_statement_sql(tuple(changes), len(quotes)), params)
        (row.pk,) = cursor.fetchone()
    row._state.adding, row._state.db = False, connection.alias


@functools.cache
def _written_fields() -> tuple[list, list]:
    """The check row's columns and a quote row's (all but the id, and the quote's check, set by SQL)."""
    run = QuoteCheck._meta.get_field("check_run")
    return (
        [f for f in SourceCheck._meta.concrete_fields if not f.primary_key],
        [f for f in QuoteCheck._meta.concrete_fields if not f.primary_key and f is not run],
    )


# The text depends only on which source fields change and how many quotes there are: a few shapes in
# all, each built once per process (building it was a tenth of an unchanged re-check's CPU).
@functools.lru_cache(maxsize=64)
def _one_statement_sql(change_names: tuple[str, ...], quote_count: int) -> str:
    quote_name = connection.ops.quote_name
    check_fields, quote_fields = _written_fields()
    run = QuoteCheck._meta.get_field("check_run")

    def columns(fields) -> str:
        return ", ".join(quote_name(f.column) for f in fields)

    def slots(fields) -> str:
        # Cast, so that rows in a VALUES list carry their columns' types; but a varchar(n) cast would
        # cut an over-long value silently, where text is checked on assignment and raises as the ORM does.
        return "(" + ", ".join(f"%s::{_VARCHAR_N.sub('text', f.db_type(connection))}" for f in fields) + ")"

    new_quotes = _NEW_QUOTES.format(
        quotes=quote_name(QuoteCheck._meta.db_table),
        columns=columns([run, *quote_fields]),
        rows=", ".join(slots(quote_fields) for _ in range(quote_count)),
    )
    return _ONE_STATEMENT.format(
        checks=quote_name(SourceCheck._meta.db_table),
        columns=columns(check_fields),
        values=slots(check_fields),
        new_quotes=new_quotes if quote_count else "",
        sources=quote_name(Source._meta.db_table),
        assignments=", ".join(
            f"{quote_name(Source._meta.get_field(name).column)} = %s" for name in change_names
        ),
        pk=quote_name(Source._meta.pk.column),
    )


def _next_state(
    source: Source, *, result: FetchResult, evaluation: _Evaluation, now: datetime, release: bool
) -> dict:
    """The source's fields after this check: health, schedule, validators, lease."""
    health = next_health(
        Health(source.liveness, source.strikes, source.first_strike_at, source.last_strike_at),
        outcome=evaluation.outcome,
        transient=result.transient,
        at=now,
        strike_interval=timedelta(seconds=settings.SOURCE_DEAD_STRIKE_INTERVAL),
    )
    changes = {
        "liveness": health.liveness,
        "strikes": health.strikes,
        "first_strike_at": health.first_strike_at,
        "last_strike_at": health.last_strike_at,
        "last_outcome": evaluation.outcome,
        "last_checked_at": now,
    }
    # The schedule depends on the new liveness, and on the citation facts read with the locked row.
    scheduled = copy.copy(source)
    scheduled.liveness = health.liveness
    changes["next_check_at"] = next_check_at(scheduled, now=now)
    if evaluation.quotes or evaluation.content_sha256:
        changes["quotes_missing"] = sum(m.result == vocab.QuoteResult.MISSING for _, m in evaluation.quotes)
    if evaluation.body_sha256 and evaluation.outcome != vocab.CheckOutcome.SOFT_404:
        # Validators describe the body just compared; a soft 404's must not earn a 304 ("live") later.
        changes["etag"] = (result.etag or "")[:SHORT_TEXT_MAX]
        changes["last_modified"] = (result.last_modified or "")[:64]
    if release:
        changes["lease_token"] = ""
        changes["lease_expires_at"] = None
    return changes


def _capture(source: Source, evaluation: _Evaluation, changes: dict) -> None:
    """First readable fetch: the text becomes the baseline and blank metadata is filled (with history)."""
    for name, value in changes.items():
        setattr(source, name, value)
    source.baseline_text = evaluation.text
    source.baseline_sha256 = evaluation.content_sha256
    filled = fill_metadata(source, evaluation.metadata)
    source.save(update_fields=[*changes, "baseline_text", "baseline_sha256", *filled])


# Checks whose body is the document itself; a soft 404's body is an error page, never a baseline.
DOCUMENT_OUTCOMES = (
    vocab.CheckOutcome.OK,
    vocab.CheckOutcome.MOVED,
    vocab.CheckOutcome.CHANGED,
    vocab.CheckOutcome.QUOTE_MISSING,
)


def latest_capture(source: Source) -> SourceCheck | None:
    """The newest check that stored the document's body: exactly what accepting a baseline adopts."""
    return (
        source.checks.filter(outcome__in=DOCUMENT_OUTCOMES)
        .exclude(body_sha256="")
        .order_by("-checked_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class CaptureDiff:
    """What the source page shows of the latest capture against the baseline, read from storage."""

    capture: SourceCheck | None
    diff: TextDiff = field(default_factory=TextDiff)
    unavailable: str = ""  # no_capture, body_missing, not_stored or older_baseline
    offers_new_baseline: bool = False


def latest_capture_diff(source: Source) -> CaptureDiff:
    capture = latest_capture(source)
    if capture is None:
        return CaptureDiff(None, unavailable="no_capture")
    # Accepting adopts this capture: worth offering when it differs, or when the source is flagged changed.
    differs = capture.content_sha256 != source.baseline_sha256
    offers = differs or source.liveness == vocab.Liveness.CHANGED
    if not evidence.body_path(capture.body_sha256).exists():
        return CaptureDiff(capture, unavailable="body_missing", offers_new_baseline=offers)
    if not differs:
        return CaptureDiff(capture, offers_new_baseline=offers)
    stored = capture.text_diff
    if stored is None:  # captured before diffs were stored
        return CaptureDiff(capture, unavailable="not_stored", offers_new_baseline=offers)
    if stored["baseline_sha256"] != source.baseline_sha256:
        return CaptureDiff(capture, unavailable="older_baseline", offers_new_baseline=offers)
    return CaptureDiff(capture, TextDiff.from_json(stored), offers_new_baseline=offers)


def captured_text(check: SourceCheck) -> str:
    """The main text of a stored body, extracted again the way the check extracted it."""
    return extract_text(evidence.load_body(check.body_sha256), check.content_type)


@transaction.atomic
def accept_source_baseline(*, source_id: int, by: AbstractBaseUser) -> Source:
    """An editor accepts the latest capture as the new baseline; a changed source becomes live again."""
    if not policies.may_tend_source(by):
        raise PermissionDenied("Only editors can accept a new baseline for a source.")
    try:
        source = Source.objects.select_for_update().get(pk=source_id)
    except Source.DoesNotExist:
        raise Source.DoesNotExist(f"No source with id {source_id}.") from None
    latest = latest_capture(source)
    if latest is None:
        raise ValidationError("This source has no capture of the document yet: check it first.")
    text = captured_text(latest)
    before = projection.source_state(liveness=source.liveness, quotes_missing=source.quotes_missing)
    source.baseline_text = text
    source.baseline_sha256 = content_hash(text)
    fields = ["baseline_text", "baseline_sha256"]
    # Accepting content does not prove a dead or struck source is back: only a successful check does.
    if source.liveness == vocab.Liveness.CHANGED:
        source.liveness = vocab.Liveness.LIVE
        fields.append("liveness")
    source._history_user = by
    source.save(update_fields=fields)
    after = projection.source_state(liveness=source.liveness, quotes_missing=source.quotes_missing)
    projection.record_source_health(source_id=source.pk, before=before, after=after)
    return source
