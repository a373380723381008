"""import_claims rows/s against a save()-per-row baseline over the same rows, same run."""

import io
import json
import random
import tempfile
import time
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management import call_command

from bench.generate import ACTORS, SEED
from bench.measure import ratio
from claims.models import Actor, AttributionHop, Claim, Source, normalise_url

CATEGORIES = ["ammunition", "artillery", "missiles", "technology", "dual_use"]


def rows(count: int) -> list[dict]:
    """JSON Lines in the API's write shape, two hops each, over the generator's actors."""
    rng = random.Random(SEED + 1)
    result = []
    for n in range(count):
        supplier = rng.randint(1, ACTORS)
        recipient = supplier % ACTORS + 1
        result.append(
            {
                "statement": f"Imported claim {n}: actor {supplier} ships {rng.choice(CATEGORIES)} to {recipient}.",
                "kind": "transfer",
                "supplier": supplier,
                "recipient": recipient,
                "item_category": rng.choice(CATEGORIES),
                "stage": "shipment",
                "hops": [
                    {"position": 0, "anonymity": "anonymous_individual", "descriptor": "a defence official"},
                    {
                        "position": 1,
                        "anonymity": "outlet_voice",
                        "speaker": recipient,
                        "source": f"https://import{n % 50}.example.org/story/{n}",
                        "quote": f"Quoted passage number {n}.",
                        "quote_language": "en",
                    },
                ],
            }
        )
    return result


def naive(payloads: list[dict], user: User) -> None:
    """What one writes first: each object saved on its own, no validation beyond the database's."""
    for payload in payloads:
        claim = Claim(
            statement=payload["statement"],
            kind=payload["kind"],
            supplier=Actor.objects.get(pk=payload["supplier"]),
            recipient=Actor.objects.get(pk=payload["recipient"]),
            item_category=payload["item_category"],
            stage=payload["stage"],
            created_by=user,
            updated_by=user,
        )
        claim.save()
        for hop in payload["hops"]:
            source = None
            if hop.get("source"):
                source, _ = Source.objects.get_or_create(url=normalise_url(hop["source"]))
            AttributionHop(
                claim=claim,
                position=hop["position"],
                anonymity=hop["anonymity"],
                descriptor=hop.get("descriptor", ""),
                speaker=Actor.objects.get(pk=hop["speaker"]) if hop.get("speaker") else None,
                source=source,
                quote=hop.get("quote", ""),
                quote_language=hop.get("quote_language", ""),
            ).save()


def run(*, count: int) -> dict:
    user = User.objects.get(username="bench-editor")
    ours_rows, naive_rows = rows(count), rows(count)
    for payload in naive_rows:
        payload["statement"] = "Naive " + payload["statement"]
        for hop in payload["hops"]:
            if hop.get("source"):
                hop["source"] = hop["source"].replace("import", "naive")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.jsonl"
        path.write_text("\n".join(json.dumps(payload) for payload in ours_rows))
        started, cpu = time.perf_counter(), time.process_time()
        call_command(
            "import_claims", str(path), user=user.username, stdout=io.StringIO(), stderr=io.StringIO()
        )
        ours, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    naive(naive_rows, user)
    theirs = time.perf_counter() - started
    return {
        "rows": count,
        "import_claims_rows_per_s": round(count / ours, 1),
        # This process's CPU only (the database server's is not in it): on a busy machine the wall
        # clock mostly measures the wait for a core.
        "import_claims_cpu_ms_per_row": round(cpu * 1000 / count, 3),
        "naive_save_rows_per_s": round(count / theirs, 1),
        "speedup": ratio(theirs, ours),
    }
