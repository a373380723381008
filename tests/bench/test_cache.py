"""A generated tier is dumped under a key of everything that decides its content, and restored only
when that key matches (no database load here: generate, dump and restore are stand-ins)."""

import json

import pytest

from bench import cache
from bench.generate import Loaded

BASE = {
    "claims": 1_000_000,
    "migrations": ["claims.0001_initial", "claims.0013_search_vector"],
    "server_major": 15,
}


def test_the_same_state_gives_the_same_key_whatever_the_migrations_order():
    again = {**BASE, "migrations": list(reversed(BASE["migrations"]))}
    assert cache.cache_key(**BASE) == cache.cache_key(**again)


@pytest.mark.parametrize(
    "change",
    [
        {"generator_version": 999},
        {"seed": 1},
        {"claims": 100_000},
        {"schema_version": 999},
        {"migrations": [*BASE["migrations"], "claims.0014_h2_more"]},
        {"migrations": BASE["migrations"][:1]},
        {"server_major": 16},
    ],
)
def test_anything_that_changes_the_data_changes_the_key(change):
    assert cache.cache_key(**BASE) != cache.cache_key(**{**BASE, **change})


class Stand:
    """generate, dump and restore as calls recorded, on a key the test chooses."""

    def __init__(self, monkeypatch, tmp_path):
        self.calls, self.key = [], "k1"
        monkeypatch.setattr(cache, "CACHE_DIR", tmp_path)
        monkeypatch.setattr(cache, "current_key", lambda claims: f"{self.key}-{claims}")
        monkeypatch.setattr(cache, "dump", self.dump)
        monkeypatch.setattr(cache, "restore", lambda path: self.calls.append(("restore", path.name)))

    def dump(self, path):
        self.calls.append(("dump", path.name))
        path.write_bytes(b"archive")

    def generate(self, *, claims):
        self.calls.append(("generate", claims))
        return Loaded(claims=claims, rows=claims * 8, seconds=2.0)


@pytest.fixture
def stand(monkeypatch, tmp_path):
    return Stand(monkeypatch, tmp_path)


def test_a_large_tier_is_generated_and_dumped_once_then_restored(stand, tmp_path):
    first = cache.load("1m", 1_000_000, generate=stand.generate)
    second = cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls == [
        ("generate", 1_000_000),
        ("dump", "1m-k1-1000000.dump"),
        ("restore", "1m-k1-1000000.dump"),
    ]
    assert first["rows_per_s"] == 4_000_000 and "restored_from" not in first
    # A restored tier reports the figures measured when it was generated, and says it was restored.
    assert second["rows_per_s"] == 4_000_000
    assert second["restored_from"] == "1m-k1-1000000.dump"
    assert json.loads((tmp_path / "1m-k1-1000000.json").read_text())["claims"] == 1_000_000


def test_a_changed_key_generates_again_instead_of_restoring_the_old_dump(stand):
    cache.load("1m", 1_000_000, generate=stand.generate)
    stand.key = "k2"
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert [call[0] for call in stand.calls] == ["generate", "dump", "generate", "dump"]


def test_an_interrupted_dump_is_not_taken_for_a_cached_tier(stand, tmp_path):
    (tmp_path / "1m-k1-1000000.partial").write_bytes(b"half an archive")
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls[0] == ("generate", 1_000_000)


def test_small_tiers_and_no_cache_runs_generate_without_dumping(stand):
    cache.load("10k", 10_000, generate=stand.generate)
    cache.load("1m", 1_000_000, generate=stand.generate, use_cache=False)

    assert stand.calls == [("generate", 10_000), ("generate", 1_000_000)]
