"""Bulk import of claims from CSV (the export's shape) or JSON Lines (the API's write shape)."""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from claims import policies, schema, services, tabular
from claims.schema import ClaimData

FORMATS = ("csv", "jsonl")


@dataclass
class Rejection:
    line: int
    reasons: dict[str, list[str]]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(
            f"{path}: {' '.join(messages)}" for path, messages in sorted(self.reasons.items())
        )


@dataclass
class ImportReport:
    accepted: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "csv":
        return "csv"
    raise ValueError(f"Cannot tell the format of {path.name}: name it .csv or .jsonl, or pass --format.")


# Python's csv reader stops at cells over 128 KiB by raising, which used to end the whole import; a
# legitimate hops cell (quotes and translations) can pass that. Cells up to this size are read, and
# validation refuses oversize text by field; a larger one refuses its row by line, and reading goes on.
CSV_CELL_READ_LIMIT = 4 * 1024 * 1024


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict | Exception]]:
    """(line number where the record starts, write payload or the reason it cannot be read)."""
    previous_limit = csv.field_size_limit(CSV_CELL_READ_LIMIT)
    try:
        reader = csv.DictReader(lines)
        start = 2  # line 1 is the header
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, tabular.RowError(f"cannot be read as CSV ({error}).")
            else:
                try:
                    yield start, tabular.write_payload(row)
                except tabular.RowError as error:
                    yield start, error
            start = reader.reader.line_num + 1  # DictReader's own count stops at a refused row
    finally:
        csv.field_size_limit(previous_limit)


def jsonl_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict | Exception]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, tabular.RowError(f"not valid JSON ({error.msg}).")
            continue
        yield number, payload if isinstance(payload, dict) else tabular.RowError("expected a JSON object.")


BATCH = 500


def import_rows(
    rows: Iterable[tuple[int, dict | Exception]], *, by: AbstractBaseUser, progress=None
) -> ImportReport:
    """Each row is read in the write shape (claims.schema, plain Python) and checked by the services'
    validation; the rows that pass are written in batches by services.create_claims, one transaction
    each, with history."""
    if not policies.may_create_claim(by):
        raise PermissionDenied(f"{by} may not create claims.")
    report = ImportReport()
    batch: list[tuple[int, ClaimData]] = []
    for line, payload in rows:
        if progress is not None:
            progress.update(1)
        if isinstance(payload, Exception):
            report.rejected.append(Rejection(line, {"row": [str(payload)]}))
            continue
        try:
            batch.append((line, schema.read_write_shape(payload)))
        except schema.ShapeError as error:
            report.rejected.append(Rejection(line, error.messages))
            continue
        if len(batch) == BATCH:
            _write(batch, by, report)
            batch = []
    _write(batch, by, report)
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def _write(batch: list[tuple[int, ClaimData]], by: AbstractBaseUser, report: ImportReport) -> None:
    if not batch:
        return
    lines = [line for line, _ in batch]
    created, refused = services.create_claims(rows=[data for _, data in batch], by=by)
    for index, error in refused.items():
        report.rejected.append(Rejection(lines[index], error.message_dict))
    accepted_lines = [line for index, line in enumerate(lines) if index not in refused]
    report.accepted.extend(zip(accepted_lines, (str(claim.uuid) for claim in created), strict=True))


def read_rows(path: Path, file_format: str) -> Iterator[tuple[int, dict | Exception]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from (csv_rows if file_format == "csv" else jsonl_rows)(handle)
