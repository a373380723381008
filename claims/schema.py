"""The claim's write shape: what API clients, JSON Lines and CSV rows send, as the services' ClaimData.

Below the surfaces so that the API and the importer share it without one importing the other.
"""

from rest_framework import serializers

from claims import vocab
from claims.models import QUOTE_MAX, SHORT_TEXT_MAX, STATEMENT_MAX, URL_MAX
from claims.services import ClaimData, HopData, RouteStopData

# What the database can store: a larger number is a 400 here, not an overflow (500) in a query.
ID_MAX = 2**63 - 1
POSITION_MAX = 32_767
NON_FIELD = "non_field_errors"


class RouteStopSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=POSITION_MAX)
    role = serializers.ChoiceField(choices=vocab.RouteRole.choices)
    country = serializers.CharField(allow_blank=True, required=False, default="", max_length=2)
    region = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    approximate = serializers.BooleanField(required=False, default=False)


def _actor_id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class HopWriteSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=POSITION_MAX)
    speaker = _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
    descriptor = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX
    )
    affiliation = _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX)
    anonymity = serializers.ChoiceField(choices=vocab.Anonymity.choices)
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        max_length=URL_MAX,
        help_text="URL of the document this hop was read in (required on the last hop).",
    )
    quote = serializers.CharField(required=False, allow_blank=True, default="", max_length=QUOTE_MAX)
    quote_language = serializers.CharField(required=False, allow_blank=True, default="", max_length=2)
    translation = serializers.CharField(required=False, allow_blank=True, default="", max_length=QUOTE_MAX)


class QuantityWriteSerializer(serializers.Serializer):
    qualifier = serializers.ChoiceField(choices=vocab.QuantityQualifier.choices)
    min = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ID_MAX
    )
    max = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ID_MAX
    )
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EventDateWriteSerializer(serializers.Serializer):
    precision = serializers.ChoiceField(choices=vocab.DatePrecision.choices)
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)


def blank_choice(choices) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, required=False, allow_blank=True, allow_null=True, default=""
    )


class ClaimWriteSerializer(serializers.Serializer):
    """A whole claim as clients send it: actors by id, a hop's source by URL."""

    statement = serializers.CharField(max_length=STATEMENT_MAX)
    kind = serializers.ChoiceField(choices=vocab.ClaimKind.choices)
    supplier = _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
    recipient = _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
    participants = serializers.ListField(
        child=_actor_id(), required=False, default=list, help_text="Actor ids."
    )
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    item_category = blank_choice(vocab.ItemCategory.choices)
    item_description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX
    )
    stage = blank_choice(vocab.Stage.choices)
    stance = serializers.ChoiceField(
        choices=vocab.Stance.choices, required=False, default=vocab.Stance.ASSERT
    )
    modality = serializers.ChoiceField(
        choices=vocab.Modality.choices, required=False, default=vocab.Modality.OCCURRED
    )
    negated = serializers.BooleanField(required=False, default=False)
    quantity = QuantityWriteSerializer(required=False, default=None, allow_null=True)
    event_date = EventDateWriteSerializer(required=False, default=None, allow_null=True)
    route = RouteStopSerializer(many=True, required=False, default=list)
    hops = HopWriteSerializer(many=True, allow_empty=True)

    def to_claim_data(self) -> ClaimData:
        return claim_data_from(self.validated_data)


def claim_data_from(data: dict) -> ClaimData:
    """Validated write-shape data (ClaimWriteSerializer) as the services' ClaimData."""
    quantity = data["quantity"] or {"qualifier": vocab.QuantityQualifier.UNKNOWN}
    event_date = data["event_date"] or {"precision": vocab.DatePrecision.UNKNOWN}
    return ClaimData(
        statement=data["statement"],
        kind=data["kind"],
        supplier_id=data["supplier"],
        recipient_id=data["recipient"],
        participant_ids=list(data["participants"]),
        place=data["place"],
        item_category=data["item_category"] or "",
        item_description=data["item_description"],
        stage=data["stage"] or "",
        stance=data["stance"],
        modality=data["modality"],
        negated=data["negated"],
        quantity_qualifier=quantity["qualifier"],
        quantity_min=quantity.get("min"),
        quantity_max=quantity.get("max"),
        quantity_unit=quantity.get("unit", ""),
        quantity_text=quantity.get("text", ""),
        event_start=event_date.get("start"),
        event_end=event_date.get("end"),
        event_precision=event_date["precision"],
        route=[RouteStopData(**stop) for stop in data["route"]],
        hops=[
            HopData(
                position=hop["position"],
                anonymity=hop["anonymity"],
                speaker_id=hop["speaker"],
                descriptor=hop["descriptor"],
                affiliation_id=hop["affiliation"],
                role=hop["role"],
                source_url=hop["source"] or "",
                quote=hop["quote"],
                quote_language=hop["quote_language"],
                translation=hop["translation"],
            )
            for hop in data["hops"]
        ],
    )


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
