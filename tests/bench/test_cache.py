"""A generated tier is dumped under a key of everything that decides its content, and restored only
when that key matches (no database load here: generate, dump and restore are stand-ins)."""

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from psycopg import sql

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
    """generate, dump, restore and the templates as calls recorded, on a key the test chooses; the
    server's templates as a dict of name to the key in its comment."""

    def __init__(self, monkeypatch, tmp_path):
        self.calls, self.key, self.templates = [], "k1", {}
        monkeypatch.setattr(cache, "CACHE_DIR", tmp_path)
        monkeypatch.setattr(cache, "current_key", lambda claims: f"{self.key}-{claims}")
        monkeypatch.setattr(cache, "template_name", lambda tier, key, database: f"bench_tpl_{tier}_{key}")
        monkeypatch.setattr(cache, "dump", self.dump)
        monkeypatch.setattr(cache, "restore", lambda path: self.calls.append(("restore", path.name)))
        monkeypatch.setattr(cache, "template_key", self.templates.get)
        monkeypatch.setattr(cache, "make_template", self.make_template)
        monkeypatch.setattr(cache, "clone", lambda template, database: self.calls.append(("clone", template)))

    def dump(self, path):
        self.calls.append(("dump", path.name))
        path.write_bytes(b"archive")

    def make_template(self, template, key, *, tier, database):
        self.calls.append(("template", template))
        self.templates[template] = key

    def generate(self, *, claims):
        self.calls.append(("generate", claims))
        return Loaded(claims=claims, rows=claims * 8, seconds=2.0)


@pytest.fixture
def stand(monkeypatch, tmp_path):
    return Stand(monkeypatch, tmp_path)


def test_a_large_tier_is_generated_dumped_and_templated_once_then_copied_from_its_template(stand, tmp_path):
    first = cache.load("1m", 1_000_000, generate=stand.generate)
    second = cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls == [
        ("generate", 1_000_000),
        ("dump", "1m-k1-1000000.dump"),
        ("template", "bench_tpl_1m_k1-1000000"),
        ("clone", "bench_tpl_1m_k1-1000000"),
    ]
    assert first["rows_per_s"] == 4_000_000 and "restored_from" not in first
    # A copied tier reports the figures measured when it was generated, and says where it came from.
    assert second["rows_per_s"] == 4_000_000
    assert second["restored_from"] == "1m-k1-1000000.dump" and second["restored_by"] == "template"
    assert json.loads((tmp_path / "1m-k1-1000000.json").read_text())["claims"] == 1_000_000


def test_without_a_template_the_dump_is_restored_and_templated_for_the_next_run(stand):
    cache.load("1m", 1_000_000, generate=stand.generate)
    stand.templates.clear()  # dropped by hand, or a server without them
    restored = cache.load("1m", 1_000_000, generate=stand.generate)
    copied = cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls[3:] == [
        ("restore", "1m-k1-1000000.dump"),
        ("template", "bench_tpl_1m_k1-1000000"),
        ("clone", "bench_tpl_1m_k1-1000000"),
    ]
    assert (restored["restored_by"], copied["restored_by"]) == ("dump", "template")


def test_a_stale_template_is_refused_and_made_again_from_the_dump(stand):
    cache.load("1m", 1_000_000, generate=stand.generate)
    # A template under the current name whose comment carries another key (or none: unfinished).
    stand.templates["bench_tpl_1m_k1-1000000"] = "k0-1000000"
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls[3:] == [("restore", "1m-k1-1000000.dump"), ("template", "bench_tpl_1m_k1-1000000")]
    assert stand.templates["bench_tpl_1m_k1-1000000"] == "k1-1000000"


def test_a_template_without_its_dump_is_not_used(stand, tmp_path):
    cache.load("1m", 1_000_000, generate=stand.generate)
    (tmp_path / "1m-k1-1000000.dump").unlink()  # the cache directory deleted: every tier forgotten
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert [call[0] for call in stand.calls] == [
        "generate",
        "dump",
        "template",
        "generate",
        "dump",
        "template",
    ]


def test_a_changed_key_generates_again_instead_of_using_the_old_dump_or_template(stand):
    cache.load("1m", 1_000_000, generate=stand.generate)
    stand.key = "k2"
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls[3:] == [
        ("generate", 1_000_000),
        ("dump", "1m-k2-1000000.dump"),
        ("template", "bench_tpl_1m_k2-1000000"),
    ]


def test_an_interrupted_dump_is_not_taken_for_a_cached_tier(stand, tmp_path):
    (tmp_path / "1m-k1-1000000.partial").write_bytes(b"half an archive")
    cache.load("1m", 1_000_000, generate=stand.generate)

    assert stand.calls[0] == ("generate", 1_000_000)


def test_small_tiers_and_no_cache_runs_generate_without_dumping(stand):
    cache.load("10k", 10_000, generate=stand.generate)
    cache.load("1m", 1_000_000, generate=stand.generate, use_cache=False)

    assert stand.calls == [("generate", 10_000), ("generate", 1_000_000)]


def test_a_template_name_fits_postgresql_and_keeps_the_whole_key():
    name = cache.template_prefix("100k", database="d" * 80) + "0123456789abcdef"

    assert len(name) <= 63 and name.endswith("_tpl_100k_0123456789abcdef")


@pytest.fixture
def scratch():
    """Databases of this test's own on the PostgreSQL server (a source holding one row, a copy, the
    source's templates), dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("templates are PostgreSQL databases")
    base = f"{connection.settings_dict['NAME'][:30]}_cachetest"
    names = SimpleNamespace(source=f"{base}_src", copy=f"{base}_copy")

    def drop_all():
        cache.drop_templates("t", database=names.source)
        with cache.connect("postgres") as server:
            for name in (names.copy, names.source):
                server.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    drop_all()
    with cache.connect("postgres") as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(names.source)))
    with cache.connect(names.source) as source:
        source.execute("CREATE TABLE tier (n int)")
        source.execute("INSERT INTO tier VALUES (42)")
    yield names
    drop_all()


@pytest.mark.slow
def test_a_template_is_copied_with_its_rows_and_a_new_key_replaces_it(scratch):
    first = cache.template_name("t", "k1", database=scratch.source)
    cache.make_template(first, "k1", tier="t", database=scratch.source)
    cache.clone(first, database=scratch.copy)
    with cache.connect(scratch.copy) as copy:
        assert copy.execute("SELECT n FROM tier").fetchall() == [(42,)]
    assert cache.template_key(first) == "k1"

    second = cache.template_name("t", "k2", database=scratch.source)
    cache.make_template(second, "k2", tier="t", database=scratch.source)

    assert (cache.template_key(first), cache.template_key(second)) == (None, "k2")
    with cache.connect("postgres") as server:
        assert not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [first]).fetchall()


@pytest.mark.slow
def test_an_unfinished_template_carries_no_key(scratch):
    unfinished = cache.template_name("t", "k1", database=scratch.source)
    with cache.connect("postgres") as server:  # copied, then interrupted before it was marked and keyed
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(unfinished), sql.Identifier(scratch.source)
            )
        )

    assert cache.template_key(unfinished) is None
    cache.make_template(unfinished, "k1", tier="t", database=scratch.source)
    assert cache.template_key(unfinished) == "k1"
