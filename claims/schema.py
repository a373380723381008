"""THE write shape of a claim: the services' input, and its public JSON both ways.

Every list of claim, hop and route-stop fields, every choice set and every length limit is read off
the models' _meta here: a new column on Claim, AttributionHop or RouteStop reaches the API, the
browser form, the admin, the CSV, the importer and the demo without another hand-written list.
"""

import copy
import functools
from datetime import date

from django.db import models
from rest_framework import serializers

from claims import vocab
from claims.models import AttributionHop, Claim, RouteStop, Source

# What the database can store: a larger number is a 400 here, not an overflow (500) in a query.
ID_MAX = 2**63 - 1
NON_FIELD = "non_field_errors"


def whole_number(text: str) -> int | None:
    """A plain whole number a database key can hold, else None: '²' is a digit to str.isdigit, and
    int() refuses thousands of digits, so both would otherwise be a 500."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(ID_MAX)) and int(text) <= ID_MAX:
        return int(text)
    return None


# Columns the services keep; no client writes them.
KEPT_BY_SERVICES = frozenset(
    {
        "id",
        "uuid",
        "status",
        "version",
        "current_assessment",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "published_at",
        "search_document",
    }
)
# Claim columns that travel together as one JSON object: {"quantity": {"min": 3}} is quantity_min.
# "deal" is the deal as SIPRI records it; "uncertain" holds SIPRI's brackets, one flag per value.
GROUPS = {"quantity": "quantity_", "event_date": "event_", "deal": "deal_", "uncertain": "uncertain_"}
ROW_KEPT = frozenset({"id", "claim"})


def _columns(model: type[models.Model], kept: frozenset) -> tuple[models.Field, ...]:
    return tuple(field for field in model._meta.concrete_fields if field.name not in kept)


CLAIM_COLUMNS = _columns(Claim, KEPT_BY_SERVICES)
HOP_COLUMNS = _columns(AttributionHop, ROW_KEPT)
STOP_COLUMNS = _columns(RouteStop, ROW_KEPT)


def group_of(field: models.Field) -> tuple[str, str] | None:
    """("quantity", "min") for quantity_min; None for a column that stands alone."""
    for group, prefix in GROUPS.items():
        if field.name.startswith(prefix):
            return group, field.name.removeprefix(prefix)
    return None


# Plain values (statement, kind, place, …), actor references (supplier, recipient), grouped columns.
SCALARS = tuple(f for f in CLAIM_COLUMNS if not f.is_relation and group_of(f) is None)
ACTOR_COLUMNS = tuple(f for f in CLAIM_COLUMNS if f.is_relation)
# Plain values and actor references in the model's order: how the JSON lists them.
STANDALONE = tuple(f for f in CLAIM_COLUMNS if group_of(f) is None)
GROUPED = {group: tuple(f for f in CLAIM_COLUMNS if (group_of(f) or ("",))[0] == group) for group in GROUPS}
# Each grouped column's key inside its group (quantity_min: "min"), looked up per claim, not worked out.
GROUP_KEYS = {field.name: group_of(field)[1] for fields in GROUPED.values() for field in fields}
# Free text a reader searches: every text column of the claim that is not a choice.
SEARCHED = tuple(
    f for f in CLAIM_COLUMNS if isinstance(f, models.CharField | models.TextField) and not f.choices
)
# Choices a reader searches by their label ("ammunition" finds every claim of that category).
SEARCHED_BY_LABEL = tuple(Claim._meta.get_field(name) for name in ("item_category", "stage"))


def limit(model: type[models.Model], name: str) -> int:
    """A column's length limit, as the model declares it: the one place such numbers live."""
    return model._meta.get_field(name).max_length


def _default(field: models.Field):
    if field.has_default():
        return field.get_default()
    if field.null or field.is_relation:
        return None
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return None


class _Values:
    """Input values keyed by model attribute (supplier_id), defaulting as the model does."""

    columns: tuple[models.Field, ...] = ()
    # Attributes beyond the model's columns, with a factory for their default.
    extra: dict = {}
    # Model columns carried under another name (a hop's source travels as its URL).
    renamed: dict = {}

    @classmethod
    def names(cls) -> list[str]:
        own = [cls.renamed.get(field.name, field.attname) for field in cls.columns]
        return own + list(cls.extra)

    @classmethod
    @functools.cache
    def _defaults(cls) -> dict:
        """Each column's default, worked out once per class: the importer builds these by the thousand."""
        return {
            cls.renamed.get(field.name, field.attname): "" if field.name in cls.renamed else _default(field)
            for field in cls.columns
        }

    def __init__(self, **values):
        defaults = self._defaults()
        unknown = sorted(name for name in values if name not in defaults and name not in self.extra)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(unknown)}")
        self.__dict__.update(defaults)
        for name, factory in self.extra.items():
            setattr(self, name, factory())
        for name, value in values.items():
            setattr(self, name, value)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in self.names()}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.values() == self.values()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.values()!r})"


class HopData(_Values):
    columns = HOP_COLUMNS
    renamed = {"source": "source_url"}


class RouteStopData(_Values):
    columns = STOP_COLUMNS


class ClaimData(_Values):
    columns = CLAIM_COLUMNS
    extra = {"participant_ids": list, "hops": list, "route": list}

    def column_values(self) -> dict:
        """The claim's own columns, by attribute name, ready to set on a Claim."""
        return {field.attname: getattr(self, field.attname) for field in CLAIM_COLUMNS}


def row_values(data: _Values) -> dict:
    """A hop's or route stop's columns by attribute name (a hop's source left to the caller)."""
    return {
        field.attname: getattr(data, field.attname)
        for field in data.columns
        if field.name not in data.renamed
    }


# --- the public JSON ----------------------------------------------------------------------------


def _json(field: models.Field, value):
    if isinstance(value, date):
        return value.isoformat()
    if field.choices and field.blank and value == "":
        return None  # an optional choice left open reads as null, not as an empty word
    return value


def document_fields(claim: Claim, actor) -> dict:
    """The write-shape part of a claim's read JSON; `actor` turns an Actor (or None) into its object.

    Expects a claim loaded with Claim.objects.with_details().
    """
    body = {
        field.name: actor(getattr(claim, field.name))
        if field.is_relation
        else _json(field, getattr(claim, field.attname))
        for field in STANDALONE
    }
    body["participants"] = [actor(participant) for participant in claim.participants.all()]
    for group, fields in GROUPED.items():
        body[group] = {GROUP_KEYS[f.name]: _json(f, getattr(claim, f.attname)) for f in fields}
    body["route"] = [
        {field.name: _json(field, getattr(stop, field.attname)) for field in STOP_COLUMNS}
        for stop in claim.route.all()
    ]
    body["hops"] = [_hop_json(hop, actor) for hop in claim.hops.all()]
    return body


def _hop_json(hop: AttributionHop, actor) -> dict:
    body = {}
    for field in HOP_COLUMNS:
        if field.name == "source":
            body["source"] = hop.source.url if hop.source else None
        elif field.is_relation:
            body[field.name] = actor(getattr(hop, field.name))
        else:
            body[field.name] = _json(field, getattr(hop, field.attname))
    return body


def input_document(data: ClaimData, actor) -> dict:
    """Unsaved input in the document's shape; `actor` turns an actor id (or None) into its object.

    The conflict view compares it with a stored version, so both sides read alike."""
    body = {
        field.name: actor(getattr(data, field.attname))
        if field.is_relation
        else _json(field, getattr(data, field.attname))
        for field in STANDALONE
    }
    body["participants"] = [actor(pk) for pk in data.participant_ids]
    for group, fields in GROUPED.items():
        body[group] = {GROUP_KEYS[f.name]: _json(f, getattr(data, f.attname)) for f in fields}
    body["route"] = [
        {f.name: _json(f, getattr(stop, f.attname)) for f in STOP_COLUMNS} for stop in data.route
    ]
    body["hops"] = [
        {
            f.name: hop.source_url
            if f.name == "source"
            else actor(getattr(hop, f.attname))
            if f.is_relation
            else _json(f, getattr(hop, f.attname))
            for f in HOP_COLUMNS
        }
        for hop in data.hops
    ]
    return body


def _actor_id(actor: dict | None) -> int | None:
    return actor["id"] if actor else None


def write_shape(document: dict) -> dict:
    """A claim's read JSON turned into the write shape, e.g. as the base a PATCH merges onto.

    A document stored before a column existed lacks it: the model's default stands in.
    """
    body = {field.name: document.get(field.name, _json(field, _default(field))) for field in SCALARS}
    body = {name: "" if value is None and _is_choice(name) else value for name, value in body.items()}
    body |= {field.name: _actor_id(document.get(field.name)) for field in ACTOR_COLUMNS}
    body["participants"] = [actor["id"] for actor in document.get("participants", [])]
    for group in GROUPED:
        body[group] = dict(document.get(group) or {})
    body["route"] = [dict(stop) for stop in document.get("route", [])]
    body["hops"] = [
        {
            **{key: value for key, value in hop.items() if not _is_hop_actor(key)},
            **{
                field.name: _actor_id(hop.get(field.name))
                for field in HOP_COLUMNS
                if _is_hop_actor(field.name)
            },
        }
        for hop in document.get("hops", [])
    ]
    return body


def _is_choice(name: str) -> bool:
    return bool(Claim._meta.get_field(name).choices)


def _is_hop_actor(name: str) -> bool:
    return any(field.name == name and field.is_relation and name != "source" for field in HOP_COLUMNS)


def default_of(field: models.Field):
    """What a column holds when nothing is given: the model's default, else empty or null."""
    return _default(field)


def _given_or_default(field: models.Field, value):
    if value == "" and field.choices and not field.blank:
        return default_of(field)  # a required choice the form left out (e.g. a hidden deal fieldset)
    return default_of(field) if value is None and not field.null else value


# Groups only a transfer claim fills: the form shows them apart, validation refuses them elsewhere.
TRANSFER_GROUPS = ("deal", "uncertain")
TRANSFER_ONLY = tuple(field for group in TRANSFER_GROUPS for field in GROUPED[group])

# The claim form's fields, by model name, in the model's order: what the browser form and the admin edit.
FORM_FIELDS = (
    *(field.name for field in STANDALONE),
    "participants",
    *(field.name for fields in GROUPED.values() for field in fields),
)


# The write-shape keys of a claim's JSON, in the order the document lists them.
CLAIM_KEYS = (*(field.name for field in STANDALONE), "participants", *GROUPED, "route", "hops")
GROUPED_NAMES = frozenset(field.name for fields in GROUPED.values() for field in fields)


def from_cleaned(cleaned: dict, *, hops: list, route: list) -> ClaimData:
    """Form data (model field names, actors as Actor objects) as the services' input."""
    values = {}
    for field in CLAIM_COLUMNS:
        if field.name in cleaned:
            value = cleaned[field.name]
            if field.is_relation:
                value = value.pk if value else None
            values[field.attname] = _given_or_default(field, value)
    participants = [actor.pk for actor in cleaned.get("participants") or []]
    return ClaimData(**values, participant_ids=participants, hops=hops, route=route)


def from_write_shape(body: dict) -> ClaimData:
    """Validated write-shape data (actors by id, a hop's source by URL) as the services' input."""
    values = {
        field.attname: _blank_if_none(field, body.get(field.name)) for field in SCALARS if field.name in body
    }
    values |= {field.attname: body.get(field.name) for field in ACTOR_COLUMNS}
    for group, fields in GROUPED.items():
        given = body.get(group) or {}
        for field in fields:
            key = group_of(field)[1]
            if key in given:
                values[field.attname] = _blank_if_none(field, given[key])
    return ClaimData(
        **values,
        participant_ids=list(body.get("participants") or []),
        route=[RouteStopData(**stop) for stop in body.get("route") or []],
        hops=[_hop_data(hop) for hop in body.get("hops") or []],
    )


def _blank_if_none(field: models.Field, value):
    if value is None and isinstance(field, models.CharField | models.TextField) and not field.null:
        return ""
    return value


def _hop_data(hop: dict) -> HopData:
    values = {}
    for field in HOP_COLUMNS:
        if field.name not in hop:
            continue
        if field.name == "source":
            values["source_url"] = hop["source"] or ""
        else:
            values[field.attname] = _blank_if_none(field, hop[field.name])
    return HopData(**values)


# --- the write shape read in plain Python: the importer's fast path ------------------------------


class ShapeError(ValueError):
    """Values of the wrong type, by dotted path; what the services check (choices, lengths) is theirs."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__(messages)
        self.messages = messages


REQUIRED = "This field is required."
# The API's own spellings of true and false ("Yes", "off", 1, ...), from one field made once.
_BOOLEAN = serializers.BooleanField()


def _read_value(field: models.Field, value, path: str, errors: dict):
    """One write-shape value as ClaimData holds it, or a message under `path` (the API's wording)."""
    if value is None:
        if field.null or field.is_relation:
            return None
        if field.choices and field.blank:
            return ""  # an optional choice left open may be sent as null
        errors.setdefault(path, []).append("This field may not be null.")
        return None
    if field.is_relation or isinstance(field, models.IntegerField):
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str):
            number = whole_number(value.strip())
        if number is None or not (1 if field.is_relation else -ID_MAX) <= number <= ID_MAX:
            errors.setdefault(path, []).append("A valid integer is required.")
        return number
    if isinstance(field, models.FloatField):
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        if number is None or number != number or number in (float("inf"), float("-inf")):
            errors.setdefault(path, []).append("A valid number is required.")
            return None
        return float(number)
    if isinstance(field, models.BooleanField):
        try:
            return _BOOLEAN.to_internal_value(value)
        except serializers.ValidationError:
            errors.setdefault(path, []).append("Must be a valid boolean.")
            return None
    if isinstance(field, models.DateField):
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        errors.setdefault(path, []).append("Date has wrong format. Use YYYY-MM-DD.")
        return None
    return _read_text(value, path, errors)


def _read_text(value, path: str, errors: dict) -> str | None:
    """Text as DRF's CharField reads it: a string, or a number written out; never true, false or a list."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    errors.setdefault(path, []).append("Not a valid string.")
    return None


def _read_row(columns, body, prefix: str, errors: dict, renamed: dict, *, partial: bool = False) -> dict:
    values = {}
    for field in columns:
        if field.name not in body:
            if partial:
                continue
            if not field.has_default() and not field.blank and not field.null and not field.is_relation:
                errors.setdefault(f"{prefix}{field.name}", []).append(REQUIRED)
            continue
        if field.name in renamed:
            value = body[field.name]
            text = None if value is None else _read_text(value, f"{prefix}{field.name}", errors)
            values[renamed[field.name]] = text or ""
        else:
            values[field.attname] = _read_value(field, body[field.name], f"{prefix}{field.name}", errors)
    return values


def _read_list(body: dict, key: str, errors: dict, *, required: bool = False) -> list:
    value = body.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        errors.setdefault(key, []).append(REQUIRED if value is None else "Expected a list of items.")
        return []
    return value


def read_write_shape(body: dict, *, partial: bool = False) -> ClaimData:
    """The write shape (actors by id, a hop's source by URL) as ClaimData, in plain Python: the same
    fields and defaults as ClaimWriteSerializer, without building DRF fields per row (the importer).

    `partial`: nothing is required (claim matching reads a claim still being written); values of the
    wrong type are refused all the same."""
    if not isinstance(body, dict):
        raise ShapeError({NON_FIELD: ["Expected a dictionary of items."]})
    errors: dict[str, list[str]] = {}
    values = _read_row(SCALARS + ACTOR_COLUMNS, body, "", errors, {}, partial=partial)
    for group, fields in GROUPED.items():
        given = body.get(group) or {}
        if not isinstance(given, dict):
            errors.setdefault(group, []).append("Expected a dictionary of items.")
            continue
        for field in fields:
            key = GROUP_KEYS[field.name]
            if key in given:
                values[field.attname] = _read_value(field, given[key], f"{group}.{key}", errors)
    participants = []
    for index, actor_id in enumerate(_read_list(body, "participants", errors)):
        participants.append(_read_value(ACTOR_COLUMNS[0], actor_id, f"participants.{index}", errors))
    rows = {}
    for key, columns, renamed in (
        ("route", STOP_COLUMNS, {}),
        ("hops", HOP_COLUMNS, {"source": "source_url"}),
    ):
        rows[key] = []
        for index, item in enumerate(_read_list(body, key, errors, required=key == "hops" and not partial)):
            if not isinstance(item, dict):
                errors.setdefault(f"{key}.{index}", []).append("Expected a dictionary of items.")
                continue
            rows[key].append(_read_row(columns, item, f"{key}.{index}.", errors, renamed, partial=partial))
    if errors:
        raise ShapeError(errors)
    return ClaimData(
        **values,
        participant_ids=participants,
        route=[RouteStopData(**stop) for stop in rows["route"]],
        hops=[HopData(**hop) for hop in rows["hops"]],
    )


# --- the write shape as DRF fields: the API and the importer validate with these ------------------


class ActorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=vocab.ActorKind.choices)
    country = serializers.CharField(allow_blank=True)


def _actor_id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class NumberField(serializers.FloatField):
    """A number, never true or false: DRF reads JSON true as 1.0, and a latitude of `true` is a mistake
    (the importer's plain reader refuses it too)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def model_fields(model, columns) -> dict[str, serializers.Field]:
    """DRF fields for plain model columns: the model's choices, length limits and defaults."""
    meta = type("Meta", (), {"model": model, "fields": [field.name for field in columns]})
    built = type("Columns", (serializers.ModelSerializer,), {"Meta": meta})().get_fields()
    fields = {}
    for name, field in built.items():
        # Rebuilt from their arguments, so that the copy DRF makes of each field keeps these.
        kwargs = dict(field._kwargs)
        kwargs.pop("validators", None)  # no uniqueness look-ups: the services own those
        if isinstance(field, serializers.ChoiceField) and kwargs.get("allow_blank"):
            kwargs["allow_null"] = True  # an optional choice left open reads, and may be sent, as null
        if isinstance(field, serializers.IntegerField) and kwargs.get("max_value") is None:
            kwargs["max_value"] = ID_MAX
        kind = NumberField if type(field) is serializers.FloatField else type(field)
        fields[name] = kind(*field._args, **kwargs)
    return fields


def _row_fields(columns, *, read: bool) -> dict[str, serializers.Field]:
    """A hop's or route stop's fields: actors as objects (read) or ids (write), a source as its URL."""
    plain = [field for field in columns if not field.is_relation]
    fields = model_fields(columns[0].model, plain)
    for field in columns:
        if field.name == "source":
            fields["source"] = (
                serializers.URLField(allow_null=True)
                if read
                else serializers.CharField(
                    required=False,
                    allow_blank=True,
                    allow_null=True,
                    default="",
                    max_length=limit(Source, "url"),
                    help_text="URL of the document this hop was read in (required on the last hop).",
                )
            )
        elif field.is_relation:
            fields[field.name] = (
                ActorRefSerializer(allow_null=True)
                if read
                else _actor_id_field(required=False, allow_null=True, default=None, help_text="Actor id.")
            )
    return {field.name: fields[field.name] for field in columns}


def _serializer(name: str, fields: dict) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), dict(fields))


def claim_fields(*, read: bool) -> dict[str, serializers.Field]:
    """Fresh copies of the claim's write-shape fields (the nested classes are made once, for OpenAPI)."""
    return copy.deepcopy(_claim_field_templates(read))


@functools.cache
def _claim_field_templates(read: bool) -> dict[str, serializers.Field]:
    """The write-shape fields of a claim, in the model's order, derived from the models."""
    plain = model_fields(Claim, SCALARS)
    fields = {
        column.name: (
            ActorRefSerializer(allow_null=True)
            if read
            else _actor_id_field(required=False, allow_null=True, default=None, help_text="Actor id.")
        )
        if column.is_relation
        else plain[column.name]
        for column in STANDALONE
    }
    fields["participants"] = (
        ActorRefSerializer(many=True)
        if read
        else serializers.ListField(
            child=_actor_id_field(), required=False, default=list, help_text="Actor ids."
        )
    )
    for group, columns in GROUPED.items():
        built = model_fields(Claim, columns)
        nested = {group_of(column)[1]: built[column.name] for column in columns}
        group_class = _serializer(f"{group.title().replace('_', '')}{'' if read else 'Write'}", nested)
        fields[group] = group_class() if read else group_class(required=False, default=None, allow_null=True)
    stop = _serializer("RouteStop", _row_fields(STOP_COLUMNS, read=read))
    fields["route"] = stop(many=True) if read else stop(many=True, required=False, default=list)
    hop = _serializer("HopRead" if read else "HopWrite", _row_fields(HOP_COLUMNS, read=read))
    fields["hops"] = hop(many=True) if read else hop(many=True, allow_empty=True)
    return fields


class ClaimWriteSerializer(serializers.Serializer):
    """A whole claim as clients send it: actors by id, a hop's source by URL (fields: the models')."""

    def get_fields(self):
        return claim_fields(read=False)

    def to_claim_data(self) -> ClaimData:
        return from_write_shape(self.validated_data)


class BlankChoiceField(serializers.ChoiceField):
    """An optional choice: left out, empty or null all mean none given.

    A class, not a function building a ChoiceField: DRF calls __init__ again on the copy each
    serializer makes, so these arguments are applied at use, not only once at import."""

    def __init__(self, choices):
        super().__init__(choices=choices, required=False, allow_blank=True, allow_null=True, default="")


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors ({"hops": [{}, {"descriptor": [...]}]}) as the services' dotted paths."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = prefix if key == NON_FIELD and prefix else f"{prefix}.{key}" if prefix else str(key)
            for sub_path, messages in flatten(value, path).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            for sub_path, messages in flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or NON_FIELD: [str(message) for message in messages]} if messages else {}
