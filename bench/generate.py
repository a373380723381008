"""Deterministic synthetic claims loaded into PostgreSQL with COPY (python -m bench.generate --claims N).

Fast enough for the 1M tier (`generator_rows_per_s`): rows are written as large COPY text buffers, a
chunk of claims at a time; each claim's document is filled into a template the application's own
`represent_claim` rendered (tests/bench/test_generate.py proves the result equals the projection's);
versions and feed events are copied from the documents inside the server; secondary indexes are built
once after the load instead of row by row, and foreign keys, correct by construction, are not
re-checked row by row.
"""

import argparse
import bisect
import functools
import itertools
import multiprocessing
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import django
import orjson

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from claims import schema, vocab  # noqa: E402
from claims.models import Actor, Assessment, AttributionHop, Claim, RouteStop, Source  # noqa: E402
from claims.projection import SCHEMA_VERSION, search_text  # noqa: E402
from claims.representation import represent_claim  # noqa: E402

# Bump whenever the data written changes: it keys the cached dumps (bench/cache.py).
GENERATOR_VERSION = 3
SEED = 20231001
ACTORS = 400
HOSTS = 100
VOCABULARY = 5000
CHUNK = 5_000  # claims per round of COPYs: bounds the generator's memory at any tier
WORKERS = os.cpu_count() or 2  # loading connections (and processes) at once
# Planted words of known selectivity, for the search benchmark.
SELECTIVE, MEDIUM, BROAD = "zanzibarite", "quillotine", "brassworth"
COUNTRIES = ["RU", "KP", "CN", "US", "KR", "GB", "IR", "UA", "FR", "DE", "IT", "TR", "IL", "IN", "PK", "SY"]
BASE_DAY = date(2015, 1, 1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# Not generated: django-simple-history rows (one per row and change in real use). No measured path reads
# them; each claim gets its first ClaimVersion snapshot, its document and, when public, its feed event.
TABLES = [
    "claims_feedevent",
    "claims_assessment",
    "claims_routestop",
    "claims_attributionhop",
    "claims_claim_participants",
    "claims_claimversion",
    "claims_claimdocument",
    "claims_statuschange",
    "claims_claimrelation",
    "claims_quotecheck",
    "claims_sourcecheck",
    "claims_claim",
    "claims_source",
    "claims_actor",
]
LOADED = ["claims_actor", "claims_source", "claims_claim", "claims_attributionhop", "claims_routestop",
          "claims_assessment", "claims_claimdocument", "claims_claimversion", "claims_feedevent"]  # fmt: skip


class Zipf:
    """Draw indexes 0..n-1 with probability ∝ 1/(k+1)^s, reproducibly."""

    def __init__(self, n: int, rng: random.Random, s: float = 1.1):
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))

    def draw(self) -> int:
        return bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])


def syllable_words(count: int, rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ter",
        "van",
        "sol",
        "dri",
        "po",
        "nex",
        "ul",
        "gra",
        "fen",
        "ros",
        "bi",
        "tal",
    ]
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass
class Loaded:
    claims: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def actor_country(actor_id: int) -> str:
    return COUNTRIES[actor_id % len(COUNTRIES)]


def actor_kind(actor_id: int) -> str:
    return "state" if actor_id <= len(COUNTRIES) else "company"


def source_url(source_id: int, host: int) -> str:
    return f"https://news{host}.example.org/{source_id}"


def source_hosts(sources: int) -> list[int]:
    """Each source's host (index 0 unused), Zipf-distributed: a few hosts carry most sources."""
    host_zipf = Zipf(HOSTS, random.Random(SEED + 1))
    return [0] + [host_zipf.draw() for _ in range(sources)]


def source_count(claims: int) -> int:
    return claims // 2 + 1


def _bench_user() -> User:
    user, created = User.objects.get_or_create(username="bench-editor")
    if created:
        user.groups.add(Group.objects.get(name="reviewer"))
    return user


@functools.cache
def vocabulary() -> list[str]:
    return syllable_words(VOCABULARY, random.Random(SEED))


def chunks(claims: int) -> list[tuple[int, int]]:
    """(first, last) claim ids of each chunk: the unit of work of a load worker."""
    return [(first, min(first + CHUNK - 1, claims)) for first in range(1, claims + 1, CHUNK)]


def claim_rows(claims: int, first: int, last: int, user_id: int):
    """The varying values of claims first..last; a chunk draws from its own seed, so the same claims
    come out whichever worker loads it."""
    rng = random.Random(SEED * 10_000_000 + first)
    actor_zipf, word_zipf = Zipf(ACTORS, rng), Zipf(VOCABULARY, rng)
    words = vocabulary()
    statuses = (
        [vocab.Status.PUBLISHED] * 16 + [vocab.Status.IN_REVIEW] * 2 + [vocab.Status.DRAFT, "retracted"]
    )
    statuses = [str(status) for status in statuses]
    categories, stages = vocab.ItemCategory.values, vocab.Stage.values
    sources = source_count(claims)
    for claim_id in range(first, last + 1):
        supplier = actor_zipf.draw() + 1
        recipient = actor_zipf.draw() + 1
        if recipient == supplier:
            recipient = supplier % ACTORS + 1
        text = [words[word_zipf.draw()] for _ in range(rng.randint(6, 14))]
        if claim_id % max(claims // 10, 1) == 0:
            text.append(SELECTIVE)
        if claim_id % 100 == 7:
            text.append(MEDIUM)
        if claim_id % 10 == 3:
            text.append(BROAD)
        start = BASE_DAY + timedelta(days=rng.randrange(4000))
        precision = rng.choice(["day", "month", "approximate", "unknown"])
        end = start + timedelta(days={"day": 0, "month": 27, "approximate": 60}.get(precision, 0))
        updated = NOW - timedelta(minutes=claims - claim_id)
        status = rng.choice(statuses)
        yield {
            "id": claim_id,
            "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "statement": f"Actor {supplier} supplies actor {recipient}: {' '.join(text)}."[:1000],
            "kind": "transfer",
            "item_category": rng.choice(categories),
            "item_description": " ".join(words[word_zipf.draw()] for _ in range(3)),
            "stage": rng.choice(stages),
            "supplier_id": supplier,
            "recipient_id": recipient,
            "event_start": None if precision == "unknown" else start,
            "event_end": None if precision == "unknown" else end,
            "event_precision": precision,
            "status": status,
            "updated_at": updated,
            "published_at": updated if status in ("published", "retracted") else None,
            "user_id": user_id,
            "source_id": rng.randrange(sources) + 1,
            "reliability": rng.choice("ABCDEF"),
            "credibility": rng.randint(2, 6),
            "quote": " ".join(words[word_zipf.draw()] for _ in range(12)),
            "route": rng.random() < 0.3,
        }


def _field(value) -> str:
    """A value in COPY's text format: backslash (first), tab, newline and carriage return escaped;
    None is \\N. (`replace` returns a value without the character as it is; `str.translate` would
    copy every document character by character.)"""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _line(*values) -> str:
    return "\t".join(map(_field, values)) + "\n"


class Documents:
    """Claim documents and search text in bulk, filled into what the application's code renders.

    The template is `represent_claim` of one unsaved claim wired like the generator's claims, so
    every key a generated claim leaves at its default (a column added later included) is the
    application's own; only the values that vary are set per claim.
    """

    def __init__(self, actors: dict[int, Actor], hosts: list[int]):
        self.actors = {
            pk: {"id": pk, "name": a.name, "kind": a.kind, "country": a.country} for pk, a in actors.items()
        }
        self.search_names = {pk: [a.name, *a.aliases] for pk, a in actors.items()}
        self.hosts = hosts
        sample = {"id": 1, "uuid": uuid.UUID(int=0), "statement": "", "kind": "transfer", "item_category": "other",
                  "item_description": "", "stage": "shipment", "event_start": None, "event_end": None,
                  "event_precision": "unknown", "status": "draft", "updated_at": NOW, "published_at": None,
                  "source_id": 1, "reliability": "A", "credibility": 2, "quote": "", "route": True,
                  "supplier_id": 1, "recipient_id": 2}  # fmt: skip
        self.template = represent_claim(as_instance(sample, actors, hosts))
        self.hop_templates = self.template["hops"]
        self.stop_templates = self.template["route"]
        # search_text reads the searched columns only: the claim's defaults, with its values on top.
        self.searched_defaults = {
            field.attname: field.get_default() for field in (*schema.SEARCHED, *schema.SEARCHED_BY_LABEL)
        }
        self.hop_values = [SimpleNamespace(**values) for values in _hop_values(sample, actors, None)]

    def document(self, c: dict) -> dict:
        updated = c["updated_at"].isoformat()
        published = updated if c["published_at"] is not None else None
        url = source_url(c["source_id"], self.hosts[c["source_id"]])
        first, second = self.hop_templates
        start, end = c["event_start"], c["event_end"]
        return {
            **self.template,
            "id": str(c["uuid"]),
            "statement": c["statement"],
            "kind": c["kind"],
            "item_category": c["item_category"],
            "un_register_category": vocab.un_category(item_category=c["item_category"]) or None,
            "item_description": c["item_description"],
            "stage": c["stage"],
            "supplier": self.actors[c["supplier_id"]],
            "recipient": self.actors[c["recipient_id"]],
            "event_date": {
                **self.template["event_date"],
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
                "precision": c["event_precision"],
            },
            "route": [
                {**stop, **values} for stop, values in zip(self.stop_templates, _route_values(c), strict=True)
            ]
            if c["route"]
            else [],
            "hops": [
                first,
                {**second, "speaker": self.actors[_speaker(c)], "source": url, "quote": c["quote"]},
            ],
            "assessment": {
                **self.template["assessment"],
                "reliability": c["reliability"],
                "credibility": c["credibility"],
                "assessed_at": updated,
            },
            "sources": [{**self.template["sources"][0], "id": c["source_id"], "url": url}],
            "status": c["status"],
            "created_at": updated,
            "updated_at": updated,
            "published_at": published,
        }

    def search(self, c: dict) -> str:
        claim = SimpleNamespace(
            **{
                **self.searched_defaults,
                "statement": c["statement"],
                "item_description": c["item_description"],
                "item_category": c["item_category"],
                "stage": c["stage"],
            }
        )
        first, second = self.hop_values
        hops = [first, SimpleNamespace(**{**vars(second), "quote": c["quote"]})]
        actors = [SimpleNamespace(name=name, aliases=aliases) for name, *aliases in
                  (self.search_names[pk] for pk in (c["supplier_id"], c["recipient_id"], _speaker(c)))]  # fmt: skip
        return search_text(claim, hops, actors)


def _speaker(c: dict) -> int:
    return c["recipient_id"] % ACTORS + 1


def _actors() -> dict[int, Actor]:
    return {
        i: Actor(id=i, name=f"Actor {i}", kind=actor_kind(i), country=actor_country(i), aliases=[f"alias{i}"])
        for i in range(1, ACTORS + 1)
    }


CLAIM_COLUMNS = ["id", "uuid", "statement", "kind", "place", "item_category", "item_description", "designation",
                 "stage", "stance", "modality", "negated", "quantity_qualifier", "quantity_unit", "quantity_text",
                 "event_start", "event_end", "event_precision", "status", "version", "created_at", "updated_at",
                 "published_at", "created_by_id", "updated_by_id", "current_assessment_id", "supplier_id",
                 "recipient_id", "search_document"]  # fmt: skip
HOP_COLUMNS = ["claim_id", "position", "speaker_id", "descriptor", "role", "anonymity", "source_id", "quote",
               "quote_language", "translation"]  # fmt: skip


def _chunk_buffers(rows: list[dict], documents: Documents) -> dict[str, str]:
    """One chunk of claims as COPY text, table by table."""
    claims, hops, stops, assessments, bodies = [], [], [], [], []
    first = documents.hop_values[0]
    for c in rows:
        pk, updated, user = c["id"], c["updated_at"], c["user_id"]
        claims.append(_line(pk, c["uuid"], c["statement"], c["kind"], "", c["item_category"], c["item_description"],
                            "", c["stage"], "assert", "occurred", False, "unknown", "", "", c["event_start"],
                            c["event_end"], c["event_precision"], c["status"], 1, updated, updated,
                            c["published_at"], user, user, pk, c["supplier_id"], c["recipient_id"],
                            documents.search(c)))  # fmt: skip
        hops.append(_line(pk, 0, None, first.descriptor, first.role, first.anonymity, None, "", "", ""))
        hops.append(_line(pk, 1, _speaker(c), "", "", "outlet_voice", c["source_id"], c["quote"], "en", ""))
        if c["route"]:
            for position, stop in enumerate(_route_values(c)):
                stops.append(
                    _line(pk, position, stop["role"], stop["country"], stop["region"], stop["approximate"])
                )
        assessments.append(_line(pk, pk, c["reliability"], c["credibility"], "likely", "moderate", "Synthetic.",
                                 user, updated))  # fmt: skip
        bodies.append(_line(pk, SCHEMA_VERSION, orjson.dumps(documents.document(c)).decode(), updated))
    return {
        "claims_claim": "".join(claims),
        "claims_attributionhop": "".join(hops),
        "claims_routestop": "".join(stops),
        "claims_assessment": "".join(assessments),
        "claims_claimdocument": "".join(bodies),
    }


COPY_COLUMNS = {
    "claims_claim": CLAIM_COLUMNS,
    "claims_attributionhop": HOP_COLUMNS,
    "claims_routestop": ["claim_id", "position", "role", "country", "region", "approximate"],
    "claims_assessment": ["id", "claim_id", "reliability", "credibility", "likelihood", "confidence", "rationale",
                          "assessed_by_id", "assessed_at"],
    "claims_claimdocument": ["claim_id", "schema_version", "body", "updated_at"],
}  # fmt: skip


def _copy_text(cursor, table: str, columns: list[str], text: str, *, freeze: bool = True) -> int:
    """COPY one text buffer (FREEZE: the table was emptied in this transaction)."""
    if not text:
        return 0
    with cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN{' WITH (FREEZE)' if freeze else ''}"
    ) as copy_:
        copy_.write(text)
    return text.count("\n")


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows given as tuples (the re-check benchmark's few tables)."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy_:
        for row in rows:
            copy_.write_row(row)
            count += 1
    return count


def _reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def _secondary_indexes(cursor) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the loaded tables' indexes that back no constraint, largest
    tables first."""
    cursor.execute(
        "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY pg_relation_size(i.indrelid) DESC, 1",
        [LOADED],
    )
    return cursor.fetchall()


def _bulk_session(cursor) -> None:
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        # Foreign keys are right by construction; their per-row triggers would double the load.
        cursor.execute("SET LOCAL session_replication_role = replica")


def _in_worker(task) -> int:
    """Run in a forked worker process, on a connection of its own: (function, arguments)."""
    function, arguments = task
    connection.close()  # the parent's socket is not ours: Django opens a new connection here
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _bulk_session(cursor)
            return function(cursor, *arguments)
    finally:
        connection.close()


def _load_chunks(cursor, claims: int, user_id: int, spans: list[tuple[int, int]]) -> int:
    documents = Documents(_actors(), source_hosts(source_count(claims)))
    rows = 0
    for first, last in spans:
        for table, text in _chunk_buffers(list(claim_rows(claims, first, last, user_id)), documents).items():
            rows += _copy_text(cursor, table, COPY_COLUMNS[table], text, freeze=False)
    return rows


def _statements(cursor, statements: list[tuple[str, list]]) -> int:
    rows = 0
    for sql, params in statements:
        cursor.execute(sql, params)
        rows += max(cursor.rowcount, 0)
    return rows


def _parallel(tasks: list, workers: int) -> int:
    """Each task on its own connection, `workers` at a time (PostgreSQL parses JSON and text on
    as many cores as there are connections)."""
    connection.close()
    with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
        return sum(pool.map(_in_worker, tasks, chunksize=1))


def _after_chunks(indexes: list[tuple[str, str, str]], user_id: int) -> list[list[tuple[str, list]]]:
    """What follows the chunks, as lists of statements each run in order on one connection, the
    longest first: one pool hands them out as connections free up, with no wait between kinds of
    work. Versions and feed events are the documents, copied inside the server (not sent again),
    then indexed and analysed; each GIN index is built on its own; a table's other indexes and its
    statistics come together. A table with a GIN index is analysed last: ANALYZE waits, by its lock,
    for the index builds still running on the table, and nothing is left to run meanwhile."""
    copies = {
        "claims_claimversion": (
            "INSERT INTO claims_claimversion (claim_id, version, snapshot, change, changed_by_id, changed_at)"
            " SELECT claim_id, 1, body, 'generated', %s, updated_at FROM claims_claimdocument ORDER BY claim_id",
            [user_id],
        ),
        "claims_feedevent": (
            "INSERT INTO claims_feedevent (seq, type, claim_id, version, at, payload)"
            " SELECT row_number() OVER (ORDER BY c.id), 'published', c.id, 1, c.updated_at, d.body"
            " FROM claims_claim c JOIN claims_claimdocument d ON d.claim_id = c.id"
            " WHERE c.status = ANY(%s) ORDER BY c.id",
            [list(vocab.PUBLIC_STATUSES)],
        ),
    }
    gin_tables = {table for table, _, definition in indexes if " USING gin " in definition}
    tasks = [[(definition, [])] for _, _, definition in indexes if " USING gin " in definition]
    for table in dict.fromkeys([*copies, *(table for table, _, _ in indexes), *LOADED]):  # largest first
        task = [copies[table]] if table in copies else []
        task += [(d, []) for t, _, d in indexes if t == table and " USING gin " not in d]
        tasks.append(task if table in gin_tables else [*task, (f"ANALYZE {table}", [])])
    return tasks + [[(f"ANALYZE {table}", [])] for table in sorted(gin_tables)]


def _load(claims: int, user_id: int, workers: int) -> int:
    """Empty the tables and drop their secondary indexes; COPY the claims in chunks on `workers`
    connections; then copy documents into versions and feed events, rebuild the indexes and
    analyse the tables, `workers` at a time."""
    actors = _actors()
    hosts = source_hosts(source_count(claims))
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _bulk_session(cursor)
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        indexes = _secondary_indexes(cursor)
        for _, name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        rows += _copy_text(
            cursor,
            "claims_actor",
            ["id", "name", "kind", "country", "aliases", "description", "reliability", "reliability_note",
             "created_at", "updated_at"],
            "".join(_line(a.id, a.name, a.kind, a.country, orjson.dumps(a.aliases).decode(), "", "", "", NOW, NOW)
                    for a in actors.values()),
        )  # fmt: skip
        rows += _copy_text(
            cursor,
            "claims_source",
            ["id", "url", "title", "language", "published_precision", "created_at", "liveness", "strikes",
             "quotes_missing", "last_outcome", "etag", "last_modified", "baseline_sha256", "baseline_text",
             "lease_token", "evidence_problem"],
            "".join(_line(i, source_url(i, hosts[i]), f"Article {i}", "en", "unknown", NOW, "unchecked", 0, 0, "",
                          "", "", "", "", "", "") for i in range(1, len(hosts))),
        )  # fmt: skip
    spans = chunks(claims)
    try:
        rows += _parallel(
            [(_load_chunks, (claims, user_id, spans[w::workers])) for w in range(min(workers, len(spans)))],
            workers,
        )
        rows += _parallel([(_statements, (task,)) for task in _after_chunks(indexes, user_id)], workers)
    except BaseException:
        # A later run must find every index the migrations made: it drops and rebuilds what it finds.
        with connection.cursor() as cursor:
            for _, _, definition in indexes:
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        raise
    with connection.cursor() as cursor:
        for table, column in SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT COALESCE(MAX({column}), 1) FROM {table}))"
            )
    return rows


SEQUENCES = [("claims_actor", "id"), ("claims_source", "id"), ("claims_claim", "id"), ("claims_assessment", "id"),
             ("claims_feedevent", "seq"), ("claims_claimversion", "id"), ("claims_attributionhop", "id"),
             ("claims_routestop", "id")]  # fmt: skip


def as_instance(c: dict, actors: dict[int, Actor], hosts: list[int]) -> Claim:
    """An unsaved Claim wired like one from with_details(), so the app's own code renders it."""
    source = Source(
        id=c["source_id"], url=source_url(c["source_id"], hosts[c["source_id"]]), liveness="unchecked"
    )
    claim = Claim(
        **{k: c[k] for k in ("id", "uuid", "statement", "kind", "item_category", "item_description", "stage")},
        **{k: c[k] for k in ("event_start", "event_end", "event_precision", "status", "updated_at", "published_at")},
        created_at=c["updated_at"],
        supplier=actors[c["supplier_id"]],
        recipient=actors[c["recipient_id"]],
        current_assessment=Assessment(
            reliability=c["reliability"], credibility=c["credibility"], likelihood="likely", confidence="moderate",
            rationale="Synthetic.", assessed_at=c["updated_at"],
        ),
    )  # fmt: skip
    hops = [
        AttributionHop(position=position, **values)
        for position, values in enumerate(_hop_values(c, actors, source))
    ]
    route = [RouteStop(position=position, **values) for position, values in enumerate(_route_values(c))]
    # Django's prefetch cache: what with_details() would have filled from the database.
    claim._prefetched_objects_cache = {
        "hops": hops,
        "route": route,
        "participants": [],
        "relations_out": [],
        "relations_in": [],
    }
    return claim


def _hop_values(c: dict, actors: dict[int, Actor], source: Source | None) -> list[dict]:
    return [
        {"speaker": None, "descriptor": "a government official", "role": "", "anonymity": "anonymous_individual",
         "source": None, "quote": "", "quote_language": "", "translation": ""},
        {"speaker": actors[_speaker(c)], "descriptor": "", "role": "", "anonymity": "outlet_voice",
         "source": source, "quote": c["quote"], "quote_language": "en", "translation": ""},
    ]  # fmt: skip


def _route_values(c: dict) -> list[dict]:
    if not c["route"]:
        return []
    return [
        {"role": "origin", "country": actor_country(c["supplier_id"]), "region": "", "approximate": False},
        {"role": "transit", "country": "", "region": "Middle East", "approximate": True},
    ]


def analyze(workers: int = WORKERS) -> None:
    """Planner statistics of the loaded tables, a table per connection at a time."""
    _parallel(
        [
            (_statements, ([(f"ANALYZE {table}", []) for table in LOADED[w::workers]],))
            for w in range(workers)
        ],
        workers,
    )


def generate(*, claims: int, workers: int = WORKERS) -> Loaded:
    if connection.vendor != "postgresql":
        raise SystemExit("The generator loads PostgreSQL with COPY: set DATABASE_URL=postgres://…")
    started = time.perf_counter()
    user = _bench_user()
    rows = _load(claims, user.pk, workers)
    return Loaded(claims=claims, rows=rows, seconds=time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    loaded = generate(claims=args.claims, workers=args.workers)
    print(
        f"loaded {loaded.claims} claims, {loaded.rows} rows in {loaded.seconds:.1f} s ({loaded.rows_per_second:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
