"""The claim a request names, if its client may see it: shared by the API views and the exports."""

from django.shortcuts import get_object_or_404

from claims.api.conditional import ACTOR_STAMPS, stamp
from claims.models import CLAIM_DETAIL_JOINS, Claim


def visible_claims(request):
    return Claim.objects.visible_to(request.user)


def claim_for(request, claim_id) -> Claim:
    """The claim with this uuid if this client may see it, ready for an ETag (not yet for its body)."""
    queryset = visible_claims(request).select_related(*CLAIM_DETAIL_JOINS).annotate(**ACTOR_STAMPS)
    return stamp([get_object_or_404(queryset, uuid=claim_id)])[0]
