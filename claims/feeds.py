"""Atom feed of public claims, newest change first, filtered like the claim list, from their documents."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims import selectors, vocab
from claims.filtering import ClaimFilter
from claims.models import Claim, StatusChange

ATOM_ITEMS = 100
JSON_TYPE = "application/json"


class ClaimAtomFeed(Atom1Feed):
    """Atom with a second alternate link per entry: the claim's JSON beside its HTML page."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("link", "", {"rel": "alternate", "type": JSON_TYPE, "href": item["json_url"]})


@dataclass(frozen=True)
class _Query:
    request: HttpRequest
    claims: list[Claim]


class _Invalid(Exception):
    def __init__(self, errors) -> None:
        super().__init__("invalid filter")
        self.errors = {name: [str(message) for message in messages] for name, messages in errors.items()}


def _refusal(detail: str, code: str, errors: dict) -> JsonResponse:
    # The body the API list answers with, so one client handles both the same way.
    return JsonResponse({"detail": detail, "code": code, "errors": errors}, status=400)


def _query_string(request: HttpRequest) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    return f"?{query}" if query else ""


class PublishedClaimsFeed(Feed):
    feed_type = ClaimAtomFeed
    title = "Arms-transfer claims"
    subtitle = (
        "Claims published by the newsroom, newest change first; a retracted claim stays, marked retracted. "
        "Takes the claim list's filters (supplier, recipient, q, ...)."
    )

    def __call__(self, request, *args, **kwargs):
        if not settings.PUBLIC_API and not request.user.is_authenticated:
            return HttpResponse("Authentication required.", status=401, content_type="text/plain")
        accepted = sorted(ClaimFilter.base_filters)
        # A typo (?recipent=RU) would otherwise read as "no filter" and list everything.
        if unknown := sorted(set(request.GET) - set(accepted)):
            return _refusal(
                f"Unknown query parameter: {', '.join(unknown)}. This feed takes: {', '.join(accepted)}.",
                "unknown_parameter",
                {name: ["Not a parameter of this endpoint."] for name in unknown},
            )
        try:
            return super().__call__(request, *args, **kwargs)
        except _Invalid as invalid:
            return _refusal("The request was refused: see errors.", "invalid", invalid.errors)

    def claims(self):
        # The feed is public, whoever fetches it: anyone's view of the claims.
        return selectors.claims_visible_to(AnonymousUser())

    def get_object(self, request, *args, **kwargs) -> _Query:
        filterset = ClaimFilter(request.GET, queryset=self.claims())
        if not filterset.is_valid():
            raise _Invalid(filterset.errors)
        claims = filterset.qs.only("id").order_by("-updated_at", "-id")[:ATOM_ITEMS]
        return _Query(request=request, claims=list(claims))

    def link(self, obj: _Query) -> str:
        """The claim list page with the same filters."""
        return reverse("claims:list") + _query_string(obj.request)

    def feed_url(self, obj: _Query) -> str:
        return obj.request.path + _query_string(obj.request)

    def feed_guid(self, obj: _Query) -> str:
        # Each filtered feed is a feed of its own to a reader, so it needs an id of its own.
        return obj.request.build_absolute_uri(self.feed_url(obj))

    def items(self, obj: _Query) -> list[dict]:
        documents = selectors.documents_visible_to(AnonymousUser(), obj.claims)
        retracted = [
            claim
            for claim, doc in zip(obj.claims, documents, strict=True)
            if doc["status"] == vocab.Status.RETRACTED
        ]
        reasons = {
            str(uuid): reason
            for uuid, reason in StatusChange.objects.filter(
                claim__in=retracted, to_status=vocab.Status.RETRACTED
            ).values_list("claim__uuid", "reason")
        }
        for document in documents:
            document["json_url"] = obj.request.build_absolute_uri(
                reverse("api:claim-detail", args=[document["id"]])
            )
            document["retraction_reason"] = reasons.get(document["id"], "")
        return documents

    def item_title(self, item: dict) -> str:
        if item["status"] == vocab.Status.RETRACTED:
            return f"Retracted: {item['statement']}"
        return item["statement"]

    def item_description(self, item: dict) -> str:
        said = "; ".join((hop["speaker"] or {}).get("name") or hop["descriptor"] for hop in item["hops"])
        assessment = item["assessment"]
        grade = f" Assessed {assessment['reliability']}{assessment['credibility']}." if assessment else ""
        text = f"{item['statement']} — according to: {said}.{grade}"
        if item["status"] == vocab.Status.RETRACTED:
            text = f"Retracted: {item['retraction_reason']}. {text}"
        return text

    def item_link(self, item: dict) -> str:
        return reverse("claims:detail", args=[item["id"]])

    def item_guid(self, item: dict) -> str:
        return f"urn:uuid:{item['id']}"

    item_guid_is_permalink = False

    def item_extra_kwargs(self, item: dict) -> dict:
        return {"json_url": item["json_url"]}

    def item_categories(self, item: dict) -> list[str]:
        return [item["status"]]

    def item_pubdate(self, item: dict) -> datetime:
        return datetime.fromisoformat(item["published_at"])

    def item_updateddate(self, item: dict) -> datetime:
        return datetime.fromisoformat(item["updated_at"])


class ReviewDueFeed(PublishedClaimsFeed):
    """The review-due queue (claims.review) as a feed: published claims only, whoever fetches it."""

    title = "Arms-transfer claims due for review"
    subtitle = (
        "Published claims that may be out of date: the event they looked forward to should have happened "
        "by now, or nobody has reviewed them for a long time. Takes the claim list's filters."
    )

    def claims(self):
        return selectors.review_due_visible_to(AnonymousUser())

    def link(self, obj: _Query) -> str:
        query = obj.request.GET.copy()
        query["review_due"] = "true"
        return reverse("claims:list") + "?" + urlencode(sorted(query.lists()), doseq=True)
