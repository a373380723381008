"""Explicit API shapes: read serializers describe the §9 JSON, write ones map onto services.ClaimData."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import lineage, vocab
from claims.matching import REASONS as MATCH_REASONS
from claims.models import (
    COMMENT_MAX,
    RATIONALE_MAX,
    SAVED_SEARCH_NAME_MAX,
    SAVED_SEARCH_QUERY_MAX,
    SHORT_TEXT_MAX,
)
from claims.representation import represent_claim
from claims.schema import BlankChoiceField, claim_fields

# --- read ---------------------------------------------------------------------------------------


class AssessmentReadSerializer(serializers.Serializer):
    reliability = serializers.ChoiceField(choices=vocab.Reliability.choices)
    credibility = serializers.ChoiceField(choices=vocab.Credibility.choices)
    likelihood = serializers.ChoiceField(choices=vocab.Likelihood.choices, allow_null=True)
    confidence = serializers.ChoiceField(choices=vocab.Confidence.choices, allow_null=True)
    rationale = serializers.CharField()
    assessed_at = serializers.DateTimeField()


class LineageOriginSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            ("actor", "actor"),
            ("descriptor", "descriptor"),
            ("source", "source"),
            ("unknown", "unknown"),
        ],
        help_text="An actor (a speaker, an affiliation or an ancestor), the class of an unnamed source's "
        "words (lowercased, without articles, with its affiliation), a document we read, or an untold "
        "origin.",
    )
    id = serializers.IntegerField(
        allow_null=True, help_text="The actor's or the source's id; null otherwise."
    )
    name = serializers.CharField(help_text="The actor's name, the descriptor class or the source's URL.")


class RelationLineageSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[(v.value, v.value) for v in lineage.Verdict],
        help_text="How the two attribution chains compare: independent (nothing shared), shared_channel "
        "(only a relay or a document shared) or shared_origin (the originators, their parents or "
        "affiliations, or an unnamed source's class meet).",
    )
    shared = LineageOriginSerializer(many=True, help_text="What the two chains share, if anything.")


class RelationReadSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("out", "out"), ("in", "in")])
    kind = serializers.ChoiceField(choices=vocab.RelationKind.choices)
    claim_id = serializers.UUIDField()
    independence = serializers.ChoiceField(choices=vocab.Independence.choices)
    note = serializers.CharField(allow_blank=True)
    lineage = RelationLineageSerializer(help_text="The two claims' lineages compared, as they stand now.")
    lineage_conflict = serializers.CharField(
        allow_blank=True,
        help_text="Set when a change of hops or of an actor's parent made the origins of a relation "
        "declared independent meet: the shared origins, awaiting a reviewer. Empty otherwise.",
    )


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
    un_register_category = serializers.ChoiceField(
        choices=vocab.UNRegisterCategory.choices,
        allow_null=True,
        help_text="Read only: deal.un_category when the editor gave one, else what item_category maps to"
        " (null when it maps to none, e.g. unspecified).",
    )
    assessment = AssessmentReadSerializer(allow_null=True)
    relations = RelationReadSerializer(many=True)
    independent_origins = serializers.IntegerField(
        help_text="How many disjoint origins the corroborating claims related as independent stand on, "
        "counting only those whose whole lineage (origins, relays, documents) is disjoint from this "
        "claim's; corroborating claims whose origins meet count once. Credibility 1 needs at least one."
    )
    shared_channel_origins = serializers.IntegerField(
        help_text="The same count for corroborating claims related as independent that share only a "
        "relay or a document with this claim: counted apart, never towards credibility 1."
    )
    sources = ClaimSourceSerializer(many=True)
    status = serializers.ChoiceField(choices=vocab.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def get_fields(self):
        declared = super().get_fields()
        return {"id": declared.pop("id"), **claim_fields(read=True), **declared}

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


class TrackRecordSharesSerializer(serializers.Serializer):
    corroborated = serializers.FloatField(allow_null=True)
    contradicted = serializers.FloatField(allow_null=True)
    denied = serializers.FloatField(allow_null=True)
    retracted = serializers.FloatField(allow_null=True)


class TrackRecordSerializer(serializers.Serializer):
    """What became of the claims in which the actor speaks (hop 0: originated; later hops: relayed)."""

    claims = serializers.IntegerField()
    originated = serializers.IntegerField()
    relayed = serializers.IntegerField()
    corroborated = serializers.IntegerField(help_text="Corroborated by another claim, independently.")
    contradicted = serializers.IntegerField()
    denied = serializers.IntegerField()
    retracted = serializers.IntegerField()
    shares = TrackRecordSharesSerializer(help_text="Each count over `claims` (null when there are none).")
    suggested_reliability = serializers.ChoiceField(
        choices=vocab.Reliability.choices,
        help_text="The letter the record suggests (F while fewer than 5 claims have an outcome); "
        "a suggestion for reviewers, never applied by itself.",
    )


class ActorDetailSerializer(ActorSerializer):
    track_record = serializers.SerializerMethodField()

    @extend_schema_field(TrackRecordSerializer)
    def get_track_record(self, actor) -> dict:
        return self.context["track_record"].as_data()


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


class SourceEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField()
    liveness = serializers.ChoiceField(choices=vocab.Liveness.choices)
    quotes_missing = serializers.IntegerField()
    last_outcome = serializers.CharField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    cited_by = serializers.ListField(
        child=serializers.UUIDField(), help_text="The published and retracted claims citing the source."
    )


class FeedEventSerializer(serializers.Serializer):
    """Schema only: events are written by claims.representation.represent_feed_event."""

    seq = serializers.IntegerField()
    type = serializers.ChoiceField(choices=vocab.FeedEventType.choices)
    claim_id = serializers.UUIDField(allow_null=True, help_text="Null for source events.")
    version = serializers.IntegerField(
        allow_null=True, help_text="The claim's version; null for source events."
    )
    at = serializers.DateTimeField()
    claim = serializers.JSONField(
        allow_null=True,
        help_text="The claim as published (see Claim), or for a retraction a tombstone: "
        "{id, status, version, reason, retracted_at}; null for source events.",
    )
    source = SourceEventSerializer(allow_null=True, help_text="For source_* events; null otherwise.")


class FeedSerializer(serializers.Serializer):
    events = FeedEventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Pass as `after` on the next call.")
    has_more = serializers.BooleanField()


# --- write --------------------------------------------------------------------------------------


class AssessmentWriteSerializer(serializers.Serializer):
    reliability = serializers.ChoiceField(choices=vocab.Reliability.choices)
    credibility = serializers.ChoiceField(choices=vocab.Credibility.choices)
    likelihood = BlankChoiceField(vocab.Likelihood.choices)
    confidence = BlankChoiceField(vocab.Confidence.choices)
    rationale = serializers.CharField(max_length=RATIONALE_MAX)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=vocab.Status.choices)
    reason = serializers.CharField(max_length=SHORT_TEXT_MAX * 2)
    confirm_unverified_sources = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Publish although a cited source was never captured, or is suspect or dead "
        "(without it such a publication is refused with 400 on this field).",
    )


class CommentReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    mentions = serializers.SerializerMethodField()

    def get_mentions(self, comment) -> list[str]:
        return [user.username for user in comment.mentions.all()]


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=COMMENT_MAX, help_text="@username mentions an editor or reviewer."
    )


class AssigneeSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        allow_null=True, max_length=150, help_text="The username of an editor or reviewer; null for nobody."
    )


class SavedSearchSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=SAVED_SEARCH_NAME_MAX)
    query = serializers.CharField(
        max_length=SAVED_SEARCH_QUERY_MAX,
        allow_blank=True,
        help_text="Claim-list filters as a query string, e.g. recipient=RU&stage=shipment.",
    )
    links = serializers.SerializerMethodField()

    def get_links(self, search) -> dict[str, str]:
        suffix = f"?{search.query}" if search.query else ""
        return {
            "claims": reverse("api:claim-list") + suffix,
            "csv": reverse("api:claim-csv") + suffix,
            "atom": reverse("claims-atom") + suffix,
        }


class RevertSerializer(serializers.Serializer):
    to_version = serializers.IntegerField(min_value=1, help_text="The version whose content comes back.")
    reason = serializers.CharField(max_length=SHORT_TEXT_MAX * 2)


class RevisionSerializer(serializers.Serializer):
    """A suggested edit of a published claim (editorial roles only)."""

    id = serializers.IntegerField()
    claim_id = serializers.UUIDField(source="claim.uuid")
    state = serializers.ChoiceField(choices=vocab.RevisionState.choices)
    base_version = serializers.IntegerField(help_text="The claim's version the edit was made on.")
    stale = serializers.SerializerMethodField(
        help_text="True while pending if the claim has a newer version: approval would be refused."
    )
    reverts_to = serializers.IntegerField(
        allow_null=True, help_text="Set when the suggestion restores an earlier version."
    )
    note = serializers.CharField(help_text="The proposer's reason (required for a revert).")
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="The reviewer's reason (required for a rejection).")
    approved_version = serializers.IntegerField(allow_null=True)
    body = serializers.JSONField(help_text="The whole claim as it would be, in the write shape.")

    def get_stale(self, revision) -> bool:
        return revision.is_pending and revision.claim.version != revision.base_version


class DiffLineSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["same", "added", "removed"])
    text = serializers.CharField()


class RevisionDetailSerializer(RevisionSerializer):
    diff = serializers.SerializerMethodField(
        help_text="Line by line, from the base version to the suggestion."
    )

    @extend_schema_field(DiffLineSerializer(many=True))
    def get_diff(self, revision) -> list[dict]:
        return [{"op": line.op, "text": line.text} for line in self.context["diff"]]


class RevisionDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=SHORT_TEXT_MAX * 2,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (required to reject).",
    )


class RelationWriteSerializer(serializers.Serializer):
    to_claim = serializers.UUIDField(help_text="The other claim's id.")
    kind = serializers.ChoiceField(choices=vocab.RelationKind.choices)
    independence = serializers.ChoiceField(choices=vocab.Independence.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX)


# --- claim matching -------------------------------------------------------------------------------


class MatchRequestSerializer(serializers.Serializer):
    """A claim's write body, whole or in part: nothing is required, wrong types are refused."""

    def get_fields(self):
        fields = claim_fields(read=False)
        for field in fields.values():
            field.required = False
        fields["exclude"] = serializers.UUIDField(
            required=False, help_text="A claim left out of the answer (the one being edited)."
        )
        return fields


class SuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    statement = serializers.CharField()
    score = serializers.FloatField(help_text="0 to 1; suggestions start at the default threshold.")
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=[(r, r) for r in MATCH_REASONS]))


class MatchSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
