"""Atom feed of published claims, newest first, from their documents."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims import selectors

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

    def items(self) -> list[dict]:
        """Published claims as anyone may see them: the feed is public, whoever fetches it."""
        reader = AnonymousUser()
        claims = selectors.claims_visible_to(reader).published().only("id").order_by("-published_at", "-id")
        return selectors.documents_visible_to(reader, list(claims[:ATOM_ITEMS]))

    def item_title(self, item: dict) -> str:
        return item["statement"]

    def item_description(self, item: dict) -> str:
        said = "; ".join((hop["speaker"] or {}).get("name") or hop["descriptor"] for hop in item["hops"])
        assessment = item["assessment"]
        grade = f" Assessed {assessment['reliability']}{assessment['credibility']}." if assessment else ""
        return f"{item['statement']} — according to: {said}.{grade}"

    def item_link(self, item: dict) -> str:
        return reverse("api:claim-detail", args=[item["id"]])

    def item_guid(self, item: dict) -> str:
        return f"urn:uuid:{item['id']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: dict) -> datetime:
        return datetime.fromisoformat(item["published_at"])

    def item_updateddate(self, item: dict) -> datetime:
        return datetime.fromisoformat(item["updated_at"])
