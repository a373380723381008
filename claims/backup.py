"""Backup and restore of an installation: the database (pg_dump or SQLite's backup API) and the evidence."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that was refused; nothing was written."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _vendor() -> str:
    vendor = connections["default"].vendor
    if vendor not in DUMPS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_env() -> dict[str, str]:
    """libpq's variables for the default database: the password never appears on a command line."""
    db = connections["default"].settings_dict
    values = {"PGHOST": db["HOST"], "PGPORT": db["PORT"], "PGUSER": db["USER"], "PGPASSWORD": db["PASSWORD"]}
    return {**os.environ, "PGDATABASE": db["NAME"], **{k: str(v) for k, v in values.items() if v}}


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not on PATH (Debian: postgresql-client).") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(directory: Path) -> dict:
    """Write the database, then the evidence, and a manifest of checksums into an empty `directory`."""
    vendor = _vendor()
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # the dump holds password hashes and token digests
    dump = directory / DUMPS[vendor]
    # The database first, as one consistent snapshot (pg_dump's single transaction; SQLite's backup API);
    # evidence is written before the row that cites it commits and is never deleted, so every file the
    # snapshot cites already exists when the evidence is copied next. Later files are harmless extras.
    if vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"])
    else:
        source = sqlite3.connect(str(connections["default"].settings_dict["NAME"]), uri=True)
        with closing(source), closing(sqlite3.connect(dump)) as target:
            source.backup(target)
    evidence = directory / "evidence"
    if settings.EVIDENCE_DIR.exists():
        shutil.copytree(settings.EVIDENCE_DIR, evidence, ignore=shutil.ignore_patterns("*.part"))
    files = {DUMPS[vendor]: _sha256(dump)}
    for path in sorted(evidence.rglob("*")) if evidence.exists() else []:
        if path.is_file():
            files[str(path.relative_to(directory))] = _sha256(path)
    manifest = {"format": FORMAT, "vendor": vendor, "created_at": timezone.now().isoformat(), "files": files}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _verified_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{directory} holds no readable {MANIFEST}: not a backup.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, digest in manifest["files"].items():
        path = directory / name
        # A manifest names files inside the backup only; evidence lands inside EVIDENCE_DIR only.
        if not path.resolve().is_relative_to(directory.resolve()) or not _inside_evidence(name):
            raise BackupError(f"{name!r} points outside the backup: not a backup this tool made.")
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or damaged (its SHA-256 differs from the manifest).")
    return manifest


def _inside_evidence(name: str) -> bool:
    if not name.startswith("evidence/"):
        return True
    target = (settings.EVIDENCE_DIR / Path(name).relative_to("evidence")).resolve()
    return target.is_relative_to(Path(settings.EVIDENCE_DIR).resolve())


def restore(directory: Path) -> dict:
    """Load a backup into an empty database and the evidence directory; refuse anything else untouched."""
    vendor = _vendor()
    manifest = _verified_manifest(directory)
    if manifest["vendor"] != vendor:
        raise BackupError(f"This backup is of a {manifest['vendor']} database; the target is {vendor}.")
    if DUMPS[vendor] not in manifest["files"]:
        raise BackupError(f"The manifest does not vouch for {DUMPS[vendor]}: not a backup this tool made.")
    connection = connections["default"]
    if connection.introspection.table_names():
        raise BackupError("The target database is not empty: restore only into a new, empty database.")
    evidence = [name for name in manifest["files"] if name.startswith("evidence/")]
    for name in evidence:
        target = settings.EVIDENCE_DIR / Path(name).relative_to("evidence")
        if target.exists() and _sha256(target) != manifest["files"][name]:
            raise BackupError(
                f"{target} exists with other content; restore into an empty evidence directory."
            )
    dump = directory / DUMPS[vendor]
    if vendor == "postgresql":
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(dump)])  # fmt: skip
    else:
        connection.close()
        target = sqlite3.connect(str(connection.settings_dict["NAME"]), uri=True)
        with closing(sqlite3.connect(dump)) as source, closing(target):
            source.backup(target)
    for name in evidence:
        target = settings.EVIDENCE_DIR / Path(name).relative_to("evidence")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = target.with_name(f"{target.name}.restore.part")
            shutil.copyfile(directory / name, partial)
            os.replace(partial, target)
    return manifest
