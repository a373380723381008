"""Every check made on the services' input (claims.schema's ClaimData) before a write."""

import calendar
import functools
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import schema, vocab
from claims.models import (
    Actor,
    normalise_url,
    validate_country,
    validate_language,
)
from claims.schema import ClaimData, HopData, RouteStopData


@functools.cache
def _allowed(choices) -> tuple:
    """The values of a vocabulary or of a model field's choices, worked out once: the importer asks
    per row, and a vocabulary's .values builds a new list on every read."""
    if isinstance(choices, models.Field):
        return tuple(value for value, _label in choices.choices)
    return tuple(choices.values)


class Errors:
    """Collects field-level messages under dotted paths ("hops.1.speaker") and raises them together."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.messages.setdefault(path, []).append(str(message))

    def check_choice(self, path: str, value: str, choices, *, required: bool = True) -> None:
        """`choices`: a vocabulary, or a model field with choices."""
        if value == "" and not required:
            return
        values = _allowed(choices)
        if value not in values:
            allowed = ", ".join(str(v) for v in values)
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


def _check_columns(prefix: str, data, fields, errors: Errors) -> None:
    """Each column's own choices and length limit, as the model declares them."""
    for field in fields:
        if field.is_relation:
            continue
        value = getattr(data, field.attname)
        if field.choices:
            errors.check_choice(f"{prefix}{field.name}", value, field, required=not field.blank)
        elif field.max_length and isinstance(value, str):
            errors.check_length(f"{prefix}{field.name}", value, field.max_length)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _event_range(data: ClaimData, errors: Errors) -> tuple[date | None, date | None]:
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


def _check_quantity(data: ClaimData, errors: Errors) -> None:
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
    _check_columns("", data, [f for f in schema.GROUPED["quantity"] if not f.choices], errors)


# SIPRI's register starts in 1950; a deal may be planned some years ahead, not a decade.
YEAR_MIN = 1945
YEARS_AHEAD = 10
# Each SIPRI bracket flag, and the value it marks (a flag on nothing is refused).
FLAGGED = {
    "uncertain_supplier": "supplier_id",
    "uncertain_recipient": "recipient_id",
    "uncertain_designation": "designation",
    "uncertain_number_ordered": "deal_number_ordered",
    "uncertain_number_delivered": "deal_number_delivered",
    "uncertain_order_year": "deal_order_year",
    "uncertain_delivery_years": "deal_delivery_first_year",
}
PRECISE = {"deal_order_precision": "deal_order_year", "deal_delivery_precision": "deal_delivery_first_year"}


def _check_deal(data: ClaimData, errors: Errors) -> None:
    """The SIPRI fields: only on transfers; numbers and years that can be true of one deal."""
    if data.kind != vocab.ClaimKind.TRANSFER:
        for field in schema.TRANSFER_ONLY:
            if getattr(data, field.attname) != schema.default_of(field):
                errors.add(field.name, _("Only a transfer claim has deal details: leave this empty."))
        return
    _check_columns("", data, schema.TRANSFER_ONLY, errors)
    ordered, delivered = data.deal_number_ordered, data.deal_number_delivered
    for name, value in (("deal_number_ordered", ordered), ("deal_number_delivered", delivered)):
        if value is not None and value < 0:
            errors.add(name, _("A number cannot be negative."))
    if ordered is not None and delivered is not None and delivered > ordered:
        errors.add("deal_number_delivered", _("More cannot be delivered than was ordered."))
    this_year = timezone.localdate().year
    first, last, order = data.deal_delivery_first_year, data.deal_delivery_last_year, data.deal_order_year
    for name, year in (
        ("deal_order_year", order),
        ("deal_delivery_first_year", first),
        ("deal_delivery_last_year", last),
    ):
        if year is not None and not YEAR_MIN <= year <= this_year + YEARS_AHEAD:
            errors.add(
                name,
                _("A year from %(first)s to %(last)s.")
                % {"first": YEAR_MIN, "last": this_year + YEARS_AHEAD},
            )
    if order is not None and order > this_year and data.deal_status != vocab.DealStatus.PLANNED:
        errors.add("deal_order_year", _("An order in a year still to come is planned: set the deal status."))
    if last is not None and first is None:
        errors.add("deal_delivery_first_year", _("Give the first year of delivery too."))
    if first is not None and last is not None and last < first:
        errors.add("deal_delivery_last_year", _("The last year of delivery cannot be before the first."))
    if first is not None and order is not None and first < order:
        errors.add("deal_delivery_first_year", _("Deliveries cannot start before the year of order."))
    if (
        max(filter(None, (first, last)), default=0) > this_year
        and data.deal_status not in vocab.OPEN_DEAL_STATUSES
    ):
        errors.add(
            "deal_delivery_last_year",
            _("Deliveries still to come need the deal status planned, ordered or in delivery."),
        )
    for flag, value in FLAGGED.items():
        if getattr(data, flag) and getattr(data, value) in (None, ""):
            errors.add(flag, _("Nothing to mark uncertain: give the value first."))
    for precision, year in PRECISE.items():
        if getattr(data, precision) != vocab.YearPrecision.EXACT and getattr(data, year) is None:
            errors.add(precision, _("Give the year first."))


def _check_place(data: ClaimData, errors: Errors) -> None:
    """A place's precision and coordinates: both coordinates or neither, on the globe, for a named place."""
    latitude, longitude = data.place_latitude, data.place_longitude
    if latitude is not None and not -90 <= latitude <= 90:
        errors.add("place_latitude", _("A latitude from −90 to 90."))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.add("place_longitude", _("A longitude from −180 to 180."))
    if (latitude is None) != (longitude is None):
        missing = "place_latitude" if latitude is None else "place_longitude"
        errors.add(missing, _("Give both coordinates, or neither."))
    if (data.place_precision or latitude is not None or longitude is not None) and not data.place.strip():
        errors.add("place", _("Name the place that the precision or coordinates belong to."))


def _check_positions(path: str, positions: list[int], errors: Errors) -> None:
    if sorted(positions) != list(range(len(positions))):
        errors.add(
            path, _("Positions must run 0, 1, 2 … without gaps or repeats (got %(p)s).") % {"p": positions}
        )


def _check_hops(hops: list[HopData], actors: dict[int, Actor], errors: Errors) -> None:
    if not hops:
        errors.add("hops", _("A claim needs at least one attribution hop: who said it."))
        return
    _check_positions("hops", [hop.position for hop in hops], errors)
    last = max(hops, key=lambda hop: hop.position)
    for index, hop in enumerate(hops):
        path = f"hops.{index}"
        _check_columns(f"{path}.", hop, schema.HOP_COLUMNS, errors)
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
        errors.check_validator(f"{path}.quote_language", hop.quote_language, validate_language)
        if hop.quote.strip() and not hop.quote_language:
            errors.add(f"{path}.quote_language", _("Give the language of the quote (e.g. it)."))
        if hop.translation.strip() and not hop.quote.strip():
            errors.add(f"{path}.translation", _("A translation needs the original quote."))
        if hop.source_url:
            errors.check_validator(f"{path}.source", hop.source_url, normalise_url)
        elif hop is last:
            errors.add(f"{path}.source", _("The last hop is the document we read: give its URL."))


def _check_route(route: list[RouteStopData], errors: Errors) -> None:
    _check_positions("route", [stop.position for stop in route], errors)
    for index, stop in enumerate(route):
        path = f"route.{index}"
        _check_columns(f"{path}.", stop, schema.STOP_COLUMNS, errors)
        errors.check_validator(f"{path}.country", stop.country, validate_country)
        if not stop.country and not stop.region.strip():
            errors.add(f"{path}.country", _("A route stop needs a country or a region."))


def _check_claim_fields(
    data: ClaimData, errors: Errors, known: dict[int, Actor] | None = None
) -> tuple[date | None, date | None]:
    if not data.statement.strip():
        errors.add("statement", _("A statement is required."))
    _check_columns("", data, schema.SCALARS, errors)

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
    _check_deal(data, errors)
    _check_place(data, errors)
    start, end = _event_range(data, errors)
    if data.modality == vocab.Modality.OCCURRED and start is not None and start > timezone.localdate():
        errors.add(
            "event_start",
            _("An event that has occurred cannot be dated in the future: use planned or possible."),
        )
    return start, end


def _actors_by_id(ids: set[int | None], known: dict[int, Actor] | None = None) -> dict[int, Actor]:
    """The actors with these ids, from `known` when the caller already loaded them (bulk writes)."""
    if known is not None:
        return {actor_id: known[actor_id] for actor_id in ids if actor_id in known}
    return Actor.objects.in_bulk(ids - {None})


def _hop_actors(hops: list[HopData], known: dict[int, Actor] | None = None) -> dict[int, Actor]:
    return _actors_by_id({hop.speaker_id for hop in hops} | {hop.affiliation_id for hop in hops}, known)


def actor_ids(data: ClaimData) -> set[int]:
    hop_actors = {hop.speaker_id for hop in data.hops} | {hop.affiliation_id for hop in data.hops}
    return ({data.supplier_id, data.recipient_id, *data.participant_ids} | hop_actors) - {None}


def validate_claim_data(
    data: ClaimData, *, known_actors: dict[int, Actor] | None = None
) -> tuple[date | None, date | None]:
    """Check everything about a claim before anything is written; raise every problem at once.

    Returns the inclusive event-date range that the precision covers. `known_actors` spares the
    lookups when the caller has loaded every actor the claim may name.
    """
    errors = Errors()
    event_range = _check_claim_fields(data, errors, known_actors)
    _check_hops(data.hops, _hop_actors(data.hops, known_actors), errors)
    _check_route(data.route, errors)
    errors.raise_if_any()
    return event_range


def validate_claim_fields(data: ClaimData) -> None:
    """The claim's own fields only (for forms that edit hops and route separately)."""
    errors = Errors()
    _check_claim_fields(data, errors)
    errors.raise_if_any()


def validate_hops(hops: list[HopData]) -> None:
    errors = Errors()
    _check_hops(hops, _hop_actors(hops), errors)
    errors.raise_if_any()


def validate_route(route: list[RouteStopData]) -> None:
    errors = Errors()
    _check_route(route, errors)
    errors.raise_if_any()
