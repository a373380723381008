"""Controlled vocabularies: the values are a public contract (API, CSV, STIX), keep them stable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    MILITARY_COOPERATION = "military_cooperation", _("Military cooperation")
    DIPLOMATIC_EVENT = "diplomatic_event", _("Diplomatic event")
    ASSESSMENT = "assessment", _("Assessment")


class ActorKind(models.TextChoices):
    STATE = "state", _("State")
    GOVERNMENT_BODY = "government_body", _("Government body")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")
    MEDIA_OUTLET = "media_outlet", _("Media outlet")
    INTERGOVERNMENTAL_ORG = "intergovernmental_org", _("Intergovernmental organisation")
    RESEARCH_ORG = "research_org", _("Research organisation")
    NON_STATE_ARMED_GROUP = "non_state_armed_group", _("Non-state armed group")
    UNKNOWN = "unknown", _("Unknown")


class ItemCategory(models.TextChoices):
    AMMUNITION = "ammunition", _("Ammunition")
    SMALL_ARMS_LIGHT_WEAPONS = "small_arms_light_weapons", _("Small arms and light weapons")
    ARMOURED_VEHICLES = "armoured_vehicles", _("Armoured vehicles")
    ARTILLERY = "artillery", _("Artillery")
    AIRCRAFT = "aircraft", _("Aircraft")
    AIR_DEFENCE = "air_defence", _("Air defence")
    MISSILES = "missiles", _("Missiles")
    SHIPS = "ships", _("Ships")
    SENSORS = "sensors", _("Sensors")
    COMPONENTS = "components", _("Components")
    TECHNOLOGY = "technology", _("Technology and know-how")
    DUAL_USE = "dual_use", _("Dual-use goods")
    SERVICES_TRAINING = "services_training", _("Services and training")
    NON_MILITARY_AID = "non_military_aid", _("Non-military aid")
    UNSPECIFIED = "unspecified", _("Unspecified")


class QuantityQualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    AT_LEAST = "at_least", _("at least")
    UP_TO = "up_to", _("up to")
    RANGE = "range", _("between")
    QUALITATIVE = "qualitative", _("qualitative")
    UNKNOWN = "unknown", _("unknown")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    APPROXIMATE = "approximate", _("Approximate")
    INTERVAL = "interval", _("Interval")
    UNKNOWN = "unknown", _("Unknown")


class RouteRole(models.TextChoices):
    ORIGIN = "origin", _("Origin")
    TRANSIT = "transit", _("Transit")
    DESTINATION = "destination", _("Destination")
    END_USE = "end_use", _("End use")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


# What anonymous clients and viewers may see; retracted claims stay visible as retracted.
PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)


class Stage(models.TextChoices):
    REQUEST = "request", _("Request / solicitation")
    NEGOTIATION = "negotiation", _("Negotiation")
    AGREEMENT = "agreement", _("Agreement / order")
    PRODUCTION = "production", _("Production")
    SHIPMENT = "shipment", _("Shipment")
    DELIVERY = "delivery", _("Delivery")
    BATTLEFIELD_USE = "battlefield_use", _("Battlefield use")


class Stance(models.TextChoices):
    ASSERT = "assert", _("Asserts")
    DENY = "deny", _("Denies")
    SPECULATE = "speculate", _("Speculates")


class Modality(models.TextChoices):
    OCCURRED = "occurred", _("Occurred")
    ONGOING = "ongoing", _("Ongoing")
    PLANNED = "planned", _("Planned")
    POSSIBLE = "possible", _("Possible")


class Anonymity(models.TextChoices):
    NAMED_ON_RECORD = "named_on_record", _("Named, on the record")
    NAMED_PARAPHRASED = "named_paraphrased", _("Named, paraphrased")
    ANONYMOUS_INDIVIDUAL = "anonymous_individual", _("Anonymous individual")
    ANONYMOUS_INSTITUTIONAL = "anonymous_institutional", _("Anonymous institutional")
    OUTLET_VOICE = "outlet_voice", _("Outlet's own voice")
    UNDISCLOSED = "undisclosed", _("Undisclosed")


NAMED_ANONYMITY = (Anonymity.NAMED_ON_RECORD, Anonymity.NAMED_PARAPHRASED)
# Who stands behind these is not named, so the printed words are all we have to identify them.
DESCRIBED_ANONYMITY = (
    Anonymity.ANONYMOUS_INDIVIDUAL,
    Anonymity.ANONYMOUS_INSTITUTIONAL,
    Anonymity.UNDISCLOSED,
)


class Reliability(models.TextChoices):
    A = "A", _("completely reliable")
    B = "B", _("usually reliable")
    C = "C", _("fairly reliable")
    D = "D", _("not usually reliable")
    E = "E", _("unreliable")
    F = "F", _("reliability cannot be judged")


class Credibility(models.IntegerChoices):
    CONFIRMED = 1, _("confirmed by other sources")
    PROBABLY_TRUE = 2, _("probably true")
    POSSIBLY_TRUE = 3, _("possibly true")
    DOUBTFUL = 4, _("doubtful")
    IMPROBABLE = 5, _("improbable")
    CANNOT_BE_JUDGED = 6, _("truth cannot be judged")


class Likelihood(models.TextChoices):
    ALMOST_NO_CHANCE = "almost_no_chance", _("almost no chance (1–5 %)")
    VERY_UNLIKELY = "very_unlikely", _("very unlikely (5–20 %)")
    UNLIKELY = "unlikely", _("unlikely (20–45 %)")
    ROUGHLY_EVEN = "roughly_even", _("roughly even chance (45–55 %)")
    LIKELY = "likely", _("likely (55–80 %)")
    VERY_LIKELY = "very_likely", _("very likely (80–95 %)")
    ALMOST_CERTAIN = "almost_certain", _("almost certain (95–99 %)")


class Confidence(models.TextChoices):
    LOW = "low", _("low confidence")
    MODERATE = "moderate", _("moderate confidence")
    HIGH = "high", _("high confidence")


class RelationKind(models.TextChoices):
    CORROBORATES = "corroborates", _("corroborates")
    CONTRADICTS = "contradicts", _("contradicts")
    DENIES = "denies", _("denies")
    QUALIFIES = "qualifies", _("qualifies")
    SUPERSEDES = "supersedes", _("supersedes")
    DUPLICATES = "duplicates", _("duplicates")
    CONTEXT = "context", _("gives context to")
    # One side of a barter: read from either end ("A is exchanged for B" and "B is exchanged for A").
    EXCHANGE = "exchange", _("is exchanged for")


# Kinds that say the same of both claims: one relation per pair, shown alike on both.
SYMMETRIC_RELATIONS = (RelationKind.EXCHANGE,)


class DealStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ORDERED = "ordered", _("Ordered")
    IN_DELIVERY = "in_delivery", _("In delivery")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# Deals whose deliveries may still lie ahead: only these may give delivery years after this one.
OPEN_DEAL_STATUSES = (DealStatus.PLANNED, DealStatus.ORDERED, DealStatus.IN_DELIVERY)


class DealType(models.TextChoices):
    SALE = "sale", _("Sale")
    AID = "aid", _("Aid")
    BARTER = "barter", _("Barter or exchange")
    LICENSED_PRODUCTION = "licensed_production", _("Licensed production")
    SEIZURE = "seizure", _("Seizure")
    UNKNOWN = "unknown", _("Unknown")


class YearPrecision(models.TextChoices):
    EXACT = "exact", _("That year")
    APPROXIMATE = "approximate", _("Around that year")


class PlacePrecision(models.TextChoices):
    EXACT = "exact", _("Exact")
    NEAR = "near", _("Near")
    REGION = "region", _("Region")
    COUNTRY = "country", _("Country")


class UNRegisterCategory(models.TextChoices):
    """The UN Register of Conventional Arms' seven categories, small arms and light weapons apart."""

    I = "I", _("I. Battle tanks")  # noqa: E741 (the Register's own numeral)
    II = "II", _("II. Armoured combat vehicles")
    III = "III", _("III. Large-calibre artillery systems")
    IV = "IV", _("IV. Combat aircraft and unmanned combat aerial vehicles")
    V = "V", _("V. Attack helicopters")
    VI = "VI", _("VI. Warships")
    VII = "VII", _("VII. Missiles and missile launchers")
    SALW = "SALW", _("Small arms and light weapons")
    OUTSIDE = "outside", _("Outside the Register")


# The Register category an item category falls in, when the editor gives none: the one mapping.
# Tanks (I) and attack helicopters (V) are within armoured vehicles and aircraft: the editor says so.
UN_CATEGORY_OF_ITEM = {
    ItemCategory.ARMOURED_VEHICLES: UNRegisterCategory.II,
    ItemCategory.ARTILLERY: UNRegisterCategory.III,
    ItemCategory.AIRCRAFT: UNRegisterCategory.IV,
    ItemCategory.SHIPS: UNRegisterCategory.VI,
    ItemCategory.MISSILES: UNRegisterCategory.VII,
    ItemCategory.AIR_DEFENCE: UNRegisterCategory.VII,
    ItemCategory.SMALL_ARMS_LIGHT_WEAPONS: UNRegisterCategory.SALW,
    ItemCategory.AMMUNITION: UNRegisterCategory.OUTSIDE,
    ItemCategory.SENSORS: UNRegisterCategory.OUTSIDE,
    ItemCategory.COMPONENTS: UNRegisterCategory.OUTSIDE,
    ItemCategory.TECHNOLOGY: UNRegisterCategory.OUTSIDE,
    ItemCategory.DUAL_USE: UNRegisterCategory.OUTSIDE,
    ItemCategory.SERVICES_TRAINING: UNRegisterCategory.OUTSIDE,
    ItemCategory.NON_MILITARY_AID: UNRegisterCategory.OUTSIDE,
}


def labels(vocabulary) -> dict:
    """Value → label in the active language, for pages that show many rows: a model's get_FOO_display
    translates every choice of its field on each call."""
    return {value: str(label) for value, label in vocabulary.choices}


def un_category(*, item_category: str, explicit: str = "") -> str:
    """The claim's UN Register category: the editor's, else the one its item category maps to
    ("" when the category says nothing, e.g. unspecified)."""
    return explicit or str(UN_CATEGORY_OF_ITEM.get(item_category, ""))


class Independence(models.TextChoices):
    INDEPENDENT = "independent", _("independent")
    POSSIBLY_SHARED_ORIGIN = "possibly_shared_origin", _("possibly shared origin")
    SAME_ORIGIN = "same_origin", _("same origin")


class Liveness(models.TextChoices):
    UNCHECKED = "unchecked", _("Unchecked")
    LIVE = "live", _("Live")
    CHANGED = "changed", _("Changed")
    DEGRADED = "degraded", _("Degraded")
    SUSPECT = "suspect", _("Suspect")
    DEAD = "dead", _("Dead")


class CheckOutcome(models.TextChoices):
    OK = "ok", _("OK")
    NOT_MODIFIED = "not_modified", _("Not modified")
    MOVED = "moved", _("Moved")
    CHANGED = "changed", _("Changed")
    QUOTE_MISSING = "quote_missing", _("Quote missing")
    SOFT_404 = "soft_404", _("Soft 404")
    GONE = "gone", _("Gone")
    BLOCKED = "blocked", _("Blocked")
    SERVER_ERROR = "server_error", _("Server error")
    TIMEOUT = "timeout", _("Timeout")
    DNS_ERROR = "dns_error", _("DNS error")
    TLS_ERROR = "tls_error", _("TLS error")
    TOO_LARGE = "too_large", _("Too large")
    UNSUPPORTED_TYPE = "unsupported_type", _("Unsupported type")
    REFUSED = "refused", _("Refused by policy")


class QuoteResult(models.TextChoices):
    FOUND = "found", _("Found")
    CHANGED = "changed", _("Changed")
    MISSING = "missing", _("Missing")


class RevisionState(models.TextChoices):
    """A suggested edit to a published claim: waiting, taken, turned down, replaced or taken back."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FeedEventType(models.TextChoices):
    PUBLISHED = "published", _("Published")
    UPDATED = "updated", _("Updated")
    RETRACTED = "retracted", _("Retracted")
    SOURCE_CHANGED = "source_changed", _("Source changed")
    SOURCE_QUOTE_MISSING = "source_quote_missing", _("Source lost a quote")
    SOURCE_DEAD = "source_dead", _("Source dead")
    SOURCE_RECOVERED = "source_recovered", _("Source recovered")


# A feed event is about a claim (its version) or about a source (and the public claims citing it).
CLAIM_EVENT_TYPES = (FeedEventType.PUBLISHED, FeedEventType.UPDATED, FeedEventType.RETRACTED)
SOURCE_EVENT_TYPES = (
    FeedEventType.SOURCE_CHANGED,
    FeedEventType.SOURCE_QUOTE_MISSING,
    FeedEventType.SOURCE_DEAD,
    FeedEventType.SOURCE_RECOVERED,
)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# Transitions: (from, to) → the permission that allows it. Anything else is refused.
TRANSITIONS = {
    (Status.DRAFT, Status.IN_REVIEW): "claims.submit_claim",
    (Status.IN_REVIEW, Status.DRAFT): "claims.submit_claim",
    (Status.IN_REVIEW, Status.PUBLISHED): "claims.publish_claim",
    (Status.PUBLISHED, Status.RETRACTED): "claims.retract_claim",
}
