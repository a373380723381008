"""The claim a request names, if its client may see it: shared by the API views and the exports."""

from django.shortcuts import get_object_or_404

from claims import selectors
from claims.api.conditional import ACTOR_STAMPS, stamp
from claims.models import CLAIM_DETAIL_JOINS, Claim


def claim_for(request, claim_id) -> Claim:
    """The claim with this uuid if this client may see it, ready for an ETag (not yet for its body)."""
    queryset = selectors.claims_visible_to(request.user).select_related(*CLAIM_DETAIL_JOINS)
    return stamp([get_object_or_404(queryset.annotate(**ACTOR_STAMPS), uuid=claim_id)])[0]
