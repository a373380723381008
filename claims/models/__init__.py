"""Data, invariants and query verbs of the claim tracker, one module per concern."""

from claims.models.actors import Actor, fold
from claims.models.checks import QuoteCheck, SourceCheck
from claims.models.claims import (
    CLAIM_DETAIL_JOINS,
    Assessment,
    AttributionHop,
    Claim,
    ClaimDocument,
    ClaimQuerySet,
    ClaimRelation,
    ClaimVersion,
    FeedEvent,
    RouteStop,
    StatusChange,
    claim_detail_prefetches,
)
from claims.models.common import (
    QUOTE_MAX,
    RATIONALE_MAX,
    SHORT_TEXT_MAX,
    STATEMENT_MAX,
    TRACKING_PARAMS,
    URL_MAX,
    normalise_url,
    validate_country,
    validate_language,
)
from claims.models.editorial import COMMENT_MAX, Assignment, Comment
from claims.models.loading import load
from claims.models.revisions import PendingRevision
from claims.models.searches import SAVED_SEARCH_NAME_MAX, SAVED_SEARCH_QUERY_MAX, SavedSearch
from claims.models.sources import Source, SourceQuerySet
from claims.models.tokens import ApiToken
from claims.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "CLAIM_DETAIL_JOINS",
    "COMMENT_MAX",
    "QUOTE_MAX",
    "RATIONALE_MAX",
    "SAVED_SEARCH_NAME_MAX",
    "SAVED_SEARCH_QUERY_MAX",
    "SHORT_TEXT_MAX",
    "STATEMENT_MAX",
    "TRACKING_PARAMS",
    "URL_MAX",
    "Actor",
    "ApiToken",
    "Assessment",
    "Assignment",
    "AttributionHop",
    "Claim",
    "ClaimDocument",
    "ClaimQuerySet",
    "ClaimRelation",
    "ClaimVersion",
    "Comment",
    "FeedEvent",
    "PendingRevision",
    "QuoteCheck",
    "RouteStop",
    "SavedSearch",
    "Source",
    "SourceCheck",
    "SourceQuerySet",
    "StatusChange",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "claim_detail_prefetches",
    "fold",
    "load",
    "normalise_url",
    "validate_country",
    "validate_language",
]
