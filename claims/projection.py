"""What a write leaves behind: the claim document (the read model), search text, version and feed event.

Services call record() (or record_new()) once at the end of each write, inside its transaction.
Readers get documents from current_representations(). ClaimVersion stays the immutable audit record;
the document is the current claim in the current shape, and can be rebuilt from the rows at any time.

When the shape changes (represent_claim gains, loses or renames a key): bump SCHEMA_VERSION and add a
data migration that runs rebuild_documents(outdated_only=True). Until it has run, outdated documents
are built from the rows when read, so no reader ever gets the old shape.
"""

import functools
from collections.abc import Iterable

import orjson
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone, translation

from claims import changes, lineage, schema, vocab
from claims.models import (
    Actor,
    AttributionHop,
    Claim,
    ClaimDocument,
    ClaimVersion,
    FeedEvent,
    Source,
    Webhook,
    WebhookDelivery,
    load,
)
from claims.representation import LineageIndex, iso, represent_claim, represent_source_health
from claims.tasks import deliver_webhook_task

SCHEMA_VERSION = 4

# Any constant works: it only has to be the same for every writer of the feed.
FEED_LOCK_ID = 0x43_4C_41_49_4D  # "CLAIM"


@functools.cache
def _label_words(field_name: str, value: str) -> tuple[str, ...]:
    """A choice's label in every language the interface speaks."""
    label = dict(Claim._meta.get_field(field_name).flatchoices)[value]
    words = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words.append(str(label))
    return tuple(dict.fromkeys(words))


def search_text(claim: Claim, hops: Iterable, actors: Iterable[Actor | None]) -> str:
    """Statement, quotes, descriptors, category and stage labels in every language, actor names
    and aliases in one text; hops may be rows or HopData."""
    parts = [getattr(claim, field.attname) for field in schema.SEARCHED]
    for field in schema.SEARCHED_BY_LABEL:
        if value := getattr(claim, field.attname):
            parts += _label_words(field.name, value)
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


def _append_feed_event(
    *, event_type: str, payload: dict, claim: Claim | None = None, source: Source | None = None
) -> None:
    if connection.vendor == "postgresql":
        # Held until commit, so sequence numbers are handed out in commit order and a reader that
        # has seen seq N can never later find an N-1 committed behind its back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_ID])
    event = FeedEvent.objects.create(
        claim=claim,
        source=source,
        type=event_type,
        version=claim.version if claim is not None else None,
        payload=payload,
    )
    _enqueue_deliveries(event)


def _enqueue_deliveries(event: FeedEvent) -> None:
    """One delivery per active webhook that asked for this event type, sent once the write commits."""
    # Filtered in Python: SQLite has no JSON "contains" lookup, and webhooks are few.
    webhooks = [hook for hook in Webhook.objects.filter(active=True) if event.type in hook.event_types]
    if not webhooks:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=hook, event=event) for hook in webhooks]
    )
    for delivery in deliveries:
        deliver_webhook_task.delay_on_commit(delivery.pk)


def lineage_index(claim_ids: Iterable[int]) -> LineageIndex:
    """The lineages of these claims, read in a fixed number of queries: one for their hops, then one
    per generation of actors (speakers, affiliations and their ancestors)."""
    claim_ids = set(claim_ids)
    hops: dict[int, list[lineage.ChainHop]] = {claim_id: [] for claim_id in claim_ids}
    names: dict[lineage.Key, str] = {}
    rows = AttributionHop.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "position", "speaker_id", "affiliation_id", "descriptor", "source_id", "source__url"
    )
    for claim_id, position, speaker_id, affiliation_id, descriptor, source_id, url in rows:
        hops[claim_id].append(lineage.ChainHop(position, speaker_id, affiliation_id, descriptor, source_id))
        if source_id is not None:
            names[("source", source_id)] = url
    actor_ids = {
        hop_id for chain in hops.values() for hop in chain for hop_id in (hop.speaker_id, hop.affiliation_id)
    }
    actors = Actor.objects.ancestry(actor_ids - {None})
    parents = {pk: parent for pk, (parent, _name) in actors.items()}
    names |= {("actor", pk): name for pk, (_parent, name) in actors.items()}
    return LineageIndex(
        {claim_id: lineage.lineage_of(chain, parents) for claim_id, chain in hops.items()}, names
    )


def related_ids(claims: Iterable[Claim]) -> set[int]:
    """These claims and the claims related to them, for claims loaded with_details()."""
    ids = set()
    for claim in claims:
        ids.add(claim.pk)
        ids.update(rel.to_claim_id for rel in claim.relations_out.all())
        ids.update(rel.from_claim_id for rel in claim.relations_in.all())
    return ids


def represent_claims(claims: list[Claim]) -> list[dict]:
    """represent_claim() for claims loaded with_details(), their lineages read once for all."""
    index = lineage_index(related_ids(claims))
    return [represent_claim(claim, index) for claim in claims]


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
    change: dict,
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
    body = represent_claims([fresh])[0]
    _store_documents([_document(fresh, body)])
    ClaimVersion.objects.create(
        claim=claim,
        version=fresh.version,
        snapshot=body,
        change=changes.code(change),
        change_data=change,
        changed_by=by,
    )
    if event_type is None and fresh.status == vocab.Status.PUBLISHED:
        event_type = vocab.FeedEventType.UPDATED
    if event_type is not None:
        _append_feed_event(claim=fresh, event_type=event_type, payload=event_payload or body)
    return body


def source_state(*, liveness: str, quotes_missing: int) -> str:
    """A source's health as the feed speaks of it: the event type of that state, or "" for states a
    reader need not act on yet (unchecked, degraded, suspect)."""
    if liveness == vocab.Liveness.DEAD:
        return vocab.FeedEventType.SOURCE_DEAD
    if quotes_missing:
        return vocab.FeedEventType.SOURCE_QUOTE_MISSING
    if liveness == vocab.Liveness.CHANGED:
        return vocab.FeedEventType.SOURCE_CHANGED
    if liveness == vocab.Liveness.LIVE:
        return vocab.FeedEventType.SOURCE_RECOVERED
    return ""


def record_source_health(*, source_id: int, before: str, after: str) -> None:
    """The feed event a source's new health leaves behind, if it is news; call inside the write.

    `before` and `after` are source_state() values. Entering dead, quote missing or changed is an
    event; so is returning to live from one of those (recovered). A source no public claim cites
    emits nothing: its address alone would reveal what the newsroom is working on.
    """
    if after == before or not after:
        return
    if after == vocab.FeedEventType.SOURCE_RECOVERED and not before:
        return  # the first capture, or back from a transient failure nobody was told about
    cited_by = [
        str(uuid)
        for uuid in Claim.objects.public()
        .filter(hops__source_id=source_id)
        .order_by("pk")
        .values_list("uuid", flat=True)
        .distinct()
    ]
    if not cited_by:
        return
    source = Source.objects.get(pk=source_id)
    _append_feed_event(event_type=after, source=source, payload=represent_source_health(source, cited_by))


def record_new(written: list[tuple[Claim, list, list, list]], *, by: AbstractBaseUser, change: dict) -> None:
    """record() for many drafts built in memory, as (claim, hops, route, participants) with ids and
    related objects set: the same represent_claim, fed from memory instead of reading the rows back."""
    bodies = []
    for claim, hops, route, participants in written:
        # What with_details() would have prefetched; a new claim has no relations yet.
        claim._prefetched_objects_cache = {
            "hops": sorted(hops, key=lambda hop: hop.position),
            "route": sorted(route, key=lambda stop: stop.position),
            "participants": sorted(participants, key=lambda actor: actor.name),
            "relations_out": [],
            "relations_in": [],
        }
        bodies.append((claim, represent_claim(claim)))
        del claim._prefetched_objects_cache  # the caller's claim reads its rows again, as any claim does
    load(ClaimDocument, [_document(claim, body) for claim, body in bodies])
    _insert_first_versions([claim.pk for claim, _body in bodies], by=by, change=change)


# Claims per statement copying first versions: SQLite allows 32 766 parameters, PostgreSQL 65 535.
VERSION_COPY_SLICE = 10_000


def _insert_first_versions(claim_ids: list[int], *, by: AbstractBaseUser, change: dict) -> None:
    """Each new claim's version 1, its snapshot the document just stored, copied by the database (a
    statement per slice of claims) instead of sent and parsed a second time."""
    fields = {field.name: field for field in ClaimVersion._meta.concrete_fields}
    given = {
        "change": changes.code(change),
        "change_data": change,
        "changed_by": by.pk,
        "changed_at": timezone.now(),
    }
    quote = connection.ops.quote_name
    claims, documents = quote(Claim._meta.db_table), quote(ClaimDocument._meta.db_table)
    columns = ", ".join(quote(fields[name].column) for name in ("claim", "version", "snapshot", *given))
    params = [fields[name].get_db_prep_value(value, connection) for name, value in given.items()]
    # A parameter per claim: in slices, under every database's cap on a statement's parameters.
    with connection.cursor() as cursor:
        for start in range(0, len(claim_ids), VERSION_COPY_SLICE):
            chunk = claim_ids[start : start + VERSION_COPY_SLICE]
            placeholders = ", ".join(["%s"] * len(chunk))
            # Table and column names from _meta; every value a parameter.
            select = (
                f"SELECT d.claim_id, c.version, d.body, %s, %s, %s, %s FROM {documents} d"  # noqa: S608
                f" JOIN {claims} c ON c.id = d.claim_id WHERE d.claim_id IN ({placeholders})"
                " ORDER BY d.claim_id"
            )
            cursor.execute(
                f"INSERT INTO {quote(ClaimVersion._meta.db_table)} ({columns}) {select}", [*params, *chunk]
            )


def refresh_documents(claim_ids: Iterable[int], *, batch_size: int = 500) -> None:
    """Rewrite the documents of claims whose related claims' lineage moved (their hops or an actor's
    parent changed): what they show of it is derived, so no new version; call inside the write."""
    ids = sorted(set(claim_ids))
    for start in range(0, len(ids), batch_size):
        # A claim another writer holds is skipped, not waited for (two edits of related claims would
        # otherwise lock each other): that writer projects it; a rebuild mends the rare stale lineage.
        batch = list(
            Claim.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids[start : start + batch_size])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        loaded = list(Claim.objects.with_details().filter(pk__in=batch))
        _store_documents(
            [_document(claim, body) for claim, body in zip(loaded, represent_claims(loaded), strict=True)]
        )


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
            loaded = list(Claim.objects.with_details().filter(pk__in=ids))
            _store_documents(
                [_document(claim, body) for claim, body in zip(loaded, represent_claims(loaded), strict=True)]
            )
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
    or in an older shape (before its rebuild migration ran) is built from the rows instead. Of each of
    `claims`, a Claim or a row naming one, only its id is read.
    """
    # As text, parsed by orjson: several times faster than the JSON field's own decoding.
    stored = dict(
        ClaimDocument.objects.filter(
            claim_id__in=[claim.id for claim in claims], schema_version=SCHEMA_VERSION
        ).values_list("claim_id", Cast("body", TextField()))
    )
    bodies = {pk: orjson.loads(text) for pk, text in stored.items()}
    if missing := [claim.id for claim in claims if claim.id not in bodies]:
        loaded = list(Claim.objects.with_details().filter(pk__in=missing))
        bodies |= {claim.pk: body for claim, body in zip(loaded, represent_claims(loaded), strict=True)}
    documents = [bodies[claim.id] for claim in claims]
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


# current_representations() in SQL, for PostgreSQL: the page's own query writes each document as JSON
# text, with actors and source health as they are now, ready to be written into a response unparsed.
# The text is spliced, not rebuilt: the keys read afresh first, then the stored document without them
# as PostgreSQL writes it (merging them into the jsonb with `||` and writing that out cost the server
# half as much CPU again). `{body}` is the stored document, decompressed once (current_document_json).


def _json_array(element: str, elements: str) -> str:
    """JSON text of an array: `element` (JSON text of `e.v`, `e.i` its place) for each of `elements`."""
    return (
        f"(SELECT '[' || coalesce(string_agg({element}, ', ' ORDER BY e.i), '') || ']'"  # noqa: S608 (fixed fragments)
        f" FROM jsonb_array_elements({elements}) WITH ORDINALITY e(v, i))"
    )


def _json_object(fresh: dict[str, str], stored: str) -> str:
    """JSON text of an object: the `fresh` keys (SQL writing their JSON text), then the jsonb `stored`
    without them."""
    keys = ", ".join(f"'{key}'" for key in fresh)
    written = " || ', ' || ".join(f"'\"{key}\": ' || {value}" for key, value in fresh.items())
    rest = f"substr(({stored} - ARRAY[{keys}]::text[])::text, 2)"  # its text without the opening brace
    return f"('{{' || {written} || coalesce(', ' || nullif({rest}, '}}'), '}}'))"


def _actor(slot: str) -> str:
    """The actor in `slot` as it is now; the stored object if it has since been deleted."""
    return (
        "coalesce((SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country)"  # noqa: S608 (a table name, fixed fragments)
        f"::text FROM {Actor._meta.db_table} a WHERE a.id = ({slot}->>'id')::bigint), ({slot})::text, 'null')"
    )


# What iso() writes: microseconds only when there are some, and the UTC offset as +00:00.
_ISO = (
    "to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', {at}) = {at} THEN '' ELSE to_char({at} AT TIME ZONE 'UTC', '.US') END"
    " || '+00:00'"
)
# One lookup by primary key per source: a join would let the planner hash the whole table per document.
_SOURCE = (
    "coalesce((SELECT json_build_object('id', s.id, 'url', s.url, 'liveness', s.liveness,"  # noqa: S608 (a table name)
    f" 'last_checked_at', {_ISO.format(at='s.last_checked_at')})::text"
    f" FROM {Source._meta.db_table} s WHERE s.id = (e.v->>'id')::bigint), e.v::text)"
)


@functools.cache
def _current_document(relations: str | None) -> str:
    """JSON text of the current document; `relations`, when given, replaces the stored relations."""
    hop = _json_object(
        {"speaker": _actor("e.v->'speaker'"), "affiliation": _actor("e.v->'affiliation'")}, "e.v"
    )
    fresh = {
        "supplier": _actor("{body}->'supplier'"),
        "recipient": _actor("{body}->'recipient'"),
        # Each array in its own subquery, so their rows (all named e) never meet.
        "participants": _json_array(_actor("e.v"), "{body}->'participants'"),
        "hops": _json_array(hop, "{body}->'hops'"),
        "sources": _json_array(_SOURCE, "{body}->'sources'"),
    }
    if relations is not None:
        fresh["relations"] = relations
    return _json_object(fresh, "{body}")


def current_document_json(*, relations: tuple[str, list] | None = None) -> RawSQL | None:
    """An annotation of claims (a query naming them by their table): their current document as JSON
    text, as current_representations() builds it; NULL where the document is missing or in an older
    shape, None off PostgreSQL (use the former). SQL rather than a Subquery: Django resolving and
    compiling that took a tenth of a list page's time.

    `relations`, an SQL expression of `{body}` writing a JSON array, and its parameters, replaces the
    stored relations."""
    if connection.vendor != "postgresql":
        return None
    sql, params = (
        (_current_document(relations[0]), relations[1]) if relations else (_current_document(None), [])
    )
    # The stored body is compressed, and each use of the column would decompress it again: `|| '{}'`
    # returns it decompressed, and OFFSET 0 keeps the planner from copying that into every use.
    body = "(SELECT cd.body || '{}'::jsonb AS body OFFSET 0) d"
    document = f"(SELECT {sql.replace('{body}', 'd.body')} FROM {body})"  # noqa: S608 (fixed fragments)
    return RawSQL(  # noqa: S611 (table names and fixed fragments; the parameters are bound)
        f"(SELECT {document} FROM {ClaimDocument._meta.db_table} cd"  # noqa: S608
        f" WHERE cd.claim_id = {Claim._meta.db_table}.id AND cd.schema_version = %s)",
        [*params, SCHEMA_VERSION],
        output_field=TextField(),
    )
