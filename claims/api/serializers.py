"""Explicit API shapes: read serializers describe the §9 JSON, write ones map onto services.ClaimData."""

from rest_framework import serializers

from claims import schema, vocab
from claims.models import RATIONALE_MAX, SHORT_TEXT_MAX, Claim, Source
from claims.representation import represent_claim
from claims.schema import ClaimData

# What the database can store: a larger number is a 400 here, not an overflow (500) in a query.
ID_MAX = 2**63 - 1


# --- read ---------------------------------------------------------------------------------------


class ActorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=vocab.ActorKind.choices)
    country = serializers.CharField(allow_blank=True)


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
    """The claim JSON of DESIGN §9, for OpenAPI.

    Output comes from claims.representation.represent_claim, the one builder shared with version
    snapshots and the feed; the write-shape part of these fields is derived from the models by
    claims.schema like the writers', and a test keeps them equal to what represent_claim emits.
    """

    id = serializers.UUIDField()
    assessment = AssessmentReadSerializer(allow_null=True)
    relations = RelationReadSerializer(many=True)
    sources = ClaimSourceSerializer(many=True)
    status = serializers.ChoiceField(choices=vocab.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def get_fields(self):
        declared = super().get_fields()
        return {"id": declared.pop("id"), **_claim_fields(read=True), **declared}

    def to_representation(self, instance) -> dict:
        return represent_claim(instance)


class ClaimVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changed_by = serializers.CharField(source="changed_by.username")
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


def _model_fields(model, columns) -> dict[str, serializers.Field]:
    """DRF fields for plain model columns: the model's choices, length limits and defaults."""
    meta = type("Meta", (), {"model": model, "fields": [field.name for field in columns]})
    built = type("Columns", (serializers.ModelSerializer,), {"Meta": meta})().get_fields()
    for field in built.values():
        field.validators = [v for v in field.validators if not hasattr(v, "queryset")]  # no unique look-ups
        if isinstance(field, serializers.ChoiceField) and field.allow_blank:
            field.allow_null = True  # an optional choice left open reads, and may be sent, as null
        if isinstance(field, serializers.IntegerField) and field.max_value is None:
            field.max_value = ID_MAX
    return built


def _row_fields(columns, *, read: bool) -> dict[str, serializers.Field]:
    """A hop's or route stop's fields: actors as objects (read) or ids (write), a source as its URL."""
    plain = [field for field in columns if not field.is_relation]
    fields = _model_fields(columns[0].model, plain)
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
                    max_length=schema.limit(Source, "url"),
                    help_text="URL of the document this hop was read in (required on the last hop).",
                )
            )
        elif field.is_relation:
            fields[field.name] = (
                ActorRefSerializer(allow_null=True)
                if read
                else _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
            )
    return {field.name: fields[field.name] for field in columns}


def _serializer(name: str, fields: dict) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), dict(fields))


def _claim_fields(*, read: bool) -> dict[str, serializers.Field]:
    """The write-shape fields of a claim, in the model's order, derived from the models."""
    plain = _model_fields(Claim, schema.SCALARS)
    fields = {
        column.name: (
            ActorRefSerializer(allow_null=True)
            if read
            else _actor_id(required=False, allow_null=True, default=None, help_text="Actor id.")
        )
        if column.is_relation
        else plain[column.name]
        for column in schema.STANDALONE
    }
    fields["participants"] = (
        ActorRefSerializer(many=True)
        if read
        else serializers.ListField(child=_actor_id(), required=False, default=list, help_text="Actor ids.")
    )
    for group, columns in schema.GROUPED.items():
        built = _model_fields(Claim, columns)
        nested = {schema.group_of(column)[1]: built[column.name] for column in columns}
        group_class = _serializer(f"{group.title().replace('_', '')}{'' if read else 'Write'}", nested)
        fields[group] = group_class() if read else group_class(required=False, default=None, allow_null=True)
    stop = _serializer("RouteStop", _row_fields(schema.STOP_COLUMNS, read=read))
    fields["route"] = stop(many=True) if read else stop(many=True, required=False, default=list)
    hop = _serializer("HopRead" if read else "HopWrite", _row_fields(schema.HOP_COLUMNS, read=read))
    fields["hops"] = hop(many=True) if read else hop(many=True, allow_empty=True)
    return fields


class ClaimWriteSerializer(serializers.Serializer):
    """A whole claim as clients send it: actors by id, a hop's source by URL (fields: claims.schema)."""

    def get_fields(self):
        return _claim_fields(read=False)

    def to_claim_data(self) -> ClaimData:
        return schema.from_write_shape(self.validated_data)


def _blank_choice(choices) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, required=False, allow_blank=True, allow_null=True, default=""
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
