"""Every write that spans models or has side effects: views, API, admin, importer and tasks call these.

Split by subdomain; each write ends with one explicit call to claims.projection.record (document,
search text, version, feed event). Import from here: `from claims import services`.
"""

from claims.services.actors import create_actor
from claims.services.assessments import add_assessment
from claims.services.bulk import create_claims
from claims.services.claims import StaleVersion, create_claim, discard_claim, revert_claim, update_claim
from claims.services.editorial import add_comment, assign_claim
from claims.services.relations import add_relation, reevaluate_actor_lineage, remove_relation
from claims.services.revisions import (
    approve_revision,
    propose_revert,
    propose_revision,
    reject_revision,
    withdraw_revision,
)
from claims.services.searches import delete_saved_search, save_search
from claims.services.sources import get_or_create_source, update_source
from claims.services.validation import (
    ClaimData,
    HopData,
    RouteStopData,
    validate_claim_data,
    validate_claim_fields,
    validate_hops,
    validate_route,
)
from claims.services.workflow import REASON_MAX, transition_claim

__all__ = [
    "REASON_MAX",
    "ClaimData",
    "HopData",
    "RouteStopData",
    "StaleVersion",
    "add_assessment",
    "add_comment",
    "add_relation",
    "approve_revision",
    "assign_claim",
    "create_actor",
    "create_claim",
    "create_claims",
    "delete_saved_search",
    "discard_claim",
    "get_or_create_source",
    "propose_revert",
    "propose_revision",
    "reevaluate_actor_lineage",
    "reject_revision",
    "remove_relation",
    "revert_claim",
    "save_search",
    "transition_claim",
    "update_claim",
    "update_source",
    "validate_claim_data",
    "validate_claim_fields",
    "validate_hops",
    "validate_route",
    "withdraw_revision",
]
