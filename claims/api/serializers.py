"""Explicit API shapes: read serializers describe the §9 JSON, write ones map onto services.ClaimData."""

from rest_framework import serializers

from claims import vocab
from claims.models import QUOTE_MAX, RATIONALE_MAX, SHORT_TEXT_MAX, STATEMENT_MAX, URL_MAX
from claims.representation import represent_claim
from claims.services import ClaimData, HopData, RouteStopData

# What the database can store: a larger number is a 400 here, not an overflow (500) in a query.
ID_MAX = 2**63 - 1
POSITION_MAX = 32_767


# --- read ---------------------------------------------------------------------------------------


class ActorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=vocab.ActorKind.choices)
    country = serializers.CharField(allow_blank=True)


class QuantitySerializer(serializers.Serializer):
    qualifier = serializers.ChoiceField(choices=vocab.QuantityQualifier.choices)
    min = serializers.IntegerField(allow_null=True, min_value=0)
    max = serializers.IntegerField(allow_null=True, min_value=0)
    unit = serializers.CharField(allow_blank=True, max_length=100)
    text = serializers.CharField(allow_blank=True, max_length=200)


class EventDateSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    precision = serializers.ChoiceField(choices=vocab.DatePrecision.choices)


class RouteStopSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=POSITION_MAX)
    role = serializers.ChoiceField(choices=vocab.RouteRole.choices)
    country = serializers.CharField(allow_blank=True, required=False, default="", max_length=2)
    region = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    approximate = serializers.BooleanField(required=False, default=False)


class HopReadSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    speaker = ActorRefSerializer(allow_null=True)
    descriptor = serializers.CharField(allow_blank=True)
    affiliation = ActorRefSerializer(allow_null=True)
    role = serializers.CharField(allow_blank=True)
    anonymity = serializers.ChoiceField(choices=vocab.Anonymity.choices)
    source = serializers.URLField(allow_null=True)
    quote = serializers.CharField(allow_blank=True)
    quote_language = serializers.CharField(allow_blank=True)
    translation = serializers.CharField(allow_blank=True)


class AssessmentReadSerializer(serializers.Serializer):
    reliability = serializers.ChoiceField(choices=vocab.Reliability.choices)
    credibility = serializers.ChoiceField(choices=vocab.Credibility.choices)
    likelihood = serializers.ChoiceField(choices=vocab.Likelihood.choices, allow_null=True)
    confidence = serializers.ChoiceField(choices=vocab.Confidence.choices, allow_null=True)
    rationale = serializers.CharField()
    assessed_at = serializers.DateTimeField()


class RelationReadSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("out", "out"), ("in", "in")])
    kind = serializers.ChoiceField(choices=vocab.RelationKind.choices)
    claim_id = serializers.UUIDField()
    independence = serializers.ChoiceField(choices=vocab.Independence.choices)
    note = serializers.CharField(allow_blank=True)


class ClaimSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    liveness = serializers.ChoiceField(choices=vocab.Liveness.choices)
    last_checked_at = serializers.DateTimeField(allow_null=True)


class ClaimSerializer(serializers.Serializer):
    """The claim JSON of DESIGN §9.

    Output comes from claims.representation.represent_claim, the one builder shared with version
    snapshots and the feed, so the three can never disagree; these fields describe it for OpenAPI
    and a test keeps them equal to what represent_claim emits.
    """

    id = serializers.UUIDField()
    statement = serializers.CharField()
    kind = serializers.ChoiceField(choices=vocab.ClaimKind.choices)
    supplier = ActorRefSerializer(allow_null=True)
    recipient = ActorRefSerializer(allow_null=True)
    participants = ActorRefSerializer(many=True)
    place = serializers.CharField(allow_blank=True)
    item_category = serializers.ChoiceField(choices=vocab.ItemCategory.choices, allow_null=True)
    item_description = serializers.CharField(allow_blank=True)
    stage = serializers.ChoiceField(choices=vocab.Stage.choices, allow_null=True)
    stance = serializers.ChoiceField(choices=vocab.Stance.choices)
    modality = serializers.ChoiceField(choices=vocab.Modality.choices)
    negated = serializers.BooleanField()
    quantity = QuantitySerializer()
    event_date = EventDateSerializer()
    route = RouteStopSerializer(many=True)
    hops = HopReadSerializer(many=True)
    assessment = AssessmentReadSerializer(allow_null=True)
    relations = RelationReadSerializer(many=True)
    sources = ClaimSourceSerializer(many=True)
    status = serializers.ChoiceField(choices=vocab.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance) -> dict:
        return represent_claim(instance)


class ClaimVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changed_by = serializers.CharField(
        source="shown_by", help_text="Username for editors and reviewers; for other readers, a role."
    )
    changed_at = serializers.DateTimeField()
    change = serializers.CharField()
    claim = serializers.JSONField(source="snapshot", help_text="The whole claim at this version (see Claim).")


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=vocab.ActorKind.choices)
    country = serializers.CharField(allow_blank=True)
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    aliases = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField(allow_blank=True)
    reliability = serializers.CharField(allow_blank=True)
    reliability_note = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField(allow_blank=True)
    publisher = serializers.IntegerField(source="publisher_id", allow_null=True)
    language = serializers.CharField(allow_blank=True)
    published_on = serializers.DateField(allow_null=True)
    liveness = serializers.ChoiceField(choices=vocab.Liveness.choices)
    strikes = serializers.IntegerField()
    first_strike_at = serializers.DateTimeField(allow_null=True)
    quotes_missing = serializers.IntegerField()
    last_outcome = serializers.CharField(allow_blank=True)
    last_checked_at = serializers.DateTimeField(allow_null=True)
    next_check_at = serializers.DateTimeField(allow_null=True)


class QuoteCheckSerializer(serializers.Serializer):
    hop = serializers.IntegerField(source="hop.position")
    claim_id = serializers.UUIDField(source="hop.claim.uuid")
    result = serializers.ChoiceField(choices=vocab.QuoteResult.choices)
    score = serializers.FloatField()


class SourceCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=vocab.CheckOutcome.choices)
    http_status = serializers.IntegerField(allow_null=True)
    final_url = serializers.CharField(allow_blank=True)
    checked_at = serializers.DateTimeField()
    content_sha256 = serializers.CharField(allow_blank=True)
    similarity = serializers.FloatField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)
    quotes = QuoteCheckSerializer(many=True, source="visible_quotes")


class FeedEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    type = serializers.ChoiceField(choices=vocab.FeedEventType.choices)
    claim_id = serializers.UUIDField(source="claim.uuid")
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    claim = serializers.JSONField(
        source="payload",
        help_text="The claim as published (see Claim), or for a retraction a tombstone: "
        "{id, status, version, reason, retracted_at}.",
    )


class FeedSerializer(serializers.Serializer):
    events = FeedEventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Pass as `after` on the next call.")
    has_more = serializers.BooleanField()


# --- write --------------------------------------------------------------------------------------


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


class QuantityWriteSerializer(QuantitySerializer):
    qualifier = serializers.ChoiceField(choices=vocab.QuantityQualifier.choices)
    min = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ID_MAX
    )
    max = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ID_MAX
    )
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EventDateWriteSerializer(EventDateSerializer):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)


def _blank_choice(choices) -> serializers.ChoiceField:
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
    item_category = _blank_choice(vocab.ItemCategory.choices)
    item_description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX
    )
    stage = _blank_choice(vocab.Stage.choices)
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


class AssessmentWriteSerializer(serializers.Serializer):
    reliability = serializers.ChoiceField(choices=vocab.Reliability.choices)
    credibility = serializers.ChoiceField(choices=vocab.Credibility.choices)
    likelihood = _blank_choice(vocab.Likelihood.choices)
    confidence = _blank_choice(vocab.Confidence.choices)
    rationale = serializers.CharField(max_length=RATIONALE_MAX)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=vocab.Status.choices)
    reason = serializers.CharField(max_length=SHORT_TEXT_MAX * 2)


class RelationWriteSerializer(serializers.Serializer):
    to_claim = serializers.UUIDField(help_text="The other claim's id.")
    kind = serializers.ChoiceField(choices=vocab.RelationKind.choices)
    independence = serializers.ChoiceField(choices=vocab.Independence.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX)
