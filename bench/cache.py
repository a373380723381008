"""Generated tiers kept as pg_dump archives (var/bench-cache), restored instead of generated again.

A dump is keyed by what decides its content: the generator's version and seed, the tier's size, the
documents' schema version, the migrations applied and PostgreSQL's major version (pg_restore refuses
archives from a newer server). Change any of them and the key changes: the tier is generated afresh
and dumped under its new key. Delete the directory to drop every cached tier.

Beside the dump, the server keeps a template database of the loaded tier, named after the benchmark
database, the tier and the key, with the key in its comment: the tier is then a copy of the template's
files (seconds), where a restore re-parses every document and recomputes every search vector (minutes
at 1M). The dump stays the durable copy: a template is used only beside its dump and only when its
comment carries the current key; otherwise the tier is restored or generated, and the template made again.
"""

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from django.db import connection
from psycopg import sql

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


def connect(database: str = "postgres") -> psycopg.Connection:
    """A connection of its own to the benchmark's server, in autocommit: CREATE and DROP DATABASE run
    outside a transaction, from another database than the ones they act on."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=database,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


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
    with connect() as maintenance:
        maintenance.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        ["pg_restore", f"--jobs={workers}", "--no-owner", "--exit-on-error", f"--dbname={name}", str(path)],
        env=_libpq_env(),
        check=True,
    )
    generator.analyze(workers)


def template_prefix(tier: str, *, database: str) -> str:
    """What the names of `database`'s templates of `tier` start with. PostgreSQL cuts names at 63
    bytes: the database's part is shortened, never the key."""
    return f"{database[:36]}_tpl_{tier}_"


def template_name(tier: str, key: str, *, database: str) -> str:
    return template_prefix(tier, database=database) + key


def template_key(template: str) -> str | None:
    """The key in the template's comment; None when there is no such template (or it is unfinished:
    not yet marked a template)."""
    with connect() as maintenance:
        row = maintenance.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s AND datistemplate",
            [template],
        ).fetchone()
    return row[0] if row else None


def clone(template: str, *, database: str) -> None:
    """`database` replaced by a copy of the template's files (FILE_COPY: no document parsed, no
    vector computed, no index built; the planner statistics come with the files)."""
    connection.close()
    with connect() as maintenance:
        maintenance.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        maintenance.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(database), sql.Identifier(template)
            )
        )


def drop_templates(tier: str, *, database: str) -> None:
    """Every template of `database`'s tier, whatever its key."""
    with connect() as maintenance:
        for (name,) in maintenance.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
            [template_prefix(tier, database=database)],
        ).fetchall():
            name = sql.Identifier(name)
            maintenance.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(name))
            maintenance.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))


def make_template(template: str, key: str, *, tier: str, database: str) -> None:
    """The loaded `database` copied into `template`, replacing its other templates of the tier
    (other keys: stale, and each as large as the tier). The key is written last: a template left
    unfinished by an interruption is never used."""
    drop_templates(tier, database=database)
    connection.close()
    with connect() as maintenance:
        # A template's source may have no other connection: ended, as restore's DROP … WITH (FORCE) does.
        maintenance.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %s",
            [database],
        )
        target = sql.Identifier(template)
        maintenance.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                target, sql.Identifier(database)
            )
        )
        # Refusing connections: nothing changes it between the runs that copy it.
        maintenance.execute(
            sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(target)
        )
        maintenance.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(target, sql.Literal(key)))


def load(tier: str, claims: int, *, use_cache: bool = True,
         generate: Callable[..., generator.Loaded] = generator.generate) -> dict:  # fmt: skip
    """Fill the database with the tier: copied from its template or restored from its dump when they
    match, else generated (and dumped and templated, for the next run, when the tier is large enough
    to be worth it)."""
    cached = use_cache and claims >= CACHED_FROM
    key = current_key(claims) if cached else None
    path = dump_path(tier, key) if cached else None
    database = connection.settings_dict["NAME"]
    template = template_name(tier, key, database=database) if cached else None
    if path is not None and path.exists():
        started = time.perf_counter()
        if template_key(template) == key:
            clone(template, database=database)
            figures = {"restored_by": "template", "restore_seconds": round(time.perf_counter() - started, 1)}
        else:  # no template yet, or a stale one: refused, and made again from the dump
            restore(path)
            figures = {"restored_by": "dump", "restore_seconds": round(time.perf_counter() - started, 1)}
            figures |= _templated(template, key, tier=tier, database=database)
        meta = path.with_suffix(".json")
        generated = json.loads(meta.read_text()) if meta.exists() else {"claims": claims}
        return {**generated, "restored_from": path.name, **figures}
    loaded = generate(claims=claims)
    figures = {"claims": loaded.claims, "rows": loaded.rows, "seconds": round(loaded.seconds, 2),
               "rows_per_s": round(loaded.rows_per_second)}  # fmt: skip
    if path is not None:
        started = time.perf_counter()
        dump(path)
        figures["dump_seconds"] = round(time.perf_counter() - started, 1)
        figures["dump_mb"] = round(path.stat().st_size / 2**20)
        path.with_suffix(".json").write_text(json.dumps(figures))
        figures |= _templated(template, key, tier=tier, database=database)
    return figures


def _templated(template: str, key: str, *, tier: str, database: str) -> dict:
    started = time.perf_counter()
    make_template(template, key, tier=tier, database=database)
    return {"template_seconds": round(time.perf_counter() - started, 1)}
