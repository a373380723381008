"""`python -m bench.run`: which tier measures what."""

import json
import sys

from bench import run


def test_several_tiers_recheck_once_after_the_last(monkeypatch, tmp_path):
    asked = []

    def run_tier(name, **options):
        asked.append((name, options["recheck_sources"]))
        return {}, {}

    monkeypatch.setattr(run, "run_tier", run_tier)
    output = tmp_path / "latest.json"
    argv = ["bench.run", "--tiers", "10k,100k,1m", "--recheck-sources", "10000", "--output", str(output)]
    monkeypatch.setattr(sys, "argv", argv)

    run.main()

    assert asked == [("10k", 0), ("100k", 0), ("1m", 10000)]
    assert set(json.loads(output.read_text())["tiers"]) == {"10k", "100k", "1m"}


def test_one_tier_rechecks_with_the_sources_asked(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(run, "run_tier", lambda name, **options: asked.append(options) or ({}, {}))
    monkeypatch.setattr(sys, "argv", ["bench.run", "--tiers", "10k", "--output", str(tmp_path / "x.json")])

    run.main()

    assert [options["recheck_sources"] for options in asked] == [1000]
