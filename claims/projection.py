"""What a write leaves behind: the claim document (the read model), search text, version and feed event.

Services call record() (or record_many()) once at the end of each write, inside its transaction.
Readers get documents from current_representations(). ClaimVersion stays the immutable audit record;
the document is the current claim in the current shape, and can be rebuilt from the rows at any time.

When the shape changes (represent_claim gains, loses or renames a key): bump SCHEMA_VERSION and add a
data migration that runs rebuild_documents(outdated_only=True). Until it has run, outdated documents
are built from the rows when read, so no reader ever gets the old shape.
"""

from collections.abc import Iterable

import orjson
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Func, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from claims import schema, vocab
from claims.models import Actor, Claim, ClaimDocument, ClaimVersion, FeedEvent, Source
from claims.representation import iso, represent_claim

SCHEMA_VERSION = 2

# Any constant works: it only has to be the same for every writer of the feed.
FEED_LOCK_ID = 0x43_4C_41_49_4D  # "CLAIM"


def search_text(claim: Claim, hops: Iterable, actors: Iterable[Actor | None]) -> str:
    """Statement, quotes, descriptors and actor names in one text; hops may be rows or HopData."""
    parts = [getattr(claim, field.attname) for field in schema.SEARCHED]
    for hop in hops:
        parts += [hop.descriptor, hop.role, hop.quote, hop.translation]
    for actor in filter(None, actors):
        parts += [actor.name, *actor.aliases]
    return "\n".join(part for part in parts if part)


def search_document(claim: Claim) -> str:
    """The search text of a claim loaded with its hops, participants and actors."""
    hops = list(claim.hops.all())
    speakers = [actor for hop in hops for actor in (hop.speaker, hop.affiliation)]
    return search_text(claim, hops, [claim.supplier, claim.recipient, *claim.participants.all(), *speakers])


def _append_feed_event(*, claim: Claim, event_type: str, payload: dict) -> None:
    if connection.vendor == "postgresql":
        # Held until commit, so sequence numbers are handed out in commit order and a reader that
        # has seen seq N can never later find an N-1 committed behind its back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_ID])
    FeedEvent.objects.create(claim=claim, type=event_type, version=claim.version, payload=payload)


def _document(claim: Claim, body: dict) -> ClaimDocument:
    return ClaimDocument(claim=claim, schema_version=SCHEMA_VERSION, body=body, updated_at=timezone.now())


def _store_documents(documents: list[ClaimDocument]) -> None:
    ClaimDocument.objects.bulk_create(
        documents,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["claim"],
        update_fields=["schema_version", "body", "updated_at"],
    )


def record(
    claim: Claim,
    *,
    by: AbstractBaseUser,
    change: str,
    event_type: str | None = None,
    event_payload: dict | None = None,
) -> dict:
    """Project a claim that has just moved to a new version; returns its document.

    The document and the version snapshot are the same dict. The feed event carries it too (what was
    published at that seq), or the caller's payload (a retraction's tombstone); updates of a
    published claim reach the feed without the caller asking.
    """
    fresh = Claim.objects.with_details().get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(search_document=search_document(fresh))
    body = represent_claim(fresh)
    _store_documents([_document(fresh, body)])
    ClaimVersion.objects.create(
        claim=claim, version=fresh.version, snapshot=body, change=change, changed_by=by
    )
    if event_type is None and fresh.status == vocab.Status.PUBLISHED:
        event_type = vocab.FeedEventType.UPDATED
    if event_type is not None:
        _append_feed_event(claim=fresh, event_type=event_type, payload=event_payload or body)
    return body


def record_many(claims: list[Claim], *, by: AbstractBaseUser, change: str) -> None:
    """record() for drafts written in bulk (their search text went in with the rows): no feed event."""
    loaded = list(Claim.objects.with_details().filter(pk__in=[claim.pk for claim in claims]))
    bodies = [(claim, represent_claim(claim)) for claim in loaded]
    ClaimVersion.objects.bulk_create(
        [
            ClaimVersion(claim=claim, version=claim.version, snapshot=body, change=change, changed_by=by)
            for claim, body in bodies
        ],
        batch_size=500,
    )
    _store_documents([_document(claim, body) for claim, body in bodies])


def rebuild_documents(*, outdated_only: bool = False, batch_size: int = 500) -> int:
    """Rebuild claim documents from the rows, a batch per transaction; returns how many were written.

    Idempotent. Each batch locks its claims first, so a write committing meanwhile cannot be
    overwritten by a document built from the rows as they were before it.
    """
    claims = Claim.objects.order_by("pk")
    if outdated_only:
        claims = claims.filter(Q(document__isnull=True) | Q(document__schema_version__lt=SCHEMA_VERSION))
    written, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(claims.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return written
            list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
            loaded = Claim.objects.with_details().filter(pk__in=ids)
            _store_documents([_document(claim, represent_claim(claim)) for claim in loaded])
        written += len(ids)
        after = ids[-1]


def _actor_slots(document: dict):
    """Every place an actor appears in a claim document, as (container, key) pairs."""
    for key in ("supplier", "recipient"):
        yield document, key
    yield from ((document["participants"], index) for index in range(len(document["participants"])))
    for hop in document["hops"]:
        yield hop, "speaker"
        yield hop, "affiliation"


def current_representations(claims: list[Claim]) -> list[dict]:
    """Each claim's document, with actors and source health as they are now.

    Every write rewrites the document, so only what changes without a new version (an actor renamed,
    a source re-checked) is read afresh: three queries for any number of claims. A document missing
    or in an older shape (before its rebuild migration ran) is built from the rows instead.
    """
    # As text, parsed by orjson: several times faster than the JSON field's own decoding.
    stored = dict(
        ClaimDocument.objects.filter(
            claim_id__in=[claim.pk for claim in claims], schema_version=SCHEMA_VERSION
        ).values_list("claim_id", Cast("body", TextField()))
    )
    bodies = {pk: orjson.loads(text) for pk, text in stored.items()}
    if missing := [claim.pk for claim in claims if claim.pk not in bodies]:
        bodies |= {
            claim.pk: represent_claim(claim) for claim in Claim.objects.with_details().filter(pk__in=missing)
        }
    documents = [bodies[claim.pk] for claim in claims]
    actor_ids = {
        slot[key]["id"] for document in documents for slot, key in _actor_slots(document) if slot[key]
    }
    source_ids = {source["id"] for document in documents for source in document["sources"]}
    actors = {
        row["id"]: row
        for row in Actor.objects.filter(id__in=actor_ids).values("id", "name", "kind", "country")
    }
    sources = {
        row["id"]: {**row, "last_checked_at": iso(row["last_checked_at"])}
        for row in Source.objects.filter(id__in=source_ids).values("id", "url", "liveness", "last_checked_at")
    }
    for document in documents:
        for slot, key in _actor_slots(document):
            if slot[key]:
                # A participant's actor may since have been deleted: the stored name then stands.
                slot[key] = actors.get(slot[key]["id"], slot[key])
        document["sources"] = [sources[source["id"]] for source in document["sources"]]
    return documents


# current_representations() in SQL, for PostgreSQL: the page's own query returns each document as JSON
# text, with actors and source health as they are now, ready to be written into a response unparsed.
# {body} is the stored document; `relations` may replace its relations (see selectors).
_ACTOR = (
    "coalesce((SELECT jsonb_build_object('id', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country)"
    " FROM {actors} a WHERE a.id = ({slot}->>'id')::bigint), {slot})"
)
# What iso() writes: microseconds only when there are some, and the UTC offset as +00:00.
_ISO = (
    "to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', {at}) = {at} THEN '' ELSE to_char({at} AT TIME ZONE 'UTC', '.US') END"
    " || '+00:00'"
)
# One lookup by primary key per source: a join would let the planner hash the whole table per document.
_SOURCE = (
    "coalesce((SELECT jsonb_build_object('id', s.id, 'url', s.url, 'liveness', s.liveness,"
    " 'last_checked_at', {checked}) FROM {sources} s WHERE s.id = (e.v->>'id')::bigint), e.v)"
)
_CURRENT_DOCUMENT = """{{body}} || jsonb_build_object(
  'supplier', {supplier},
  'recipient', {recipient},
  'participants', (SELECT coalesce(jsonb_agg({participant} ORDER BY p.i), '[]'::jsonb)
                   FROM jsonb_array_elements({{body}}->'participants') WITH ORDINALITY p(v, i)),
  'hops', (SELECT coalesce(jsonb_agg(h.v || jsonb_build_object('speaker', {speaker},
                                                               'affiliation', {affiliation})
                                     ORDER BY h.i), '[]'::jsonb)
           FROM jsonb_array_elements({{body}}->'hops') WITH ORDINALITY h(v, i)),
  'sources', (SELECT coalesce(jsonb_agg({source} ORDER BY e.i), '[]'::jsonb)
              FROM jsonb_array_elements({{body}}->'sources') WITH ORDINALITY e(v, i)){{relations}}
)""".format(  # noqa: S608 (table names and fixed fragments: nothing from a request)
    supplier=_ACTOR.format(actors=Actor._meta.db_table, slot="{body}->'supplier'"),
    recipient=_ACTOR.format(actors=Actor._meta.db_table, slot="{body}->'recipient'"),
    participant=_ACTOR.format(actors=Actor._meta.db_table, slot="p.v"),
    speaker=_ACTOR.format(actors=Actor._meta.db_table, slot="(h.v->'speaker')"),
    affiliation=_ACTOR.format(actors=Actor._meta.db_table, slot="(h.v->'affiliation')"),
    source=_SOURCE.format(checked=_ISO.format(at="s.last_checked_at"), sources=Source._meta.db_table),
)


class _CurrentDocument(Func):
    """_CURRENT_DOCUMENT over a document's body column, as the surrounding query names it."""

    output_field = TextField()

    def __init__(self, sql: str, params: list):
        super().__init__(F("body"))
        self.sql, self.sql_params = sql, params

    def as_sql(self, compiler, connection, **extra):
        body, body_params = compiler.compile(self.source_expressions[0])
        assert not body_params  # a column: the parameters below are all there is
        return f"({self.sql.replace('{body}', body)})::text", list(self.sql_params)


def current_document_json(*, relations: tuple[str, list] | None = None) -> Subquery | None:
    """An annotation of claims: their current document as JSON text, as current_representations() builds
    it; NULL where the document is missing or in an older shape, None off PostgreSQL (use the former).

    `relations`, an SQL expression of `{body}` and its parameters, replaces the stored relations."""
    if connection.vendor != "postgresql":
        return None
    added, params = (f",\n  'relations', {relations[0]}", relations[1]) if relations else ("", [])
    document = _CurrentDocument(_CURRENT_DOCUMENT.replace("{relations}", added), params)
    documents = ClaimDocument.objects.filter(claim_id=OuterRef("pk"), schema_version=SCHEMA_VERSION)
    return Subquery(documents.annotate(json=document).values("json"))
