"""A claim's own fields, hops and route: create a draft, save a new version."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import projection, vocab
from claims.models import AttributionHop, Claim, RouteStop, Source
from claims.services.common import require_perm
from claims.services.sources import get_or_create_source
from claims.services.validation import ClaimData, HopData, RouteStopData, validate_claim_data


class StaleVersion(Exception):
    """Someone else saved the claim after the version the caller started from."""

    def __init__(self, claim_id: int, expected_version: int, current_version: int | None = None):
        super().__init__(f"Claim {claim_id} is no longer at version {expected_version}")
        self.claim_id = claim_id
        self.expected_version = expected_version
        self.current_version = current_version


def can_edit_claim(user: AbstractBaseUser, claim: Claim) -> bool:
    """Reviewers edit any claim that is not retracted; editors edit their own drafts."""
    if claim.status == vocab.Status.RETRACTED or not user.has_perm("claims.change_claim"):
        return False
    if user.has_perm("claims.edit_any_claim"):
        return True
    return claim.status == vocab.Status.DRAFT and claim.created_by_id == user.pk


def apply_claim_fields(claim: Claim, data: ClaimData, event_range: tuple[date | None, date | None]) -> None:
    for name in (
        "statement",
        "kind",
        "supplier_id",
        "recipient_id",
        "place",
        "item_category",
        "item_description",
        "stage",
        "stance",
        "modality",
        "negated",
        "quantity_qualifier",
        "quantity_min",
        "quantity_max",
        "quantity_unit",
        "quantity_text",
        "event_precision",
    ):
        setattr(claim, name, getattr(data, name))
    claim.statement = data.statement.strip()
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
    return {
        "speaker_id": hop.speaker_id,
        "descriptor": hop.descriptor.strip(),
        "affiliation_id": hop.affiliation_id,
        "role": hop.role.strip(),
        "anonymity": hop.anonymity,
        "source": source,
        "quote": hop.quote.strip(),
        "quote_language": hop.quote_language,
        "translation": hop.translation.strip(),
    }


def stop_values(stop: RouteStopData) -> dict:
    return {
        "role": stop.role,
        "country": stop.country,
        "region": stop.region.strip(),
        "approximate": stop.approximate,
    }


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
    require_perm(by, "claims.add_claim")
    event_range = validate_claim_data(data)
    claim = Claim(created_by=by, updated_by=by, status=vocab.Status.DRAFT)
    apply_claim_fields(claim, data, event_range)
    claim._history_user = by
    claim.save()
    _write_children(claim, data, by)
    projection.record(claim, by=by, change="created")
    return claim


@transaction.atomic
def update_claim(*, claim_id: int, expected_version: int, data: ClaimData, by: AbstractBaseUser) -> Claim:
    """Save a new version of a claim, or refuse if someone else saved first."""
    claim = Claim.objects.get(pk=claim_id)
    if not can_edit_claim(by, claim):
        raise PermissionDenied(_("You cannot edit this claim in its current status."))
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
    projection.record(claim, by=by, change="edited")
    return claim
