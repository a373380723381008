"""A claim's own fields, hops and route: create a draft, save a new version."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import changes, policies, projection, schema, vocab
from claims.models import AttributionHop, Claim, ClaimRelation, RouteStop, Source
from claims.services.common import require
from claims.services.relations import flag_lineage_conflicts, remove_relation
from claims.services.sources import get_or_create_source
from claims.services.validation import ClaimData, Errors, HopData, RouteStopData, validate_claim_data
from claims.services.workflow import REASON_MAX


class StaleVersion(Exception):
    """Someone else saved the claim after the version the caller started from."""

    def __init__(self, claim_id: int, expected_version: int, current_version: int | None = None):
        super().__init__(f"Claim {claim_id} is no longer at version {expected_version}")
        self.claim_id = claim_id
        self.expected_version = expected_version
        self.current_version = current_version


def _stripped(values: dict) -> dict:
    return {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}


def apply_claim_fields(claim: Claim, data: ClaimData, event_range: tuple[date | None, date | None]) -> None:
    for name, value in _stripped(data.column_values()).items():
        setattr(claim, name, value)
    claim.event_start, claim.event_end = event_range


def _sync_children(claim: Claim, model, rows: list, values, by: AbstractBaseUser) -> None:
    """Update rows in place by position, add new positions, delete the rest (each change in history)."""
    existing = {child.position: child for child in model.objects.filter(claim=claim)}
    for row in rows:
        child = existing.pop(row.position, None) or model(claim=claim, position=row.position)
        for name, value in values(row).items():
            setattr(child, name, value)
        child._history_user = by
        child.save()
    for child in existing.values():
        child._history_user = by
        child.delete()


def hop_values(hop: HopData, source: Source | None) -> dict:
    return {**_stripped(schema.row_values(hop)), "source": source}


def stop_values(stop: RouteStopData) -> dict:
    return _stripped(schema.row_values(stop))


def _write_children(claim: Claim, data: ClaimData, by: AbstractBaseUser) -> None:
    sources = {
        hop.source_url: get_or_create_source(url=hop.source_url, by=by) for hop in data.hops if hop.source_url
    }
    _sync_children(
        claim, AttributionHop, data.hops, lambda hop: hop_values(hop, sources.get(hop.source_url)), by
    )
    _sync_children(claim, RouteStop, data.route, stop_values, by)
    claim.participants.set(data.participant_ids)


@transaction.atomic
def create_claim(*, data: ClaimData, by: AbstractBaseUser) -> Claim:
    """Create a draft claim with its hops and route."""
    require(policies.may_create_claim(by), _("Only editors create claims."))
    event_range = validate_claim_data(data)
    claim = Claim(created_by=by, updated_by=by, status=vocab.Status.DRAFT)
    apply_claim_fields(claim, data, event_range)
    claim._history_user = by
    claim.save()
    _write_children(claim, data, by)
    projection.record(claim, by=by, change=changes.created())
    return claim


@transaction.atomic
def update_claim(*, claim_id: int, expected_version: int, data: ClaimData, by: AbstractBaseUser) -> Claim:
    """Save a new version of a claim, or refuse if someone else saved first."""
    claim = Claim.objects.get(pk=claim_id)
    require(policies.may_edit(by, claim), _("You cannot edit this claim in its current status."))
    return save_version(claim_id, expected_version, data, by, changes.edited())


def reverted_data(claim: Claim, *, to_version: int, reason: str) -> ClaimData:
    """The content of an earlier version as an edit's input, or field errors saying why not."""
    errors = Errors()
    if not reason.strip():
        errors.add("reason", _("Say why: a reason is required."))
    errors.check_length("reason", reason, REASON_MAX)
    earlier = claim.versions.filter(version=to_version).first()
    if earlier is None:
        errors.add("to_version", _("This claim has no version %(n)s.") % {"n": to_version})
    elif to_version == claim.version:
        errors.add("to_version", _("Version %(n)s is the current version.") % {"n": to_version})
    errors.raise_if_any()
    return schema.from_write_shape(schema.write_shape(earlier.snapshot))


@transaction.atomic
def revert_claim(
    *, claim_id: int, to_version: int, expected_version: int, reason: str, by: AbstractBaseUser
) -> Claim:
    """Save a new version whose content (fields, hops, route) equals an earlier version's.

    The same permission as an edit, so a published claim goes back only by a reviewer's act (an
    editor proposes the revert instead: services.propose_revert); its assessments and relations are
    left as they are now.
    """
    claim = Claim.objects.get(pk=claim_id)
    require(policies.may_edit(by, claim), _("You cannot edit this claim in its current status."))
    data = reverted_data(claim, to_version=to_version, reason=reason)
    return save_version(
        claim_id, expected_version, data, by, changes.reverted(to_version=to_version, reason=reason.strip())
    )


def save_version(
    claim_id: int, expected_version: int, data: ClaimData, by: AbstractBaseUser, change: dict
) -> Claim:
    event_range = validate_claim_data(data)
    claimed = Claim.objects.filter(pk=claim_id, version=expected_version).update(version=F("version") + 1)
    if not claimed:  # another writer's save got there first: never overwrite it silently
        current = Claim.objects.filter(pk=claim_id).values_list("version", flat=True).first()
        raise StaleVersion(claim_id, expected_version, current)
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    apply_claim_fields(claim, data, event_range)
    claim.updated_by = by
    claim.updated_at = timezone.now()
    claim._history_user = by
    claim.save()
    _write_children(claim, data, by)
    neighbours = flag_lineage_conflicts({claim.pk})
    projection.record(claim, by=by, change=change)
    projection.refresh_documents(neighbours)
    return claim


@transaction.atomic
def discard_claim(*, claim_id: int, by: AbstractBaseUser) -> None:
    """Delete a claim that was never published; its history keeps who deleted it and when.

    Relations go first, through the service that removes them, so related claims get a new version
    saying so; a relation to a public claim needs a reviewer, as everywhere.
    """
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    require(
        policies.may_discard(by, claim),
        _(
            "Only its author or a reviewer discards a claim, and only one never published: "
            "retract a published claim instead."
        ),
    )
    relations = ClaimRelation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim)).order_by("pk")
    for relation_id in relations.values_list("pk", flat=True):
        remove_relation(relation_id=relation_id, by=by)
    claim = Claim.objects.get(pk=claim_id)
    claim._history_user = by
    claim.delete()
