"""Print the Markdown table of a results file (python -m bench.report [bench/results/latest.json])."""

import json
import sys
from pathlib import Path

from bench.measure import ROOT

TARGETS = {
    "feed_speedup_vs_naive": ("≥ 5×", lambda v: v >= 5),
    "feed_vs_raw_limit": ("≤ 1.5×", lambda v: v <= 1.5),
    "feed_p50_ms": ("≤ 20 ms", lambda v: v <= 20),
    "list_p99_vs_p50_at_32_connections": ("≤ 5", lambda v: v <= 5),
    "list_req_per_s_at_32_connections": ("reported", lambda v: True),
    "feed_incremental_p50_ms": ("< 20 ms", lambda v: v < 20),
    "deep_pagination_last_vs_first": ("≤ 2×", lambda v: v <= 2),
    "search_speedup_selective": ("≥ 10×", lambda v: v >= 10),
    "search_p50_ms_selective": ("≤ 20 ms", lambda v: v <= 20),
    "search_p50_ms_medium": ("≤ 20 ms", lambda v: v <= 20),
    "search_p50_ms_broad": ("≤ 20 ms", lambda v: v <= 20),
    "search_worst_vs_best": ("≤ 5", lambda v: v <= 5),
    "import_speedup": ("≥ 10×", lambda v: v >= 10),
    "recheck_checks_per_s": ("≥ 150/s", lambda v: v >= 150),
    "recheck_cpu_s_per_check": ("≤ 0.008 s", lambda v: v <= 0.008),
    "recheck_statements_per_check": ("≤ 6", lambda v: v <= 6),
    "recheck_speed_vs_sequential_httpx": ("≥ 0.15", lambda v: v >= 0.15),
    "recheck_max_inflight_per_host": ("≤ 1", lambda v: v <= 1),
    "recheck_worker_rss_growth": ("≤ 1.10", lambda v: v <= 1.10),
    # Issue 12's generator and 1M-tier figures, issue 17's search pages at 1M.
    "generator_rows_per_s": ("≥ 30 000", lambda v: v >= 30_000),
    "tier_1m_feed_p50_ms": ("≤ 30 ms", lambda v: v <= 30),
    "tier_1m_cursor_last_vs_first": ("≤ 1.5", lambda v: v <= 1.5),
    "tier_1m_feed_incremental_p50_ms": ("≤ 15 ms", lambda v: v <= 15),
    "tier_1m_search_selective_ms": ("≤ 20 ms", lambda v: v <= 20),
    "tier_1m_search_p50_ms_selective": ("≤ 30 ms", lambda v: v <= 30),
    "tier_1m_search_p50_ms_medium": ("≤ 30 ms", lambda v: v <= 30),
    "tier_1m_search_p50_ms_broad": ("≤ 30 ms", lambda v: v <= 30),
    "tier_1m_search_worst_vs_best": ("≤ 5", lambda v: v <= 5),
}


def table(results: dict) -> str:
    lines = ["| figure | value | target | met |", "|---|---|---|---|"]
    for key, (target, met) in TARGETS.items():
        if key in results:
            value = results[key]
            lines.append(f"| `{key}` | {value} | {target} | {'yes' if met(value) else '**no**'} |")
    machine = results["machine"]
    lines.append("")
    lines.append(
        f"Measured {results['measured_at']} on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB), Python {results['versions']['python']}, "
        f"Django {results['versions']['django']}, {results['versions']['postgresql']}, "
        f"commit {results['git_sha'][:10]}{' (dirty)' if results['git_dirty'] else ''}."
    )
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results" / "latest.json"
    print(table(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
