"""Claims and what hangs off them: hops, route, assessments, relations, history, document, feed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from claims import changes, vocab
from claims.models.actors import Actor
from claims.models.common import (
    QUOTE_MAX,
    RATIONALE_MAX,
    SHORT_TEXT_MAX,
    STATEMENT_MAX,
    validate_country,
    validate_language,
)
from claims.models.sources import Source
from claims.search import RankedSearch, matching


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        return self.filter(status=vocab.Status.PUBLISHED)

    def public(self) -> "ClaimQuerySet":
        return self.filter(status__in=vocab.PUBLIC_STATUSES)

    def search(self, query: str) -> "ClaimQuerySet":
        """Full-text search over statement, quotes, descriptors and actor names (websearch syntax)."""
        return matching(self, query)

    def ranked_search(self, query: str) -> RankedSearch:
        """The matches in search order (relevance, then newest first), paged by the API and the UI."""
        return RankedSearch(self.search(query), query)

    def with_details(self) -> "ClaimQuerySet":
        """Everything the claim representation needs, in a fixed number of queries."""
        return self.select_related(*CLAIM_DETAIL_JOINS).prefetch_related(*claim_detail_prefetches())


# Split from with_details() so that a page can be fetched first and completed only when needed
# (the API answers If-None-Match from the bare page, before any prefetch).
CLAIM_DETAIL_JOINS = ("supplier", "recipient", "current_assessment")


def claim_detail_prefetches() -> list:
    return [
        "participants",
        models.Prefetch(
            "hops", queryset=AttributionHop.objects.select_related("speaker", "affiliation", "source")
        ),
        "route",
        models.Prefetch("relations_out", queryset=ClaimRelation.objects.select_related("to_claim")),
        models.Prefetch("relations_in", queryset=ClaimRelation.objects.select_related("from_claim")),
    ]


class Claim(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Labels and help live here, once: the form, the admin, the diff and the CSV read them.
    statement = models.CharField(
        _("Statement"), max_length=STATEMENT_MAX, help_text=_("One atomic proposition, in English.")
    )
    kind = models.CharField(_("Kind"), max_length=32, choices=vocab.ClaimKind.choices)
    supplier = models.ForeignKey(
        Actor,
        verbose_name=_("Supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_as_supplier",
    )
    recipient = models.ForeignKey(
        Actor,
        verbose_name=_("Recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_as_recipient",
    )
    participants = models.ManyToManyField(
        Actor,
        verbose_name=_("Participants"),
        blank=True,
        related_name="claims_as_participant",
        help_text=_("For cooperation and diplomatic events."),
    )
    place = models.CharField(_("Place"), max_length=200, blank=True)
    place_precision = models.CharField(
        _("Place precision"),
        max_length=16,
        choices=vocab.PlacePrecision.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("How closely the place is known: the spot, near it, its region or only its country."),
    )
    place_latitude = models.FloatField(_("Latitude"), null=True, blank=True, help_text=_("−90 to 90."))
    place_longitude = models.FloatField(_("Longitude"), null=True, blank=True, help_text=_("−180 to 180."))
    item_category = models.CharField(
        _("Item category"), max_length=32, choices=vocab.ItemCategory.choices, blank=True
    )
    item_description = models.CharField(_("Item description"), max_length=SHORT_TEXT_MAX, blank=True)
    designation = models.CharField(
        _("Designation"),
        max_length=100,
        blank=True,
        help_text=_("The weapon's designation as reported, e.g. KN-23 or Kh-101."),
    )
    stage = models.CharField(_("Stage"), max_length=32, choices=vocab.Stage.choices, blank=True)
    stance = models.CharField(
        _("Stance"), max_length=16, choices=vocab.Stance.choices, default=vocab.Stance.ASSERT
    )
    modality = models.CharField(
        _("Modality"), max_length=16, choices=vocab.Modality.choices, default=vocab.Modality.OCCURRED
    )
    negated = models.BooleanField(_("Negated (“did not …”)"), default=False)
    quantity_qualifier = models.CharField(
        _("Quantity"),
        max_length=16,
        choices=vocab.QuantityQualifier.choices,
        default=vocab.QuantityQualifier.UNKNOWN,
    )
    quantity_min = models.BigIntegerField(_("Minimum"), null=True, blank=True)
    quantity_max = models.BigIntegerField(_("Maximum"), null=True, blank=True)
    quantity_unit = models.CharField(_("Unit"), max_length=100, blank=True)
    quantity_text = models.CharField(_("Words used"), max_length=200, blank=True)
    # A precision plus the inclusive [start, end] range it covers, so that range filters just work.
    event_precision = models.CharField(
        _("Date precision"),
        max_length=16,
        choices=vocab.DatePrecision.choices,
        default=vocab.DatePrecision.UNKNOWN,
    )
    event_start = models.DateField(_("From"), null=True, blank=True)
    event_end = models.DateField(_("To"), null=True, blank=True)
    # The deal as SIPRI's Trade Register records it (transfer claims only): numbers, years, status, type.
    deal_status = models.CharField(
        _("Deal status"),
        max_length=16,
        choices=vocab.DealStatus.choices,
        blank=True,
        default="",
        db_default="",
    )
    deal_type = models.CharField(
        _("Deal type"), max_length=32, choices=vocab.DealType.choices, blank=True, default="", db_default=""
    )
    deal_number_ordered = models.BigIntegerField(_("Number ordered"), null=True, blank=True)
    deal_number_delivered = models.BigIntegerField(_("Number delivered"), null=True, blank=True)
    deal_order_year = models.PositiveSmallIntegerField(_("Year of order"), null=True, blank=True)
    deal_order_precision = models.CharField(
        _("Year of order is"),
        max_length=16,
        choices=vocab.YearPrecision.choices,
        default=vocab.YearPrecision.EXACT,
        db_default=vocab.YearPrecision.EXACT.value,
    )
    deal_delivery_first_year = models.PositiveSmallIntegerField(
        _("First year of delivery"), null=True, blank=True
    )
    deal_delivery_last_year = models.PositiveSmallIntegerField(
        _("Last year of delivery"), null=True, blank=True, help_text=_("Empty when delivered in one year.")
    )
    deal_delivery_precision = models.CharField(
        _("Years of delivery are"),
        max_length=16,
        choices=vocab.YearPrecision.choices,
        default=vocab.YearPrecision.EXACT,
        db_default=vocab.YearPrecision.EXACT.value,
    )
    deal_un_category = models.CharField(
        _("UN Register category"),
        max_length=16,
        choices=vocab.UNRegisterCategory.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("Leave empty to derive it from the item category."),
    )
    deal_comments = models.CharField(
        _("Deal comments"),
        max_length=SHORT_TEXT_MAX,
        blank=True,
        default="",
        db_default="",
        help_text=_("As in SIPRI's Comments."),
    )
    # SIPRI's brackets: the value is an estimate or otherwise uncertain.
    uncertain_supplier = models.BooleanField(_("Supplier uncertain"), default=False, db_default=False)
    uncertain_recipient = models.BooleanField(_("Recipient uncertain"), default=False, db_default=False)
    uncertain_designation = models.BooleanField(_("Designation uncertain"), default=False, db_default=False)
    uncertain_number_ordered = models.BooleanField(
        _("Number ordered uncertain"), default=False, db_default=False
    )
    uncertain_number_delivered = models.BooleanField(
        _("Number delivered uncertain"), default=False, db_default=False
    )
    uncertain_order_year = models.BooleanField(_("Year of order uncertain"), default=False, db_default=False)
    uncertain_delivery_years = models.BooleanField(
        _("Years of delivery uncertain"), default=False, db_default=False
    )
    status = models.CharField(max_length=16, choices=vocab.Status.choices, default=vocab.Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    # Denormalised pointer to the newest assessment so lists can filter on it without a subquery.
    current_assessment = models.ForeignKey(
        "Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Statement, quotes, descriptors and actor names in one text, indexed for full-text search.
    search_document = models.TextField(blank=True, editable=False)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[participants], excluded_fields=["current_assessment", "search_document"]
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("view_draft", "Can see claims that are not published"),
            ("submit_claim", "Can submit a claim for review or send it back to draft"),
            ("publish_claim", "Can publish a claim"),
            ("retract_claim", "Can retract a published claim"),
            ("edit_any_claim", "Can edit claims in any editable status, not only own drafts"),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="claim_status_updated"),
            models.Index(fields=["event_start", "event_end"], name="claim_event_range"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=vocab.ClaimKind.values), name="claim_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=vocab.Status.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(stance__in=vocab.Stance.values), name="claim_stance_valid"),
            models.CheckConstraint(
                condition=Q(modality__in=vocab.Modality.values), name="claim_modality_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage="") | Q(stage__in=vocab.Stage.values), name="claim_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(item_category="") | Q(item_category__in=vocab.ItemCategory.values),
                name="claim_item_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(quantity_qualifier__in=vocab.QuantityQualifier.values),
                name="claim_qualifier_valid",
            ),
            models.CheckConstraint(
                condition=Q(event_precision__in=vocab.DatePrecision.values), name="claim_precision_valid"
            ),
            models.CheckConstraint(
                condition=Q(supplier__isnull=True) | Q(recipient__isnull=True) | ~Q(supplier=F("recipient")),
                name="claim_supplier_is_not_recipient",
                violation_error_message=_("The supplier and the recipient must be different actors."),
            ),
            models.CheckConstraint(
                condition=(Q(quantity_min__isnull=True) | Q(quantity_min__gte=0))
                & (Q(quantity_max__isnull=True) | Q(quantity_max__gte=0)),
                name="claim_quantity_not_negative",
                violation_error_message=_("A quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_min__isnull=True)
                | Q(quantity_max__isnull=True)
                | Q(quantity_min__lte=F("quantity_max")),
                name="claim_quantity_min_le_max",
                violation_error_message=_("The maximum must be greater than or equal to the minimum."),
            ),
            models.CheckConstraint(
                condition=~Q(quantity_qualifier=vocab.QuantityQualifier.QUALITATIVE)
                | (Q(quantity_min__isnull=True) & Q(quantity_max__isnull=True)),
                name="claim_qualitative_has_no_numbers",
                violation_error_message=_("A qualitative quantity carries no numbers."),
            ),
            models.CheckConstraint(
                condition=Q(event_start__isnull=True)
                | Q(event_end__isnull=True)
                | Q(event_start__lte=F("event_end")),
                name="claim_event_range_ordered",
                violation_error_message=_("The end date must be on or after the start date."),
            ),
            models.CheckConstraint(
                condition=~(Q(stance=vocab.Stance.SPECULATE) & Q(modality=vocab.Modality.OCCURRED)),
                name="claim_speculation_not_occurred",
                violation_error_message=_(
                    "Speculation cannot be recorded as having occurred: use possible or planned."
                ),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(
                condition=(Q(deal_number_ordered__isnull=True) | Q(deal_number_ordered__gte=0))
                & (Q(deal_number_delivered__isnull=True) | Q(deal_number_delivered__gte=0)),
                name="claim_deal_numbers_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(deal_number_ordered__isnull=True)
                | Q(deal_number_delivered__isnull=True)
                | Q(deal_number_delivered__lte=F("deal_number_ordered")),
                name="claim_delivered_le_ordered",
            ),
            models.CheckConstraint(
                condition=Q(place_latitude__isnull=True, place_longitude__isnull=True)
                | Q(
                    place_latitude__gte=-90,
                    place_latitude__lte=90,
                    place_longitude__gte=-180,
                    place_longitude__lte=180,
                ),
                name="claim_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.statement


class RouteStop(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="route")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=vocab.RouteRole.choices)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    region = models.CharField(max_length=200, blank=True, help_text=_("A label such as Middle East."))
    approximate = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="route_stop_position_unique"),
            models.CheckConstraint(condition=Q(role__in=vocab.RouteRole.values), name="route_role_valid"),
            models.CheckConstraint(
                condition=~Q(country="") | ~Q(region=""),
                name="route_stop_has_place",
                violation_error_message=_("A route stop needs a country or a region."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.country or self.region}"


class AttributionHop(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="hops")
    position = models.PositiveSmallIntegerField()
    speaker = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="hops_spoken"
    )
    descriptor = models.CharField(
        max_length=SHORT_TEXT_MAX, blank=True, help_text=_("Verbatim, e.g. 'a US official'.")
    )
    affiliation = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="hops_affiliated"
    )
    role = models.CharField(max_length=SHORT_TEXT_MAX, blank=True, help_text=_("As printed."))
    anonymity = models.CharField(max_length=32, choices=vocab.Anonymity.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="hops")
    quote = models.TextField(max_length=QUOTE_MAX, blank=True)
    quote_language = models.CharField(max_length=2, blank=True, validators=[validate_language])
    translation = models.TextField(max_length=QUOTE_MAX, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="hop_position_unique"),
            models.CheckConstraint(
                condition=Q(anonymity__in=vocab.Anonymity.values), name="hop_anonymity_valid"
            ),
            models.CheckConstraint(
                condition=~Q(anonymity__in=vocab.NAMED_ANONYMITY) | Q(speaker__isnull=False),
                name="hop_named_has_speaker",
                violation_error_message=_("A named source needs a speaker actor."),
            ),
            models.CheckConstraint(
                condition=~Q(anonymity__in=vocab.DESCRIBED_ANONYMITY) | ~Q(descriptor=""),
                name="hop_anonymous_has_descriptor",
                violation_error_message=_("An unnamed source needs the words used, e.g. 'a US official'."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.speaker or self.descriptor}"


class Assessment(models.Model):
    """Append-only: the newest row is the claim's current assessment."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assessments")
    reliability = models.CharField(max_length=1, choices=vocab.Reliability.choices)
    credibility = models.PositiveSmallIntegerField(choices=vocab.Credibility.choices)
    likelihood = models.CharField(max_length=32, choices=vocab.Likelihood.choices, blank=True)
    confidence = models.CharField(max_length=16, choices=vocab.Confidence.choices, blank=True)
    rationale = models.TextField(max_length=RATIONALE_MAX)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim", "-assessed_at", "-id"]
        get_latest_by = ["assessed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=vocab.Reliability.values), name="assessment_reliability_valid"
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1) & Q(credibility__lte=6), name="assessment_credibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(likelihood="") | Q(likelihood__in=vocab.Likelihood.values),
                name="assessment_likelihood_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence="") | Q(confidence__in=vocab.Confidence.values),
                name="assessment_confidence_valid",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="assessment_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"


class ClaimRelation(models.Model):
    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=vocab.RelationKind.choices)
    independence = models.CharField(max_length=32, choices=vocab.Independence.choices)
    note = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    # Set, never acted on, when a change of hops or of an actor's parent made the two claims' origins
    # meet while the relation says independent: the shared origins in words, for a reviewer to settle
    # (re-relate or change the independence). Empty when there is nothing to settle.
    lineage_conflict = models.CharField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_claim", "to_claim", "kind"], name="relation_unique"),
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="relation_not_self",
                violation_error_message=_("A claim cannot be related to itself."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=vocab.RelationKind.values), name="relation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(independence__in=vocab.Independence.values), name="relation_independence_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_claim_id} {self.kind} {self.to_claim_id}"


class StatusChange(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=vocab.Status.choices)
    to_status = models.CharField(max_length=16, choices=vocab.Status.choices)
    reason = models.CharField(max_length=SHORT_TEXT_MAX * 2)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim", "changed_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="status_change_has_reason")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ClaimVersion(models.Model):
    """The whole claim (statement, hops, route, assessment, relations) as it stood at one version."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    change = models.CharField(max_length=SHORT_TEXT_MAX)
    # What changed, as data (claims.changes); the database default lets bulk loaders leave it out.
    change_data = models.JSONField(default=dict, db_default=models.Value({}, models.JSONField()))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim", "version"]
        constraints = [models.UniqueConstraint(fields=["claim", "version"], name="claim_version_unique")]

    def __str__(self) -> str:
        return f"{self.claim_id} v{self.version}"

    @property
    def summary(self) -> str:
        """The change in the reader's language."""
        return changes.in_words(self.change_data, fallback=self.change)


class ClaimDocument(models.Model):
    """The claim as readers get it now (the read model): rewritten by every write, rebuildable at will."""

    claim = models.OneToOneField(Claim, primary_key=True, on_delete=models.CASCADE, related_name="document")
    schema_version = models.PositiveSmallIntegerField()
    body = models.JSONField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.claim_id} (schema {self.schema_version})"


class FeedEvent(models.Model):
    """One row per publish, update of a published claim, or retraction, and per change in a cited
    source's health (changed, quote missing, dead, recovered); seq is the public cursor."""

    seq = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=32, choices=vocab.FeedEventType.choices)
    claim = models.ForeignKey(Claim, null=True, on_delete=models.CASCADE, related_name="feed_events")
    source = models.ForeignKey(Source, null=True, on_delete=models.CASCADE, related_name="feed_events")
    # The claim's version for claim events; a source has no versions.
    version = models.PositiveIntegerField(null=True)
    at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=vocab.FeedEventType.values), name="feed_event_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    type__in=vocab.CLAIM_EVENT_TYPES,
                    claim__isnull=False,
                    version__isnull=False,
                    source__isnull=True,
                )
                | Q(
                    type__in=vocab.SOURCE_EVENT_TYPES,
                    source__isnull=False,
                    claim__isnull=True,
                    version__isnull=True,
                ),
                name="feed_event_about_a_claim_or_a_source",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"
