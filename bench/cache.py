"""Generated tiers kept as pg_dump archives (var/bench-cache), restored instead of generated again.

A dump is keyed by what decides its content: the generator's version and seed, the tier's size, the
documents' schema version, the migrations applied and PostgreSQL's major version (pg_restore refuses
archives from a newer server). Change any of them and the key changes: the tier is generated afresh
and dumped under its new key. Delete the directory to drop every cached tier.
"""

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from bench import generate as generator
from bench.measure import ROOT
from claims.projection import SCHEMA_VERSION

CACHE_DIR = Path(os.environ.get("BENCH_CACHE_DIR", ROOT / "var" / "bench-cache"))
# Below this, generating costs no more than restoring: smaller tiers are generated each run.
CACHED_FROM = 100_000


def cache_key(*, claims: int, migrations: list[str], server_major: int,
              generator_version: int = generator.GENERATOR_VERSION, seed: int = generator.SEED,
              schema_version: int = SCHEMA_VERSION) -> str:  # fmt: skip
    material = {
        "generator": generator_version,
        "seed": seed,
        "claims": claims,
        "schema": schema_version,
        "migrations": sorted(migrations),
        "postgresql": server_major,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


def dump_path(tier: str, key: str) -> Path:
    return CACHE_DIR / f"{tier}-{key}.dump"


def current_key(claims: int) -> str:
    """The key of a tier generated now, into this database as migrated now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations")
        migrations = [row[0] for row in cursor.fetchall()]
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10_000
    return cache_key(claims=claims, migrations=migrations, server_major=server_major)


def _libpq_env() -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "postgres",
        **({"PGPASSWORD": db["PASSWORD"]} if db["PASSWORD"] else {}),
    }


def dump(path: Path) -> None:
    """The whole database (schema, data, migrations table) to `path`; written under a temporary name
    first, so an interrupted dump is never taken for a cached tier."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    subprocess.run(
        ["pg_dump", "--format=custom", "--compress=1", f"--file={partial}", connection.settings_dict["NAME"]],
        env=_libpq_env(),
        check=True,
    )
    partial.rename(path)


def restore(path: Path, *, workers: int = generator.WORKERS) -> None:
    """The database replaced by the archive: dropped, created, restored (indexes built after the
    data, `workers` at a time), then analysed, as pg_restore brings no planner statistics."""
    name = connection.settings_dict["NAME"]
    connection.close()
    env = _libpq_env()
    for statement in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", statement], env=env, check=True)
    subprocess.run(
        ["pg_restore", f"--jobs={workers}", "--no-owner", "--exit-on-error", f"--dbname={name}", str(path)],
        env=env,
        check=True,
    )
    generator.analyze(workers)


def load(tier: str, claims: int, *, use_cache: bool = True,
         generate: Callable[..., generator.Loaded] = generator.generate) -> dict:  # fmt: skip
    """Fill the database with the tier: restored from its dump when one matches, else generated
    (and dumped, for the next run, when the tier is large enough to be worth it)."""
    cached = use_cache and claims >= CACHED_FROM
    path = dump_path(tier, current_key(claims)) if cached else None
    if path is not None and path.exists():
        started = time.perf_counter()
        restore(path)
        meta = path.with_suffix(".json")
        generated = json.loads(meta.read_text()) if meta.exists() else {"claims": claims}
        return {
            **generated,
            "restored_from": path.name,
            "restore_seconds": round(time.perf_counter() - started, 1),
        }
    loaded = generate(claims=claims)
    figures = {"claims": loaded.claims, "rows": loaded.rows, "seconds": round(loaded.seconds, 2),
               "rows_per_s": round(loaded.rows_per_second)}  # fmt: skip
    if path is not None:
        started = time.perf_counter()
        dump(path)
        figures["dump_seconds"] = round(time.perf_counter() - started, 1)
        figures["dump_mb"] = round(path.stat().st_size / 2**20)
        path.with_suffix(".json").write_text(json.dumps(figures))
    return figures
