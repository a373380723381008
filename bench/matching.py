"""Claim matching on intake: precision and recall on the labelled pairs, and the latency of a match.

The labelled set (tests/data/claim_matches.json) is loaded on top of whatever the database holds (the
100k tier here, nothing in the test suite), published, and each pair's probe is matched: the pair
counts as found when its stored claim is suggested at the default threshold. The latency is that of
`matching.suggest` for each probe, as a reader (published claims only), over the tier's claims.

python -m bench.matching [--tier 100k] [--output FILE]  (BENCH_DATABASE_URL etc. as for bench.run)
"""

import argparse
import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import cache  # noqa: E402
from bench.generate import _bench_user  # noqa: E402
from bench.measure import ROOT, stamp  # noqa: E402
from claims import matching, schema, services, vocab  # noqa: E402
from claims.models import Actor, Claim  # noqa: E402

TIERS = {"tiny": 300, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

LABELLED = ROOT / "tests" / "data" / "claim_matches.json"


@dataclass
class Labelled:
    """The labelled set as loaded: each claim's input (ClaimData) and stored uuid, and the pairs."""

    data: dict[str, schema.ClaimData]
    uuids: dict[str, str]
    pairs: list[dict]


def read(path: Path = LABELLED) -> dict:
    return json.loads(path.read_text())


def _claim_data(claim: dict, actor_ids: dict[str, int]) -> schema.ClaimData:
    def actor(key):
        return actor_ids[key] if key else None

    hops = [
        services.HopData(
            position=position,
            speaker_id=actor(hop.get("speaker")),
            affiliation_id=actor(hop.get("affiliation")),
            descriptor=hop.get("descriptor", ""),
            anonymity=hop["anonymity"],
            source_url=hop.get("source", ""),
            quote=hop.get("quote", ""),
            quote_language=hop.get("quote_language", ""),
            translation=hop.get("translation", ""),
        )
        for position, hop in enumerate(claim.get("hops", []))
    ]
    start, end = claim.get("start"), claim.get("end")
    return schema.ClaimData(
        statement=claim["statement"],
        kind=vocab.ClaimKind.TRANSFER,
        supplier_id=actor(claim.get("supplier")),
        recipient_id=actor(claim.get("recipient")),
        item_category=claim.get("item_category", ""),
        stage=claim.get("stage", ""),
        event_start=date.fromisoformat(start) if start else None,
        event_end=date.fromisoformat(end) if end else None,
        event_precision=vocab.DatePrecision.INTERVAL if start else vocab.DatePrecision.UNKNOWN,
        hops=hops,
    )


def load(by, path: Path = LABELLED) -> Labelled:
    """Actors and claims of the labelled set written through the services, then published.

    A claim without hops (a statement alone) is a probe only: no claim could be stored without one."""
    labelled = read(path)
    actor_ids: dict[str, int] = {}
    with transaction.atomic():
        for actor in labelled["actors"]:
            parent = actor_ids.get(actor["parent"]) if actor["parent"] else None
            made, _ = Actor.objects.get_or_create(
                name=actor["name"],
                defaults={"kind": actor["kind"], "country": actor["country"], "parent_id": parent},
            )
            actor_ids[actor["key"]] = made.pk
        data = {key: _claim_data(claim, actor_ids) for key, claim in labelled["claims"].items()}
        stored = [key for key, claim in labelled["claims"].items() if claim.get("hops")]
        claims, refused = services.create_claims(rows=[data[key] for key in stored], by=by)
        if refused:
            raise ValueError({stored[index]: error.message_dict for index, error in refused.items()})
        # Published as they stand: the workflow (assessment, review) says nothing about matching.
        Claim.objects.filter(pk__in=[claim.pk for claim in claims]).update(
            status=vocab.Status.PUBLISHED, published_at=timezone.now()
        )
    uuids = {key: str(claim.uuid) for key, claim in zip(stored, claims, strict=True)}
    return Labelled(data=data, uuids=uuids, pairs=labelled["pairs"])


def probe(labelled: Labelled, key: str) -> matching.Probe:
    return matching.probe_of(labelled.data[key], exclude_uuid=labelled.uuids.get(key))


def evaluate(labelled: Labelled, user=None, *, threshold: float = matching.THRESHOLD) -> dict:
    """Precision and recall over the pairs at `threshold`, with the pairs each figure misses."""
    user = user or AnonymousUser()
    found, missed, wrong = 0, [], []
    for pair in labelled.pairs:
        suggested = {
            s.uuid for s in matching.suggest(user, probe(labelled, pair["probe"]), threshold=threshold)
        }
        hit = labelled.uuids[pair["stored"]] in suggested
        if hit and pair["same"]:
            found += 1
        elif pair["same"]:
            missed.append(f"{pair['probe']} → {pair['stored']}")
        elif hit:
            wrong.append(f"{pair['probe']} → {pair['stored']}")
    return {
        "pairs": len(labelled.pairs),
        "positives": found + len(missed),
        "precision": round(found / (found + len(wrong)), 3) if found + len(wrong) else 1.0,
        "recall": round(found / (found + len(missed)), 3) if found + len(missed) else 1.0,
        "missed": missed,
        "wrongly_suggested": wrong,
        "threshold": threshold,
    }


def latency(labelled: Labelled, *, repeat: int, user=None) -> dict:
    """Milliseconds per `suggest` call, each probe of the pairs `repeat` times (after one warm-up), and
    this process's CPU time per call."""
    user = user or AnonymousUser()
    probes = [probe(labelled, key) for key in sorted({pair["probe"] for pair in labelled.pairs})]
    for each in probes:
        matching.suggest(user, each)
    samples = []
    cpu_started = time.process_time()
    for _ in range(repeat):
        for each in probes:
            started = time.perf_counter()
            matching.suggest(user, each)
            samples.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(samples)
    samples.sort()

    def at(share: float) -> float:
        return round(samples[min(len(samples) - 1, int(len(samples) * share))], 2)

    # The application's own CPU per match (scoring, ORM): what load on a shared machine does not inflate.
    return {
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "n": len(samples),
        "app_cpu_ms_per_match": round(cpu_ms, 2),
    }


def run(*, repeat: int = 10) -> dict:
    """Load the labelled set into the current database, measure, and remove nothing (the tier is
    reloaded by the next run)."""
    labelled = load(_bench_user())
    quality = evaluate(labelled)
    timing = latency(labelled, repeat=repeat)
    return {
        "claims": Claim.objects.count(),
        **quality,
        "latency": timing,
        "match_precision": quality["precision"],
        "match_recall": quality["recall"],
        "match_p95_ms": timing["p95_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tier", default="100k", choices=TIERS)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "matching.json"))
    parser.add_argument("--reuse-data", action="store_true", help="keep a loaded tier of the right size")
    parser.add_argument("--no-cache", action="store_true", help="generate the tier, even with a dump at hand")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    claims = TIERS[args.tier]
    if args.reuse_data and Claim.objects.filter(pk__lte=claims).count() == claims:
        Claim.objects.filter(pk__gt=claims).delete()  # an earlier run's labelled set
        generated = {"claims": claims, "reused": True}
    else:
        generated = cache.load(args.tier, claims, use_cache=not args.no_cache)
    figures = run(repeat=args.repeat)
    results = {
        **stamp(),
        "match_precision": figures["match_precision"],
        "match_recall": figures["match_recall"],
        "match_p95_ms": figures["match_p95_ms"],
        "tier": args.tier,
        "generator": generated,
        "matching": figures,
    }
    output = Path(args.output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str))
    print(
        json.dumps({key: value for key, value in results.items() if key != "machine"}, indent=2, default=str)
    )


if __name__ == "__main__":
    main()
