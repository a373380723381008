"""Deterministic synthetic claims loaded into PostgreSQL with COPY (python -m bench.generate --claims N)."""

import argparse
import bisect
import itertools
import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from claims import vocab  # noqa: E402
from claims.models import Actor, Assessment, AttributionHop, Claim, RouteStop, Source  # noqa: E402
from claims.projection import SCHEMA_VERSION, search_document  # noqa: E402
from claims.representation import represent_claim  # noqa: E402

SEED = 20231001
ACTORS = 400
HOSTS = 100
VOCABULARY = 5000
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


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def _bench_user() -> User:
    user, created = User.objects.get_or_create(username="bench-editor")
    if created:
        user.groups.add(Group.objects.get(name="reviewer"))
    return user


def _claim_rows(claims: int, rng: random.Random, user_id: int):
    actor_zipf, word_zipf = Zipf(ACTORS, rng), Zipf(VOCABULARY, rng)
    words = syllable_words(VOCABULARY, rng)
    statuses = (
        [vocab.Status.PUBLISHED] * 16 + [vocab.Status.IN_REVIEW] * 2 + [vocab.Status.DRAFT, "retracted"]
    )
    categories, stages = vocab.ItemCategory.values, vocab.Stage.values
    for claim_id in range(1, claims + 1):
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
            "source_id": rng.randrange(claims // 2 + 1) + 1,
            "reliability": rng.choice("ABCDEF"),
            "credibility": rng.randint(2, 6),
            "quote": " ".join(words[word_zipf.draw()] for _ in range(12)),
            "route": rng.random() < 0.3,
        }


def _load(claims: int, user_id: int) -> int:
    """Every table in one transaction of COPYs; derived text comes from the application's own code."""
    rng = random.Random(SEED)
    host_zipf = Zipf(HOSTS, rng)
    actors = {
        i: Actor(id=i, name=f"Actor {i}", kind="state" if i <= len(COUNTRIES) else "company",
                 country=COUNTRIES[i % len(COUNTRIES)], aliases=[f"alias{i}"])
        for i in range(1, ACTORS + 1)
    }  # fmt: skip
    claim_rows = list(_claim_rows(claims, rng, user_id))
    instances = [_as_instances(c, actors) for c in claim_rows]
    rows = 0
    with connection.cursor() as cursor:
        rows += _copy(
            cursor,
            "claims_actor",
            ["id", "name", "kind", "country", "aliases", "description", "reliability", "reliability_note",
             "created_at", "updated_at"],
            ((a.id, a.name, a.kind, a.country, json.dumps(a.aliases), "", "", "", NOW, NOW) for a in actors.values()),
        )  # fmt: skip
        rows += _copy(
            cursor,
            "claims_source",
            ["id", "url", "title", "language", "published_precision", "created_at", "liveness", "strikes",
             "quotes_missing", "last_outcome", "etag", "last_modified", "baseline_sha256", "baseline_text",
             "lease_token", "evidence_problem"],
            (
                (i, f"https://news{host_zipf.draw()}.example.org/{i}", f"Article {i}", "en", "unknown", NOW,
                 "unchecked", 0, 0, "", "", "", "", "", "", "")
                for i in range(1, claims // 2 + 2)
            ),
        )  # fmt: skip
        rows += _copy(
            cursor,
            "claims_claim",
            ["id", "uuid", "statement", "kind", "place", "item_category", "item_description", "designation", "stage", "stance",
             "modality", "negated", "quantity_qualifier", "quantity_unit", "quantity_text", "event_start",
             "event_end", "event_precision", "status", "version", "created_at", "updated_at", "published_at",
             "created_by_id", "updated_by_id", "current_assessment_id", "supplier_id", "recipient_id",
             "search_document"],
            (
                (c["id"], c["uuid"], c["statement"], c["kind"], "", c["item_category"], c["item_description"], "",
                 c["stage"], "assert", "occurred", False, "unknown", "", "", c["event_start"], c["event_end"],
                 c["event_precision"], c["status"], 1, c["updated_at"], c["updated_at"], c["published_at"],
                 c["user_id"], c["user_id"], c["id"], c["supplier_id"], c["recipient_id"], search_document(claim))
                for c, claim in zip(claim_rows, instances, strict=True)
            ),
        )  # fmt: skip
        rows += _copy(
            cursor,
            "claims_attributionhop",
            ["claim_id", "position", "speaker_id", "descriptor", "role", "anonymity", "source_id", "quote",
             "quote_language", "translation"],
            (
                (claim.id, h.position, h.speaker.id if h.speaker else None, h.descriptor, h.role, h.anonymity,
                 h.source.id if h.source else None, h.quote, h.quote_language, h.translation)
                for claim in instances
                for h in claim._prefetched_objects_cache["hops"]
            ),
        )  # fmt: skip
        rows += _copy(
            cursor,
            "claims_routestop",
            ["claim_id", "position", "role", "country", "region", "approximate"],
            (
                (claim.id, stop.position, stop.role, stop.country, stop.region, stop.approximate)
                for claim in instances
                for stop in claim._prefetched_objects_cache["route"]
            ),
        )
        rows += _copy(
            cursor,
            "claims_assessment",
            ["id", "claim_id", "reliability", "credibility", "likelihood", "confidence", "rationale",
             "assessed_by_id", "assessed_at"],
            ((c["id"], c["id"], c["reliability"], c["credibility"], "likely", "moderate", "Synthetic.",
              c["user_id"], c["updated_at"]) for c in claim_rows),
        )  # fmt: skip
        # Each claim's representation, rendered once by the application's own code: its first version,
        # its document and, for public claims, its feed event.
        documents = [json.dumps(represent_claim(claim)) for claim in instances]
        rows += _copy(
            cursor,
            "claims_claimversion",
            ["claim_id", "version", "snapshot", "change", "changed_by_id", "changed_at"],
            (
                (claim.id, 1, document, "generated", user_id, claim.updated_at)
                for claim, document in zip(instances, documents, strict=True)
            ),
        )
        rows += _copy(
            cursor,
            "claims_claimdocument",
            ["claim_id", "schema_version", "body", "updated_at"],
            (
                (claim.id, SCHEMA_VERSION, document, claim.updated_at)
                for claim, document in zip(instances, documents, strict=True)
            ),
        )
        public = [
            (claim, document)
            for claim, document in zip(instances, documents, strict=True)
            if claim.status in vocab.PUBLIC_STATUSES
        ]
        rows += _copy(
            cursor,
            "claims_feedevent",
            ["seq", "type", "claim_id", "version", "at", "payload"],
            (
                (seq, "published", claim.id, 1, claim.updated_at, document)
                for seq, (claim, document) in enumerate(public, start=1)
            ),
        )
        for table, column in (
            ("claims_actor", "id"),
            ("claims_source", "id"),
            ("claims_claim", "id"),
            ("claims_assessment", "id"),
            ("claims_feedevent", "seq"),
            ("claims_claimversion", "id"),
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT MAX({column}) FROM {table}))"
            )
    return rows


def _as_instances(c: dict, actors: dict[int, Actor]) -> Claim:
    """An unsaved Claim wired like one from with_details(), so the app's own code renders it."""
    source = Source(id=c["source_id"], url=f"https://news.example.org/{c['source_id']}", liveness="unchecked")
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
        {"speaker": actors[c["recipient_id"] % ACTORS + 1], "descriptor": "", "role": "", "anonymity": "outlet_voice",
         "source": source, "quote": c["quote"], "quote_language": "en", "translation": ""},
    ]  # fmt: skip


def _route_values(c: dict) -> list[dict]:
    if not c["route"]:
        return []
    return [
        {
            "role": "origin",
            "country": COUNTRIES[c["supplier_id"] % len(COUNTRIES)],
            "region": "",
            "approximate": False,
        },
        {"role": "transit", "country": "", "region": "Middle East", "approximate": True},
    ]


def generate(*, claims: int) -> Loaded:
    if connection.vendor != "postgresql":
        raise SystemExit("The generator loads PostgreSQL with COPY: set DATABASE_URL=postgres://…")
    started = time.perf_counter()
    user = _bench_user()
    with transaction.atomic():
        _reset()
        rows = _load(claims, user.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Loaded(claims=claims, rows=rows, seconds=time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000)
    args = parser.parse_args()
    loaded = generate(claims=args.claims)
    print(
        f"loaded {loaded.claims} claims, {loaded.rows} rows in {loaded.seconds:.1f} s ({loaded.rows_per_second:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
