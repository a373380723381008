"""Data, invariants and query verbs of the claim tracker."""

import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from claims import vocab
from claims.search import RankedSearch, matching

# Limits on free text, enforced by the models and the services alike.
STATEMENT_MAX = 1000
SHORT_TEXT_MAX = 300
QUOTE_MAX = 5000
RATIONALE_MAX = 4000
URL_MAX = 2000

# Query parameters that identify a campaign, not a document.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def validate_country(value: str) -> None:
    """Accept ISO 3166-1 alpha-2 codes only (GB, not UK; RU, not RUS)."""
    if value and (len(value) != 2 or not value.isupper() or pycountry.countries.get(alpha_2=value) is None):
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code (for example GB, RU, KP)."),
            code="invalid_country",
            params={"value": value},
        )


def validate_language(value: str) -> None:
    """Accept ISO 639-1 two-letter language codes (it, en, ko)."""
    if value and (len(value) != 2 or not value.islower() or pycountry.languages.get(alpha_2=value) is None):
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code (for example it, en, ru)."),
            code="invalid_language",
            params={"value": value},
        )


def normalise_url(url: str) -> str:
    """One spelling per document: lower-case scheme and host, no default port, fragment or tracking."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("Enter an http or https URL with a host."), code="invalid_url")
    host = parts.hostname.lower()
    default_port = {"http": 80, "https": 443}[scheme]
    try:
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("The URL has an invalid port."), code="invalid_url") from error
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, default_port) else f"[{host}]:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.startswith(TRACKING_PARAMS)
        ]
    )
    normalised = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    if len(normalised) > URL_MAX:
        raise ValidationError(_("URLs are limited to %(max)d characters."), params={"max": URL_MAX})
    return normalised


class Actor(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=vocab.ActorKind.choices)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text=_("Other names, e.g. metonyms like Pyongyang.")
    )
    description = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    reliability = models.CharField(
        _("default source reliability"), max_length=1, choices=vocab.Reliability.choices, blank=True
    )
    reliability_note = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=vocab.ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(
                condition=Q(reliability="") | Q(reliability__in=vocab.Reliability.values),
                name="actor_reliability_valid",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="actor_not_own_parent",
                violation_error_message=_("An actor cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in self.aliases
        ):
            raise ValidationError({"aliases": _("Aliases must be a list of non-empty names.")})
        if any(len(a) > 200 for a in self.aliases):
            raise ValidationError({"aliases": _("Each alias is limited to 200 characters.")})
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An actor cannot be its own ancestor.")})
            ancestor = ancestor.parent


def sees_drafts(user) -> bool:
    """The one rule for who sees claims that are not (or no longer) public: editors and reviewers."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.view_draft"))


class SourceQuerySet(models.QuerySet):
    def due(self, now=None) -> "SourceQuerySet":
        """Sources whose next check has come and that no worker holds a live lease on."""
        now = now or timezone.now()
        return self.filter(next_check_at__lte=now).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        )

    def visible_to(self, user) -> "SourceQuerySet":
        """A source cited only by drafts would reveal what the newsroom is working on."""
        if sees_drafts(user):
            return self
        return self.filter(pk__in=Source.objects.filter(hops__claim__in=Claim.objects.public()).values("pk"))

    def needing_attention(self) -> "SourceQuerySet":
        return self.filter(
            Q(liveness__in=[vocab.Liveness.CHANGED, vocab.Liveness.SUSPECT, vocab.Liveness.DEAD])
            | Q(quotes_missing__gt=0)
        )


class Source(models.Model):
    url = models.URLField(max_length=URL_MAX, unique=True)
    title = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    publisher = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    language = models.CharField(max_length=2, blank=True, validators=[validate_language])
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=16, choices=vocab.DatePrecision.choices, default=vocab.DatePrecision.UNKNOWN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Health, maintained by the re-checker (claims/sources/).
    liveness = models.CharField(
        max_length=16, choices=vocab.Liveness.choices, default=vocab.Liveness.UNCHECKED
    )
    strikes = models.PositiveSmallIntegerField(default=0)
    first_strike_at = models.DateTimeField(null=True, blank=True)
    # Strikes closer together than SOURCE_DEAD_STRIKE_INTERVAL count once (see sources/policy.py).
    last_strike_at = models.DateTimeField(null=True, blank=True)
    quotes_missing = models.PositiveSmallIntegerField(default=0)
    last_outcome = models.CharField(max_length=32, choices=vocab.CheckOutcome.choices, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    baseline_sha256 = models.CharField(max_length=64, blank=True)
    baseline_text = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["lease_token", "lease_expires_at", "next_check_at"])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(liveness__in=vocab.Liveness.values), name="source_liveness_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        return self.filter(status=vocab.Status.PUBLISHED)

    def public(self) -> "ClaimQuerySet":
        return self.filter(status__in=vocab.PUBLIC_STATUSES)

    def visible_to(self, user) -> "ClaimQuerySet":
        """Every list, export and feed goes through this (or sees_drafts for what it renders)."""
        if sees_drafts(user):
            return self
        return self.public()

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
    statement = models.CharField(max_length=STATEMENT_MAX)
    kind = models.CharField(max_length=32, choices=vocab.ClaimKind.choices)
    supplier = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_as_supplier"
    )
    recipient = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_as_recipient"
    )
    participants = models.ManyToManyField(Actor, blank=True, related_name="claims_as_participant")
    place = models.CharField(max_length=200, blank=True)
    item_category = models.CharField(max_length=32, choices=vocab.ItemCategory.choices, blank=True)
    item_description = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    stage = models.CharField(max_length=32, choices=vocab.Stage.choices, blank=True)
    stance = models.CharField(max_length=16, choices=vocab.Stance.choices, default=vocab.Stance.ASSERT)
    modality = models.CharField(
        max_length=16, choices=vocab.Modality.choices, default=vocab.Modality.OCCURRED
    )
    negated = models.BooleanField(default=False)
    quantity_qualifier = models.CharField(
        max_length=16, choices=vocab.QuantityQualifier.choices, default=vocab.QuantityQualifier.UNKNOWN
    )
    quantity_min = models.BigIntegerField(null=True, blank=True)
    quantity_max = models.BigIntegerField(null=True, blank=True)
    quantity_unit = models.CharField(max_length=100, blank=True)
    quantity_text = models.CharField(max_length=200, blank=True)
    # A precision plus the inclusive [start, end] range it covers, so that range filters just work.
    event_start = models.DateField(null=True, blank=True)
    event_end = models.DateField(null=True, blank=True)
    event_precision = models.CharField(
        max_length=16, choices=vocab.DatePrecision.choices, default=vocab.DatePrecision.UNKNOWN
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
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim", "version"]
        constraints = [models.UniqueConstraint(fields=["claim", "version"], name="claim_version_unique")]

    def __str__(self) -> str:
        return f"{self.claim_id} v{self.version}"


class FeedEvent(models.Model):
    """One row per publish, update of a published claim, or retraction; seq is the public cursor."""

    seq = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=16, choices=vocab.FeedEventType.choices)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="feed_events")
    version = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=vocab.FeedEventType.values), name="feed_event_type_valid"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


class SourceCheck(models.Model):
    """Append-only record of one re-check of a source."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks")
    outcome = models.CharField(max_length=32, choices=vocab.CheckOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=URL_MAX, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64, blank=True)
    similarity = models.FloatField(null=True, blank=True)
    detail = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    lease_token = models.CharField(max_length=64, blank=True)
    redirects = models.JSONField(default=list, blank=True)
    elapsed_ms = models.PositiveIntegerField(null=True, blank=True)
    # Evidence: the raw body, content-addressed under EVIDENCE_DIR, and its WARC record.
    content_type = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    warc_path = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)

    class Meta:
        ordering = ["source", "-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=vocab.CheckOutcome.values), name="check_outcome_valid"
            ),
            # A redelivered task for the same lease must not write a second row.
            models.UniqueConstraint(
                fields=["source", "lease_token"], condition=~Q(lease_token=""), name="check_once_per_lease"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.outcome}"


class QuoteCheck(models.Model):
    check_run = models.ForeignKey(SourceCheck, on_delete=models.CASCADE, related_name="quotes")
    hop = models.ForeignKey(AttributionHop, on_delete=models.CASCADE, related_name="quote_checks")
    result = models.CharField(max_length=16, choices=vocab.QuoteResult.choices)
    score = models.FloatField()
    passage = models.TextField(blank=True)

    class Meta:
        ordering = ["check_run", "hop"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=vocab.QuoteResult.values), name="quote_result_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hop_id} {self.result}"


class ApiToken(models.Model):
    """The client name of a knox token (knox keeps only the digest); deleting either revokes it."""

    token = models.OneToOneField(
        "knox.AuthToken", primary_key=True, on_delete=models.CASCADE, related_name="client"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="api_token_name_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"
