"""Run the benchmarks for one or more tiers and write bench/results/latest.json (python -m bench.run)."""

import argparse
import json
import os
import subprocess
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from bench import api, cache, importing, recheck, search  # noqa: E402
from bench.http import gunicorn  # noqa: E402
from bench.measure import ROOT, ratio, stamp  # noqa: E402
from claims.models import Claim  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TIERS = {"tiny": 300, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def run_tier(
    name: str,
    *,
    repeat: int,
    seconds: int,
    import_rows: int,
    recheck_sources: int = 0,
    env: dict | None = None,
    reuse: bool = False,
    parts: tuple[str, ...] = (),
    use_cache: bool = True,
) -> tuple[dict, dict[str, str]]:
    """Load the tier's data, then measure; `env` reaches the web server (the smoke test's database)."""
    call_command("migrate", verbosity=0)
    figures = {}
    if "recheck-only" in parts:  # it loads sources of its own: no tier needed
        figures["recheck"] = recheck.run(sources=recheck_sources, concurrency=8)
        return figures, {}
    if reuse and Claim.objects.count() == TIERS[name]:
        figures["generator"] = {"claims": TIERS[name], "reused": True}
    else:
        figures["generator"] = cache.load(name, TIERS[name], use_cache=use_cache)
    if "import-only" in parts:
        figures["import"] = importing.run(count=import_rows)
        return figures, {}
    figures["search"], plans = search.run(repeat=repeat)
    # The UI pages need the static manifest, built with the settings the web server runs with.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=True,
    )
    # One worker and one connection: the latency of a request, with nothing queued in front of it.
    with gunicorn(workers=1, env=env) as (base, _):
        figures["search_http"] = search.run_http(base, seconds=max(2, seconds // 3))
    if "search-only" in parts:
        return figures, plans
    figures["api"] = api.run(seconds=seconds, env=env)
    figures["import"] = importing.run(count=import_rows)
    if recheck_sources:  # last: it empties the tables and loads sources of its own
        figures["recheck"] = recheck.run(sources=recheck_sources, concurrency=8)
    return figures, plans


def headline(tiers: dict) -> dict:
    """The keys the README and CI read, taken from the largest tier that ran."""
    largest = tiers[max(tiers, key=lambda name: TIERS[name])]
    if "search" not in largest:  # --recheck-only or --import-only
        return import_headline(largest) | recheck_headline(tiers)
    figures = search_headline(largest)
    if "api" not in largest:  # --search-only
        return figures
    listing = largest["api"]["list"]
    figures |= {
        "feed_speedup_vs_naive": largest["api"]["list_speedup_vs_naive"],
        "feed_vs_raw_limit": largest["api"]["list_vs_raw_limit"],
        "feed_p50_ms": listing["ours"]["p50_ms"],
        "feed_p99_ms": listing["ours"]["p99_ms"],
        "list_p99_vs_p50_at_32_connections": largest["api"]["list_p99_vs_p50_busy"],
        "list_req_per_s_at_32_connections": listing["ours_busy"]["req_per_s"],
        "feed_incremental_p50_ms": largest["api"]["feed_incremental"]["p50_ms"],
        "deep_pagination_last_vs_first": largest["api"]["deep_pagination"]["cursor_last_vs_first"],
        "search_speedup_selective": largest["search"]["selective"]["speedup"],
    }
    return figures | import_headline(largest) | recheck_headline(tiers)


def import_headline(tier: dict) -> dict:
    if "import" not in tier:
        return {}
    return {
        "import_speedup": tier["import"]["speedup"],
        "import_rows_per_s": tier["import"]["import_claims_rows_per_s"],
    }


def recheck_headline(tiers: dict) -> dict:
    checked = [tier["recheck"] for tier in tiers.values() if "recheck" in tier]
    if not checked:
        return {}
    widest = max(checked, key=lambda figures: figures["checks"])
    return {
        "recheck_checks_per_s": widest["checks_per_s"],
        "recheck_max_inflight_per_host": widest["max_inflight_per_host"],
        "recheck_cpu_s_per_check": widest["cpu_s_per_check"],
        "recheck_statements_per_check": widest["statements_per_check"],
        "recheck_speed_vs_sequential_httpx": widest.get("speed_vs_baseline"),
        "recheck_worker_rss_growth": widest.get("rss_ratio_all_vs_first"),
        "capture_checks_per_s": widest["capture"]["checks_per_s"],
        "capture_cpu_s_per_check": widest["capture"]["cpu_s_per_check"],
        "capture_statements_per_check": widest["capture"]["statements_per_check"],
    }


def search_headline(tier: dict) -> dict:
    """Each selectivity's slowest search page (API or UI, first or later, reader or editor)."""
    p50s = {label: tier["search_http"][label]["p50_ms"] for label in search.TERMS}
    return {
        **{f"search_p50_ms_{label}": value for label, value in p50s.items()},
        "search_worst_vs_best": ratio(max(p50s.values()), min(p50s.values())),
    }


def scale_headline(tiers: dict) -> dict:
    """The generator's speed (largest tier generated in this run) and each tier's own figures:
    search pages for every tier, and the list, cursor and feed figures issue 12 asks of the 1M tier."""
    figures = {}
    generated = [tier["generator"] for tier in tiers.values() if "rows_per_s" in tier.get("generator", {})]
    fresh = [loaded for loaded in generated if "restored_from" not in loaded] or generated
    if fresh:
        largest = max(fresh, key=lambda loaded: loaded["claims"])
        figures["generator_rows_per_s"] = largest["rows_per_s"]
        figures["generator_claims"] = largest["claims"]
        figures["generator_from_cache"] = "restored_from" in largest
    for name, tier in tiers.items():
        if "search_http" in tier:  # not with --recheck-only or --import-only
            figures |= {f"tier_{name}_{key}": value for key, value in search_headline(tier).items()}
        if "restored_from" in tier.get("generator", {}):
            figures[f"tier_{name}_restore_seconds"] = tier["generator"]["restore_seconds"]
            figures[f"tier_{name}_restored_by"] = tier["generator"]["restored_by"]
    if "api" in tiers.get("1m", {}):
        large = tiers["1m"]
        figures |= {
            "tier_1m_feed_p50_ms": large["api"]["list"]["ours"]["p50_ms"],
            "tier_1m_cursor_last_vs_first": large["api"]["deep_pagination"]["cursor_last_vs_first"],
            "tier_1m_feed_incremental_p50_ms": large["api"]["feed_incremental"]["p50_ms"],
            # The search page a reader waits for (the API's first page), not the query alone.
            "tier_1m_search_selective_ms": large["search_http"]["selective"]["pages"]["api-reader-first"][
                "p50_ms"
            ],
            "tier_1m_search_selective_query_ms": large["search"]["selective"]["fulltext"]["p50_ms"],
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiers", default="10k", help=f"comma-separated, from {', '.join(TIERS)}")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per search term")
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per HTTP measurement")
    parser.add_argument("--import-rows", type=int, default=1000)
    parser.add_argument("--recheck-sources", type=int, default=1000, help="0 skips the re-check benchmark")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    parser.add_argument(
        "--reuse-data", action="store_true", help="keep the loaded tier when the database holds exactly it"
    )
    parser.add_argument("--search-only", action="store_true", help="measure the search benchmark only")
    parser.add_argument("--recheck-only", action="store_true", help="measure the re-check benchmark only")
    parser.add_argument(
        "--import-only", action="store_true", help="load the tier, then measure the import benchmark only"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="generate every tier, even one with a dump in var/bench-cache"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    tiers, plans = {}, {}
    names = args.tiers.split(",")
    for name in names:
        tiers[name], tier_plans = run_tier(
            name,
            repeat=args.repeat,
            seconds=args.seconds,
            import_rows=args.import_rows,
            # The re-check loads sources of its own whatever the tier: measured once, after the last.
            recheck_sources=args.recheck_sources if name == names[-1] else 0,
            reuse=args.reuse_data,
            parts=("search-only",) * args.search_only
            + ("recheck-only",) * args.recheck_only
            + ("import-only",) * args.import_only,
            use_cache=not args.no_cache,
        )
        plans.update({f"{name}-{key}": plan for key, plan in tier_plans.items()})
    results = {
        **stamp(),
        **headline(tiers),
        **scale_headline(tiers),
        "tiers": tiers,
        "seconds": round(time.perf_counter() - started, 1),
    }
    output = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w") as file:
        json.dump(results, file, indent=2, default=str)
    with open(os.path.join(os.path.dirname(output), "explain.txt"), "w") as file:
        for key, plan in plans.items():
            file.write(f"== {key}\n{plan}\n\n")
    print(json.dumps({k: v for k, v in results.items() if k != "tiers"}, indent=2, default=str))


if __name__ == "__main__":
    main()
