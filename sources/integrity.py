"""Evidence integrity: every stored body and WARC record re-hashed against the SHA-256 it was stored under."""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from claims.models import SHORT_TEXT_MAX, Source, SourceCheck
from sources import evidence

CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    kind: str  # missing, mismatch or unreadable
    path: str  # under EVIDENCE_DIR
    detail: str
    source_ids: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.kind}: {self.path} ({self.detail})"


@dataclass
class Report:
    bodies: int = 0
    records: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_evidence() -> Report:
    """Re-hash everything the checks stored; flag the sources with a problem and clear those without.

    Flagged sources land in the needs-attention queue (Source.evidence_problem).
    """
    bodies: dict[str, set[int]] = defaultdict(set)
    records: dict[str, tuple[str, set[int]]] = {}
    stored = SourceCheck.objects.exclude(body_sha256="").values_list("source_id", "body_sha256", "warc_path")
    for source_id, digest, warc_path in stored.iterator():
        bodies[digest].add(source_id)
        if warc_path:
            records.setdefault(warc_path, (digest, set()))[1].add(source_id)
    report = Report(bodies=len(bodies), records=len(records))
    for digest, source_ids in bodies.items():
        problem = _check_body(digest)
        if problem:
            report.problems.append(Problem(*problem, tuple(sorted(source_ids))))
    for warc_path, (digest, source_ids) in records.items():
        problem = _check_record(warc_path, digest)
        if problem:
            report.problems.append(Problem(*problem, tuple(sorted(source_ids))))
    _flag_sources(report.problems)
    return report


def _check_body(digest: str) -> tuple[str, str, str] | None:
    path = evidence.body_path(digest)
    relative = str(path.relative_to(settings.EVIDENCE_DIR))
    try:
        actual = _sha256_of_file(path)
    except FileNotFoundError:
        return ("missing", relative, "the stored body is gone")
    except OSError as exc:
        return ("unreadable", relative, str(exc))
    if actual != digest:
        return ("mismatch", relative, f"SHA-256 is now {actual}")
    return None


def _check_record(warc_path: str, digest: str) -> tuple[str, str, str] | None:
    """The record's payload must hash to the body's SHA-256, and warcio's own digests must hold."""
    try:
        with (settings.EVIDENCE_DIR / warc_path).open("rb") as stream:
            record = next(iter(ArchiveIterator(stream, check_digests="raise")), None)
            if record is None:
                return ("unreadable", warc_path, "no WARC record in the file")
            payload = hashlib.sha256()
            while chunk := record.raw_stream.read(CHUNK):
                payload.update(chunk)
    except FileNotFoundError:
        return ("missing", warc_path, "the WARC file is gone")
    except ArchiveLoadFailed as exc:
        return ("mismatch", warc_path, f"WARC digest check failed: {exc}")
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        return ("unreadable", warc_path, f"{type(exc).__name__}: {exc}")
    if payload.hexdigest() != digest:
        return ("mismatch", warc_path, f"payload SHA-256 is {payload.hexdigest()}, not {digest}")
    return None


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def _flag_sources(problems: list[Problem]) -> None:
    found: dict[int, str] = {}
    for problem in problems:
        for source_id in problem.source_ids:
            found.setdefault(source_id, str(problem)[:SHORT_TEXT_MAX])
    # Queryset updates, like health: the flag changes with the files, not with an editor's edit.
    Source.objects.exclude(evidence_problem="").exclude(pk__in=found).update(evidence_problem="")
    for source_id, text in found.items():
        Source.objects.filter(pk=source_id).update(evidence_problem=text)
