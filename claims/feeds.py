"""Atom feed of published claims, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.models import Claim

ATOM_ITEMS = 100


class PublishedClaimsFeed(Feed):
    feed_type = Atom1Feed
    title = "Arms-transfer claims"
    subtitle = "Claims published by the newsroom, newest first."
    link = "/api/v1/claims/"

    def __call__(self, request, *args, **kwargs):
        if not settings.PUBLIC_API and not request.user.is_authenticated:
            return HttpResponse("Authentication required.", status=401, content_type="text/plain")
        return super().__call__(request, *args, **kwargs)

    def items(self):
        return Claim.objects.published().with_details().order_by("-published_at", "-id")[:ATOM_ITEMS]

    def item_title(self, item: Claim) -> str:
        return item.statement

    def item_description(self, item: Claim) -> str:
        said = "; ".join(hop.speaker.name if hop.speaker else hop.descriptor for hop in item.hops.all())
        assessment = item.current_assessment
        grade = f" Assessed {assessment.code}." if assessment else ""
        return f"{item.statement} — according to: {said}.{grade}"

    def item_link(self, item: Claim) -> str:
        return reverse("api:claim-detail", args=[item.uuid])

    def item_guid(self, item: Claim) -> str:
        return f"urn:uuid:{item.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Claim):
        return item.published_at

    def item_updateddate(self, item: Claim):
        return item.updated_at
