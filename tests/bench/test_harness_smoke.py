"""The benchmark generator and harness run end to end on a tiny tier (figures are not asserted)."""

import json
import shutil

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads PostgreSQL with COPY; CI runs this on its PostgreSQL pass")
    if shutil.which("wrk") is None:
        pytest.skip("wrk is missing (.ci/run and make bench install it)")


def test_tiny_tier_produces_every_headline_figure(on_postgresql):
    from bench import run

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    figures, plans = run.run_tier("tiny", repeat=2, seconds=1, import_rows=20, env={"DATABASE_URL": url})

    assert figures["generator"]["claims"] == run.TIERS["tiny"]
    assert figures["search"]["selective"]["hits"] > 0
    assert figures["api"]["list"]["ours"]["req_per_s"] > 0
    assert figures["api"]["list"]["ours"]["non_2xx"] == 0
    assert figures["import"]["rows"] == 20
    assert "search-selective-fulltext" in plans
    for label in ("selective", "medium", "broad"):
        assert figures["search_http"][label]["non_2xx"] == 0
        assert figures["search_http"][label]["pages"]["ui-editor-first"]["req_per_s"] > 0
    headline = run.headline({"tiny": figures})
    assert set(headline) >= {
        "feed_speedup_vs_naive",
        "feed_vs_raw_limit",
        "feed_p50_ms",
        "feed_p99_ms",
        "list_p99_vs_p50_at_32_connections",
        "list_req_per_s_at_32_connections",
        "search_speedup_selective",
        "search_p50_ms_selective",
        "search_p50_ms_medium",
        "search_p50_ms_broad",
        "search_worst_vs_best",
        "import_speedup",
    }


def test_import_only_loads_the_tier_and_reports_the_import_figures_alone(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads PostgreSQL with COPY; CI runs this on its PostgreSQL pass")
    from bench import run

    output = tmp_path / "import.json"
    argv = ["run", "--tiers", "tiny", "--import-only", "--import-rows", "5", "--output", str(output)]
    monkeypatch.setattr("sys.argv", argv)
    run.main()

    results = json.loads(output.read_text())
    assert set(results["tiers"]["tiny"]) == {"generator", "import"}
    assert results["tiers"]["tiny"]["import"]["rows"] == 5
    assert results["import_rows_per_s"] > 0
    assert results["import_speedup"] > 0
    assert "search_p50_ms_selective" not in results
