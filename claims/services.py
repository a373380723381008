"""Every write that spans models or has side effects: views, API, admin, importer and tasks call these."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from claims import vocab
from claims.models import (
    QUOTE_MAX,
    RATIONALE_MAX,
    SHORT_TEXT_MAX,
    STATEMENT_MAX,
    Actor,
    Assessment,
    AttributionHop,
    Claim,
    ClaimRelation,
    ClaimVersion,
    FeedEvent,
    RouteStop,
    Source,
    StatusChange,
    normalise_url,
    validate_country,
    validate_language,
)
from claims.representation import represent_claim
from sources import dispatch

# Any constant works: it only has to be the same for every writer of the feed.
FEED_LOCK_ID = 0x43_4C_41_49_4D  # "CLAIM"
REASON_MAX = SHORT_TEXT_MAX * 2


class StaleVersion(Exception):
    """Someone else saved the claim after the version the caller started from."""

    def __init__(self, claim_id: int, expected_version: int, current_version: int | None = None):
        super().__init__(f"Claim {claim_id} is no longer at version {expected_version}")
        self.claim_id = claim_id
        self.expected_version = expected_version
        self.current_version = current_version


@dataclass
class HopData:
    position: int
    anonymity: str
    speaker_id: int | None = None
    descriptor: str = ""
    affiliation_id: int | None = None
    role: str = ""
    source_url: str = ""
    quote: str = ""
    quote_language: str = ""
    translation: str = ""


@dataclass
class RouteStopData:
    position: int
    role: str
    country: str = ""
    region: str = ""
    approximate: bool = False


@dataclass
class ClaimData:
    statement: str
    kind: str
    hops: list[HopData]
    supplier_id: int | None = None
    recipient_id: int | None = None
    participant_ids: list[int] = field(default_factory=list)
    place: str = ""
    item_category: str = ""
    item_description: str = ""
    stage: str = ""
    stance: str = vocab.Stance.ASSERT
    modality: str = vocab.Modality.OCCURRED
    negated: bool = False
    quantity_qualifier: str = vocab.QuantityQualifier.UNKNOWN
    quantity_min: int | None = None
    quantity_max: int | None = None
    quantity_unit: str = ""
    quantity_text: str = ""
    event_start: date | None = None
    event_end: date | None = None
    event_precision: str = vocab.DatePrecision.UNKNOWN
    route: list[RouteStopData] = field(default_factory=list)


class _Errors:
    """Collects field-level messages under dotted paths ("hops.1.speaker") and raises them together."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.messages.setdefault(path, []).append(str(message))

    def check_choice(self, path: str, value: str, choices: type, *, required: bool = True) -> None:
        if value == "" and not required:
            return
        if value not in choices.values:
            allowed = ", ".join(str(v) for v in choices.values)
            self.add(path, _("%(value)r is not one of: %(allowed)s.") % {"value": value, "allowed": allowed})

    def check_length(self, path: str, value: str, limit: int) -> None:
        if len(value) > limit:
            self.add(
                path,
                _("At most %(limit)d characters (this has %(count)d).")
                % {"limit": limit, "count": len(value)},
            )

    def check_validator(self, path: str, value: str, validator) -> None:
        try:
            validator(value)
        except ValidationError as error:
            for message in error.messages:
                self.add(path, message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def _require_perm(user: AbstractBaseUser, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this (%(perm)s).") % {"perm": perm})


def can_edit_claim(user: AbstractBaseUser, claim: Claim) -> bool:
    """Reviewers edit any claim that is not retracted; editors edit their own drafts."""
    if claim.status == vocab.Status.RETRACTED or not user.has_perm("claims.change_claim"):
        return False
    if user.has_perm("claims.edit_any_claim"):
        return True
    return claim.status == vocab.Status.DRAFT and claim.created_by_id == user.pk


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _event_range(data: ClaimData, errors: _Errors) -> tuple[date | None, date | None]:
    """Turn a precision and the dates given into the inclusive range the precision covers."""
    start, end, precision = data.event_start, data.event_end, data.event_precision
    errors.check_choice("event_precision", precision, vocab.DatePrecision)
    if precision == vocab.DatePrecision.UNKNOWN:
        if start or end:
            errors.add("event_precision", _("Give a precision other than unknown when dates are given."))
        return None, None
    if start is None:
        errors.add("event_start", _("A start date is required with precision %(p)s.") % {"p": precision})
        return None, end
    if end is not None and end < start:
        errors.add("event_end", _("The end date must be on or after the start date."))
        return start, end
    if precision == vocab.DatePrecision.DAY:
        if end not in (None, start):
            errors.add("event_end", _("With day precision the end date is the start date."))
        return start, start
    if precision == vocab.DatePrecision.MONTH:
        return start.replace(day=1), _month_end(start)
    if precision == vocab.DatePrecision.YEAR:
        return start.replace(month=1, day=1), start.replace(month=12, day=31)
    if precision == vocab.DatePrecision.INTERVAL and end is None:
        errors.add("event_end", _("An interval needs an end date."))
    return start, end or start


def _check_quantity(data: ClaimData, errors: _Errors) -> None:
    qualifier, low, high = data.quantity_qualifier, data.quantity_min, data.quantity_max
    errors.check_choice("quantity_qualifier", qualifier, vocab.QuantityQualifier)
    for path, value in (("quantity_min", low), ("quantity_max", high)):
        if value is not None and value < 0:
            errors.add(path, _("A quantity cannot be negative."))
    if low is not None and high is not None and low > high:
        errors.add("quantity_max", _("The maximum must be greater than or equal to the minimum."))
    Q_ = vocab.QuantityQualifier
    if qualifier in (Q_.QUALITATIVE, Q_.UNKNOWN):
        if low is not None or high is not None:
            errors.add("quantity_qualifier", _("A %(q)s quantity carries no numbers.") % {"q": qualifier})
        if qualifier == Q_.QUALITATIVE and not data.quantity_text.strip():
            errors.add("quantity_text", _("Give the words used, e.g. 'limited quantities'."))
    elif qualifier in (Q_.EXACT, Q_.ABOUT, Q_.AT_LEAST) and low is None:
        errors.add("quantity_min", _("A quantity qualified as %(q)s needs a number.") % {"q": qualifier})
    elif qualifier == Q_.UP_TO and high is None:
        errors.add("quantity_max", _("'Up to' needs a maximum."))
    elif qualifier == Q_.RANGE and (low is None or high is None):
        errors.add("quantity_max", _("A range needs both a minimum and a maximum."))
    if qualifier == Q_.EXACT and high not in (None, low):
        errors.add("quantity_max", _("An exact quantity has one number."))
    if qualifier == Q_.AT_LEAST and high is not None:
        errors.add("quantity_max", _("'At least' has no maximum."))
    if qualifier == Q_.UP_TO and low is not None:
        errors.add("quantity_min", _("'Up to' has no minimum."))
    errors.check_length("quantity_unit", data.quantity_unit, 100)
    errors.check_length("quantity_text", data.quantity_text, 200)


def _check_positions(path: str, positions: list[int], errors: _Errors) -> None:
    if sorted(positions) != list(range(len(positions))):
        errors.add(
            path, _("Positions must run 0, 1, 2 … without gaps or repeats (got %(p)s).") % {"p": positions}
        )


def _check_hops(hops: list[HopData], actors: dict[int, Actor], errors: _Errors) -> None:
    if not hops:
        errors.add("hops", _("A claim needs at least one attribution hop: who said it."))
        return
    _check_positions("hops", [hop.position for hop in hops], errors)
    last = max(hops, key=lambda hop: hop.position)
    for index, hop in enumerate(hops):
        path = f"hops.{index}"
        errors.check_choice(f"{path}.anonymity", hop.anonymity, vocab.Anonymity)
        for name, actor_id in (("speaker", hop.speaker_id), ("affiliation", hop.affiliation_id)):
            if actor_id is not None and actor_id not in actors:
                errors.add(f"{path}.{name}", _("Unknown actor %(id)s.") % {"id": actor_id})
        if hop.anonymity in vocab.NAMED_ANONYMITY and hop.speaker_id is None:
            errors.add(f"{path}.speaker", _("A named source needs a speaker actor."))
        if hop.anonymity in vocab.DESCRIBED_ANONYMITY and not hop.descriptor.strip():
            errors.add(
                f"{path}.descriptor", _("An unnamed source needs the words used, e.g. 'a US official'.")
            )
        if (
            hop.anonymity == vocab.Anonymity.OUTLET_VOICE
            and hop.speaker_id is None
            and not hop.descriptor.strip()
        ):
            errors.add(f"{path}.speaker", _("Name the outlet speaking in its own voice."))
        errors.check_length(f"{path}.descriptor", hop.descriptor, SHORT_TEXT_MAX)
        errors.check_length(f"{path}.role", hop.role, SHORT_TEXT_MAX)
        errors.check_length(f"{path}.quote", hop.quote, QUOTE_MAX)
        errors.check_length(f"{path}.translation", hop.translation, QUOTE_MAX)
        errors.check_validator(f"{path}.quote_language", hop.quote_language, validate_language)
        if hop.quote.strip() and not hop.quote_language:
            errors.add(f"{path}.quote_language", _("Give the language of the quote (e.g. it)."))
        if hop.translation.strip() and not hop.quote.strip():
            errors.add(f"{path}.translation", _("A translation needs the original quote."))
        if hop.source_url:
            errors.check_validator(f"{path}.source", hop.source_url, normalise_url)
        elif hop is last:
            errors.add(f"{path}.source", _("The last hop is the document we read: give its URL."))


def _check_route(route: list[RouteStopData], errors: _Errors) -> None:
    _check_positions("route", [stop.position for stop in route], errors)
    for index, stop in enumerate(route):
        path = f"route.{index}"
        errors.check_choice(f"{path}.role", stop.role, vocab.RouteRole)
        errors.check_validator(f"{path}.country", stop.country, validate_country)
        errors.check_length(f"{path}.region", stop.region, 200)
        if not stop.country and not stop.region.strip():
            errors.add(f"{path}.country", _("A route stop needs a country or a region."))


def _check_claim_fields(
    data: ClaimData, errors: _Errors, known: dict[int, Actor] | None = None
) -> tuple[date | None, date | None]:
    if not data.statement.strip():
        errors.add("statement", _("A statement is required."))
    errors.check_length("statement", data.statement, STATEMENT_MAX)
    errors.check_choice("kind", data.kind, vocab.ClaimKind)
    errors.check_choice("item_category", data.item_category, vocab.ItemCategory, required=False)
    errors.check_choice("stage", data.stage, vocab.Stage, required=False)
    errors.check_choice("stance", data.stance, vocab.Stance)
    errors.check_choice("modality", data.modality, vocab.Modality)
    errors.check_length("place", data.place, 200)
    errors.check_length("item_description", data.item_description, SHORT_TEXT_MAX)

    actors = _actors_by_id({data.supplier_id, data.recipient_id, *data.participant_ids}, known)
    for path, actor_id in (("supplier", data.supplier_id), ("recipient", data.recipient_id)):
        if actor_id is not None and actor_id not in actors:
            errors.add(path, _("Unknown actor %(id)s.") % {"id": actor_id})
    for actor_id in data.participant_ids:
        if actor_id not in actors:
            errors.add("participants", _("Unknown actor %(id)s.") % {"id": actor_id})
    if len(set(data.participant_ids)) != len(data.participant_ids):
        errors.add("participants", _("Each participant is listed once."))

    if data.supplier_id is not None and data.supplier_id == data.recipient_id:
        errors.add("recipient", _("The supplier and the recipient must be different actors."))
    if data.kind == vocab.ClaimKind.TRANSFER:
        for path, value in (
            ("supplier", data.supplier_id),
            ("recipient", data.recipient_id),
            ("item_category", data.item_category),
            ("stage", data.stage),
        ):
            if value in (None, ""):
                errors.add(
                    path, _("A transfer needs this; use the 'unknown' actor or category when unknown.")
                )
    elif (
        data.kind in (vocab.ClaimKind.MILITARY_COOPERATION, vocab.ClaimKind.DIPLOMATIC_EVENT)
        and not data.participant_ids
    ):
        errors.add("participants", _("Name at least one participant."))
    if data.stance == vocab.Stance.SPECULATE and data.modality == vocab.Modality.OCCURRED:
        errors.add(
            "modality", _("Speculation cannot be recorded as having occurred: use possible or planned.")
        )

    _check_quantity(data, errors)
    return _event_range(data, errors)


def _actors_by_id(ids: set[int | None], known: dict[int, Actor] | None = None) -> dict[int, Actor]:
    """The actors with these ids, from `known` when the caller already loaded them (bulk writes)."""
    if known is not None:
        return {actor_id: known[actor_id] for actor_id in ids if actor_id in known}
    return Actor.objects.in_bulk(ids - {None})


def _hop_actors(hops: list[HopData], known: dict[int, Actor] | None = None) -> dict[int, Actor]:
    return _actors_by_id({hop.speaker_id for hop in hops} | {hop.affiliation_id for hop in hops}, known)


def _actor_ids(data: ClaimData) -> set[int]:
    hop_actors = {hop.speaker_id for hop in data.hops} | {hop.affiliation_id for hop in data.hops}
    return ({data.supplier_id, data.recipient_id, *data.participant_ids} | hop_actors) - {None}


def validate_claim_data(
    data: ClaimData, *, known_actors: dict[int, Actor] | None = None
) -> tuple[date | None, date | None]:
    """Check everything about a claim before anything is written; raise every problem at once.

    Returns the inclusive event-date range that the precision covers. `known_actors` spares the
    lookups when the caller has loaded every actor the claim may name.
    """
    errors = _Errors()
    event_range = _check_claim_fields(data, errors, known_actors)
    _check_hops(data.hops, _hop_actors(data.hops, known_actors), errors)
    _check_route(data.route, errors)
    errors.raise_if_any()
    return event_range


def validate_claim_fields(data: ClaimData) -> None:
    """The claim's own fields only (for forms that edit hops and route separately)."""
    errors = _Errors()
    _check_claim_fields(data, errors)
    errors.raise_if_any()


def validate_hops(hops: list[HopData]) -> None:
    errors = _Errors()
    _check_hops(hops, _hop_actors(hops), errors)
    errors.raise_if_any()


def validate_route(route: list[RouteStopData]) -> None:
    errors = _Errors()
    _check_route(route, errors)
    errors.raise_if_any()


def get_or_create_source(*, url: str, by: AbstractBaseUser | None = None) -> Source:
    """The Source at this URL's normalised spelling, created (and queued for capture) if new."""
    normalised = normalise_url(url)
    source = Source.objects.filter(url=normalised).first()
    if source is not None:
        return source
    source = Source(url=normalised, next_check_at=timezone.now())
    source._history_user = by
    source.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # another writer may add the same URL between the look-up and here
            source.save()
    except IntegrityError:
        return Source.objects.get(url=normalised)
    dispatch.capture_new_source(source_id=source.pk)
    return source


def _apply_claim_fields(claim: Claim, data: ClaimData, event_range: tuple[date | None, date | None]) -> None:
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


def _hop_values(hop: HopData, source: Source | None) -> dict:
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


def _stop_values(stop: RouteStopData) -> dict:
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
        claim, AttributionHop, data.hops, lambda hop: _hop_values(hop, sources.get(hop.source_url)), by
    )
    _sync_children(claim, RouteStop, data.route, _stop_values, by)
    claim.participants.set(data.participant_ids)


def _append_feed_event(*, claim: Claim, event_type: str, payload: dict) -> None:
    if connection.vendor == "postgresql":
        # Held until commit, so sequence numbers are handed out in commit order and a reader that
        # has seen seq N can never later find an N-1 committed behind its back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_ID])
    FeedEvent.objects.create(claim=claim, type=event_type, version=claim.version, payload=payload)


def _search_text(claim: Claim, hops: Iterable, actors: Iterable[Actor | None]) -> str:
    """Statement, quotes, descriptors and actor names in one text; hops may be rows or HopData."""
    parts = [claim.statement, claim.item_description, claim.place, claim.quantity_text]
    for hop in hops:
        parts += [hop.descriptor, hop.role, hop.quote, hop.translation]
    for actor in filter(None, actors):
        parts += [actor.name, *actor.aliases]
    return "\n".join(part for part in parts if part)


def _search_document(claim: Claim) -> str:
    """The search text of a claim loaded with its hops, participants and actors."""
    hops = list(claim.hops.all())
    speakers = [actor for hop in hops for actor in (hop.speaker, hop.affiliation)]
    return _search_text(claim, hops, [claim.supplier, claim.recipient, *claim.participants.all(), *speakers])


def _record_version(
    claim: Claim,
    *,
    by: AbstractBaseUser,
    change: str,
    event_type: str | None = None,
    event_payload: dict | None = None,
) -> dict:
    """Snapshot the whole claim at its current version and tell feed readers when it is public."""
    fresh = Claim.objects.with_details().get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(search_document=_search_document(fresh))
    snapshot = represent_claim(fresh)
    ClaimVersion.objects.create(
        claim=claim, version=fresh.version, snapshot=snapshot, change=change, changed_by=by
    )
    if event_type is None and fresh.status == vocab.Status.PUBLISHED:
        event_type = vocab.FeedEventType.UPDATED
    if event_type is not None:
        _append_feed_event(claim=fresh, event_type=event_type, payload=event_payload or snapshot)
    return snapshot


def _bump_version(claim_id: int, *, by: AbstractBaseUser) -> Claim:
    """Lock the claim and move it to its next version (for writes that need no If-Match)."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    claim.version += 1
    claim.updated_by = by
    claim.updated_at = timezone.now()
    claim._history_user = by
    claim.save()
    return claim


@transaction.atomic
def create_claim(*, data: ClaimData, by: AbstractBaseUser) -> Claim:
    """Create a draft claim with its hops and route."""
    _require_perm(by, "claims.add_claim")
    event_range = validate_claim_data(data)
    claim = Claim(created_by=by, updated_by=by, status=vocab.Status.DRAFT)
    _apply_claim_fields(claim, data, event_range)
    claim._history_user = by
    claim.save()
    _write_children(claim, data, by)
    _record_version(claim, by=by, change="created")
    return claim


@transaction.atomic
def create_claims(
    *, rows: list[ClaimData], by: AbstractBaseUser
) -> tuple[list[Claim], dict[int, ValidationError]]:
    """Create many draft claims at once (the importer): every row is validated as create_claim does,
    the valid ones are written in bulk with their history and first version; refusals by row index.

    New sources are left due now, so the dispatcher captures them within a minute instead of one
    high-priority task each.
    """
    _require_perm(by, "claims.add_claim")
    actors = Actor.objects.in_bulk(set().union(*(_actor_ids(data) for data in rows)))
    valid, refused = [], {}
    for index, data in enumerate(rows):
        try:
            valid.append((data, validate_claim_data(data, known_actors=actors)))
        except ValidationError as error:
            refused[index] = error
    now = timezone.now()
    urls = {normalise_url(hop.source_url) for data, _ in valid for hop in data.hops if hop.source_url}
    sources = {source.url: source for source in Source.objects.filter(url__in=urls)}
    new_sources = [Source(url=url, next_check_at=now) for url in sorted(urls - sources.keys())]
    sources |= {
        source.url: source for source in bulk_create_with_history(new_sources, Source, default_user=by)
    }
    claims = []
    for data, event_range in valid:
        claim = Claim(created_by=by, updated_by=by, status=vocab.Status.DRAFT, created_at=now, updated_at=now)
        _apply_claim_fields(claim, data, event_range)
        claim.search_document = _search_text(claim, data.hops, (actors.get(i) for i in _actor_ids(data)))
        claims.append(claim)
    claims = bulk_create_with_history(claims, Claim, default_user=by)
    rows_written = list(zip(claims, (data for data, _ in valid), strict=True))
    hops = [
        AttributionHop(
            claim=claim,
            position=hop.position,
            **_hop_values(hop, sources[normalise_url(hop.source_url)] if hop.source_url else None),
        )
        for claim, data in rows_written
        for hop in data.hops
    ]
    bulk_create_with_history(hops, AttributionHop, default_user=by)
    stops = [
        RouteStop(claim=claim, position=stop.position, **_stop_values(stop))
        for claim, data in rows_written
        for stop in data.route
    ]
    bulk_create_with_history(stops, RouteStop, default_user=by)
    Claim.participants.through.objects.bulk_create(
        Claim.participants.through(claim=claim, actor_id=actor_id)
        for claim, data in rows_written
        for actor_id in data.participant_ids
    )
    versions = []
    for claim in Claim.objects.with_details().filter(pk__in=[claim.pk for claim in claims]):
        versions.append(
            ClaimVersion(
                claim=claim, version=1, snapshot=represent_claim(claim), change="imported", changed_by=by
            )
        )
    ClaimVersion.objects.bulk_create(versions, batch_size=500)
    return claims, refused


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
    _apply_claim_fields(claim, data, event_range)
    claim.updated_by = by
    claim.updated_at = timezone.now()
    claim._history_user = by
    claim.save()
    _write_children(claim, data, by)
    _record_version(claim, by=by, change="edited")
    return claim


def _has_independent_corroboration(claim_id: int, *, excluding_relation_id: int | None = None) -> bool:
    relations = ClaimRelation.objects.filter(
        Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id),
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.INDEPENDENT,
    )
    if excluding_relation_id is not None:
        relations = relations.exclude(pk=excluding_relation_id)
    return relations.exists()


@transaction.atomic
def add_assessment(
    *,
    claim_id: int,
    by: AbstractBaseUser,
    reliability: str,
    credibility: int,
    rationale: str,
    likelihood: str = "",
    confidence: str = "",
) -> Assessment:
    """Append an assessment; it becomes the claim's current one."""
    _require_perm(by, "claims.add_assessment")
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    errors = _Errors()
    if claim.status == vocab.Status.RETRACTED:
        errors.add("claim", _("A retracted claim cannot be assessed again."))
    errors.check_choice("reliability", reliability, vocab.Reliability)
    if credibility not in vocab.Credibility.values:
        errors.add("credibility", _("Credibility is a whole number from 1 to 6."))
    errors.check_choice("likelihood", likelihood, vocab.Likelihood, required=False)
    errors.check_choice("confidence", confidence, vocab.Confidence, required=False)
    if not rationale.strip():
        errors.add("rationale", _("Explain the assessment: a rationale is required."))
    errors.check_length("rationale", rationale, RATIONALE_MAX)
    if credibility == vocab.Credibility.CONFIRMED and not _has_independent_corroboration(claim_id):
        errors.add(
            "credibility",
            _("Credibility 1 (confirmed) needs a corroborating claim of independent origin: relate one."),
        )
    errors.raise_if_any()
    assessment = Assessment.objects.create(
        claim=claim,
        reliability=reliability,
        credibility=credibility,
        likelihood=likelihood,
        confidence=confidence,
        rationale=rationale.strip(),
        assessed_by=by,
    )
    claim = _bump_version(claim_id, by=by)
    claim.current_assessment = assessment
    claim.save(update_fields=["current_assessment"])
    _record_version(claim, by=by, change=f"assessed {assessment.code}")
    return assessment


@transaction.atomic
def add_relation(
    *,
    from_claim_id: int,
    to_claim_id: int,
    kind: str,
    independence: str,
    by: AbstractBaseUser,
    note: str = "",
) -> ClaimRelation:
    """Relate two claims; both move to a new version since each shows the relation."""
    _require_perm(by, "claims.add_claimrelation")
    errors = _Errors()
    if from_claim_id == to_claim_id:
        errors.add("to_claim", _("A claim cannot be related to itself."))
    errors.check_choice("kind", kind, vocab.RelationKind)
    errors.check_choice("independence", independence, vocab.Independence)
    errors.check_length("note", note, SHORT_TEXT_MAX)
    claims = Claim.objects.in_bulk([from_claim_id, to_claim_id])
    for path, claim_id in (("from_claim", from_claim_id), ("to_claim", to_claim_id)):
        if claim_id not in claims:
            errors.add(path, _("Unknown claim %(id)s.") % {"id": claim_id})
        elif claims[claim_id].status == vocab.Status.RETRACTED:
            errors.add(path, _("A retracted claim cannot gain relations."))
    if ClaimRelation.objects.filter(from_claim_id=from_claim_id, to_claim_id=to_claim_id, kind=kind).exists():
        errors.add("kind", _("These claims are already related this way."))
    errors.raise_if_any()
    try:
        with transaction.atomic():  # another writer may have added the same relation since the check
            relation = ClaimRelation.objects.create(
                from_claim_id=from_claim_id,
                to_claim_id=to_claim_id,
                kind=kind,
                independence=independence,
                note=note.strip(),
                created_by=by,
            )
    except IntegrityError as error:
        raise ValidationError({"kind": [_("These claims are already related this way.")]}) from error
    for claim_id in sorted({from_claim_id, to_claim_id}):  # a fixed lock order avoids deadlocks
        _record_version(_bump_version(claim_id, by=by), by=by, change=f"related: {kind}")
    return relation


@transaction.atomic
def remove_relation(*, relation_id: int, by: AbstractBaseUser) -> None:
    """Remove a relation unless a claim's 'confirmed' credibility rests on it."""
    _require_perm(by, "claims.delete_claimrelation")
    relation = ClaimRelation.objects.get(pk=relation_id)
    # Locked before the check, in id order, as add_assessment locks its claim: a "confirmed" assessment
    # cannot slip in between the check and the removal.
    locked = Claim.objects.select_for_update().in_bulk(sorted({relation.from_claim_id, relation.to_claim_id}))
    errors = _Errors()
    for claim in (locked[relation.from_claim_id], locked[relation.to_claim_id]):
        confirmed = Assessment.objects.filter(
            pk=claim.current_assessment_id, credibility=vocab.Credibility.CONFIRMED
        ).exists()
        if confirmed and not _has_independent_corroboration(claim.pk, excluding_relation_id=relation_id):
            errors.add(
                "relation",
                _("Claim %(id)s is confirmed on the strength of this relation; reassess it first.")
                % {"id": claim.uuid},
            )
        if claim.status == vocab.Status.RETRACTED:
            errors.add("relation", _("Relations of a retracted claim are kept as they were."))
    errors.raise_if_any()
    relation.delete()
    for claim_id in sorted({relation.from_claim_id, relation.to_claim_id}):
        _record_version(_bump_version(claim_id, by=by), by=by, change=f"unrelated: {relation.kind}")


def _retraction_tombstone(claim: Claim, change: StatusChange) -> dict:
    """What feed readers get for a retraction: enough to withdraw the claim, with the reason."""
    return {
        "id": str(claim.uuid),
        "status": vocab.Status.RETRACTED,
        "version": claim.version,
        "reason": change.reason,
        "retracted_at": change.changed_at.isoformat(),
    }


@transaction.atomic
def transition_claim(*, claim_id: int, to: str, reason: str, by: AbstractBaseUser) -> StatusChange:
    """Move a claim through draft → in review → published → retracted, recording who, when and why."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    current = claim.status
    if current == vocab.Status.RETRACTED:
        raise ValidationError({"to": [_("A retracted claim stays retracted.")]})
    if (current, to) not in vocab.TRANSITIONS:
        raise ValidationError(
            {"to": [_("A claim cannot go from %(from)s to %(to)s.") % {"from": current, "to": to}]}
        )
    _require_perm(by, vocab.TRANSITIONS[(current, to)])
    if not by.has_perm("claims.edit_any_claim") and claim.created_by_id != by.pk:
        raise PermissionDenied(_("Editors move only their own claims through the workflow."))
    errors = _Errors()
    if not reason.strip():
        errors.add("reason", _("Say why: a reason is required."))
    errors.check_length("reason", reason, REASON_MAX)
    if to == vocab.Status.PUBLISHED and claim.current_assessment_id is None:
        errors.add("to", _("Assess the claim before publishing it."))
    errors.raise_if_any()

    change = StatusChange.objects.create(
        claim=claim, from_status=current, to_status=to, reason=reason.strip(), changed_by=by
    )
    claim = _bump_version(claim_id, by=by)
    claim.status = to
    if to == vocab.Status.PUBLISHED and claim.published_at is None:
        claim.published_at = change.changed_at
    claim._history_user = by
    claim.save()
    if to == vocab.Status.RETRACTED:
        _record_version(
            claim,
            by=by,
            change=f"retracted: {change.reason}",
            event_type=vocab.FeedEventType.RETRACTED,
            event_payload=_retraction_tombstone(claim, change),
        )
    elif to == vocab.Status.PUBLISHED:
        _record_version(claim, by=by, change="published", event_type=vocab.FeedEventType.PUBLISHED)
    else:
        _record_version(claim, by=by, change=f"{current} → {to}")
    return change


@transaction.atomic
def create_actor(
    *,
    name: str,
    kind: str,
    by: AbstractBaseUser,
    country: str = "",
    parent_id: int | None = None,
    aliases: Iterable[str] = (),
    description: str = "",
    reliability: str = "",
    reliability_note: str = "",
) -> Actor:
    """Create an actor after the same validation the admin applies."""
    _require_perm(by, "claims.add_actor")
    actor = Actor(
        name=name.strip(),
        kind=kind,
        country=country.strip(),
        parent_id=parent_id,
        aliases=[alias.strip() for alias in aliases if alias.strip()],
        description=description.strip(),
        reliability=reliability,
        reliability_note=reliability_note.strip(),
    )
    actor.full_clean()
    actor._history_user = by
    actor.save()
    return actor
