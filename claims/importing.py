"""Bulk import of claims from CSV (the export's shape) or JSON Lines (the API's write shape)."""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from claims import policies, schema, selectors, services, sipri, tabular, vocab
from claims.models import Actor, Assessment, Claim, ClaimRelation
from claims.schema import ClaimData

# sipri: SIPRI's Trade Register layout (claims.sipri), edits the deals of claims already here.
FORMATS = ("csv", "jsonl", "sipri")


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
    updated: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class Row:
    """A readable row: the claim in the write shape, and what only a reviewer's import sets."""

    line: int
    data: ClaimData
    uuid: UUID | None = None
    version: int | None = None
    status: str = ""
    assessment: dict | None = None
    relations: list[dict] = field(default_factory=list)
    actor_names: dict[str, str] = field(default_factory=dict)

    @property
    def sets_workflow(self) -> bool:
        return self.status not in ("", vocab.Status.DRAFT) or bool(self.assessment or self.relations)


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        return "sipri" if set(sipri.HEADER) <= set(header) else "csv"
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
EDITOR_RULE = _(
    "An editor's import creates and edits drafts only: leave status (or set it to draft), the assessment"
    " columns and relations empty, or import as a reviewer."
)


def import_rows(
    rows: Iterable[tuple[int, dict | Exception]], *, by: AbstractBaseUser, progress=None
) -> ImportReport:
    """Each row is read in the write shape (claims.schema, plain Python) and checked by the services'
    validation. A row whose id is a claim in the database updates it (when its content differs); the
    others are created, in batches by services.create_claims, one transaction each, with history.
    Then, for a reviewer, each row's relations, assessment and status, through the services."""
    if not policies.may_create_claim(by):
        raise PermissionDenied(f"{by} may not create claims.")
    report = ImportReport()
    read = _read_all(rows, by, report, progress)
    read = _check_actor_names(read, report)
    existing = dict(
        Claim.objects.filter(uuid__in=[row.uuid for row in read if row.uuid]).values_list("uuid", "pk")
    )
    new = [row for row in read if row.uuid not in existing]
    # Last line first: an export lists the newest claim first, and so does the export after import.
    new.reverse()
    for start in range(0, len(new), BATCH):
        _create(new[start : start + BATCH], by, report)
    for row in read:
        if row.uuid in existing:
            _update(row, existing[row.uuid], by, report)
    rejected = {rejection.line for rejection in report.rejected}
    for row in read:
        if row.sets_workflow and row.line not in rejected:
            _apply_workflow(row, by, report)
    report.rejected.sort(key=lambda rejection: rejection.line)
    for done in (report.accepted, report.updated, report.unchanged):
        done.sort()
    return report


def _read_all(rows, by, report: ImportReport, progress) -> list[Row]:
    reviewer = policies.may_import_workflow(by)
    read, lines_of = [], {}
    for line, payload in rows:
        if progress is not None:
            progress.update(1)
        if isinstance(payload, Exception):
            report.rejected.append(Rejection(line, {"row": [str(payload)]}))
            continue
        try:
            row = _read(line, payload, reviewer)
        except schema.ShapeError as error:
            report.rejected.append(Rejection(line, error.messages))
            continue
        if row.uuid is not None and row.uuid in lines_of:
            message = _("The same id is on line %(line)s.") % {"line": lines_of[row.uuid]}
            report.rejected.append(Rejection(line, {"id": [message]}))
            continue
        lines_of[row.uuid] = line
        read.append(row)
    return read


def _read(line: int, payload: dict, reviewer: bool) -> Row:
    data = schema.read_write_shape(payload)
    errors: dict[str, list[str]] = {}
    claim_uuid = None
    if payload.get("id"):
        try:
            claim_uuid = UUID(str(payload["id"]))
        except ValueError:
            errors["id"] = [_("%(value)r is not a claim id (a UUID).") % {"value": payload["id"]}]
    status = payload.get("status") or ""
    if status and status not in vocab.Status.values:
        errors["status"] = [
            _("%(value)r is not one of: %(allowed)s.")
            % {"value": status, "allowed": ", ".join(vocab.Status.values)}
        ]
    relations = [
        rel
        for rel in payload.get("relations") or []
        if isinstance(rel, dict) and rel.get("direction", "out") == "out"
    ]
    row = Row(
        line=line,
        data=data,
        uuid=claim_uuid,
        version=payload.get("version"),
        status=status,
        assessment=payload.get("assessment"),
        relations=relations,
        actor_names=payload.get("actor_names") or {},
    )
    if row.sets_workflow and not reviewer:
        errors.setdefault("status", []).append(str(EDITOR_RULE))
    if errors:
        raise schema.ShapeError(errors)
    return row


def _actor_of(data: ClaimData, path: str) -> int | None:
    parts = path.split(".")
    if parts[0] == "participants":
        index = int(parts[1])
        return data.participant_ids[index] if index < len(data.participant_ids) else None
    if parts[0] == "hops":
        index = int(parts[1])
        return getattr(data.hops[index], f"{parts[2]}_id") if index < len(data.hops) else None
    return getattr(data, f"{path}_id")


def _check_actor_names(read: list[Row], report: ImportReport) -> list[Row]:
    """A row that names an actor must name the one its id points at: ids differ between databases."""
    ids = {_actor_of(row.data, path) for row in read for path in row.actor_names} - {None}
    names = dict(Actor.objects.filter(pk__in=ids).values_list("pk", "name"))
    kept = []
    for row in read:
        errors = {}
        for path, name in row.actor_names.items():
            actor_id = _actor_of(row.data, path)
            if actor_id is None:
                errors[path] = [_("The file names %(name)r but gives no actor id.") % {"name": name}]
            elif actor_id in names and names[actor_id] != name.strip():
                errors[path] = [
                    _(
                        "Actor %(id)s is %(actual)r here, the file names %(name)r: was the file exported"
                        " from another database?"
                    )
                    % {"id": actor_id, "actual": names[actor_id], "name": name}
                ]
        if errors:
            report.rejected.append(Rejection(row.line, errors))
        else:
            kept.append(row)
    return kept


def _create(batch: list[Row], by: AbstractBaseUser, report: ImportReport) -> None:
    created, refused = services.create_claims(
        rows=[row.data for row in batch], by=by, uuids=[row.uuid for row in batch]
    )
    for index, error in refused.items():
        report.rejected.append(Rejection(batch[index].line, error.message_dict))
    accepted = [row for index, row in enumerate(batch) if index not in refused]
    for row, claim in zip(accepted, created, strict=True):
        row.uuid = claim.uuid  # a row without an id gets the new claim's, for its workflow
        report.accepted.append((row.line, str(claim.uuid)))


def _update(row: Row, claim_id: int, by: AbstractBaseUser, report: ImportReport) -> None:
    claim = Claim.objects.get(pk=claim_id)
    [document] = selectors.documents_visible_to(by, [claim])
    if schema.read_write_shape(schema.write_shape(document)) == row.data:
        report.unchanged.append((row.line, str(row.uuid)))
        return
    try:
        services.update_claim(
            claim_id=claim_id, expected_version=row.version or claim.version, data=row.data, by=by
        )
    except services.StaleVersion as error:
        message = _("The claim is at version %(current)s, the file has %(given)s: export it again.") % {
            "current": error.current_version,
            "given": error.expected_version,
        }
        report.rejected.append(Rejection(row.line, {"version": [message]}))
    except PermissionDenied as error:
        report.rejected.append(Rejection(row.line, {"id": [str(error)]}))
    except ValidationError as error:
        report.rejected.append(Rejection(row.line, error.message_dict))
    else:
        report.updated.append((row.line, str(row.uuid)))


def _path(current: str, to: str) -> list[str] | None:
    """The workflow steps from one status to another (draft → in review → published → retracted)."""
    paths, seen = [(current, [])], {current}
    while paths:
        status, steps = paths.pop(0)
        if status == to:
            return steps
        for (from_, next_), _perm in vocab.TRANSITIONS.items():
            if from_ == status and next_ not in seen:
                seen.add(next_)
                paths.append((next_, [*steps, next_]))
    return None


@transaction.atomic
def _workflow(row: Row, by: AbstractBaseUser) -> None:
    """Relations first (a confirmed credibility needs one), then the assessment, then the status."""
    claim = Claim.objects.get(uuid=row.uuid)
    targets = dict(
        Claim.objects.filter(
            uuid__in=[rel.get("claim_id") for rel in row.relations if _is_uuid(rel.get("claim_id"))]
        ).values_list("uuid", "pk")
    )
    for index, rel in enumerate(row.relations):
        target = targets.get(UUID(rel["claim_id"])) if _is_uuid(rel.get("claim_id")) else None
        if target is None:
            raise ValidationError(
                {
                    f"relations.{index}.claim_id": [
                        _("No claim %(id)s here or in the file.") % {"id": rel.get("claim_id")}
                    ]
                }
            )
        kind = str(rel.get("kind", ""))
        if not ClaimRelation.objects.filter(from_claim=claim, to_claim_id=target, kind=kind).exists():
            services.add_relation(
                from_claim_id=claim.pk,
                to_claim_id=target,
                kind=kind,
                independence=str(rel.get("independence", "")),
                note=str(rel.get("note") or ""),
                by=by,
            )
    given = row.assessment
    if given:
        current = (
            Assessment.objects.filter(
                pk=Claim.objects.values_list("current_assessment", flat=True).get(pk=claim.pk)
            )
            .values("reliability", "credibility", "likelihood", "confidence", "rationale")
            .first()
        )
        if current != {
            **given,
            "likelihood": given.get("likelihood") or "",
            "confidence": given.get("confidence") or "",
        }:
            services.add_assessment(
                claim_id=claim.pk,
                by=by,
                reliability=given.get("reliability") or "",
                credibility=given.get("credibility"),
                likelihood=given.get("likelihood") or "",
                confidence=given.get("confidence") or "",
                rationale=given.get("rationale") or "",
            )
    status = Claim.objects.values_list("status", flat=True).get(pk=claim.pk)
    if row.status and row.status != status:
        steps = _path(status, row.status)
        if steps is None:
            raise ValidationError(
                {
                    "status": [
                        _("A claim cannot go from %(from)s to %(to)s.") % {"from": status, "to": row.status}
                    ]
                }
            )
        for step in steps:
            # The reviewer's file vouches for the sources: an import has no capture to show yet.
            services.transition_claim(
                claim_id=claim.pk, to=step, reason=str(IMPORT_REASON), by=by, confirm_unverified_sources=True
            )


IMPORT_REASON = _("Imported from a file by a reviewer.")


def _is_uuid(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def _apply_workflow(row: Row, by: AbstractBaseUser, report: ImportReport) -> None:
    try:
        _workflow(row, by)
    except ValidationError as error:
        report.rejected.append(Rejection(row.line, _prefixed(error)))
    except PermissionDenied as error:
        report.rejected.append(Rejection(row.line, {"status": [str(error)]}))


def _prefixed(error: ValidationError) -> dict[str, list[str]]:
    """A workflow step's refusal, saying the claim itself was written (its workflow was not)."""
    note = str(_("the claim's content was written; its relations, assessment and status were not"))
    return {path: [*messages, f"({note})"] for path, messages in error.message_dict.items()}


def read_rows(
    path: Path, file_format: str, *, by: AbstractBaseUser | None = None
) -> Iterator[tuple[int, dict | Exception]]:
    """The rows of a file; a SIPRI file's rows are the claims `by` may see, with its deals laid over."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if file_format == "sipri":
            yield from sipri.sipri_rows(handle, by=by)
        else:
            yield from (csv_rows if file_format == "csv" else jsonl_rows)(handle)
