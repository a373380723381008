"""TAXII 2.1 server: discovery, one API root and one read-only collection, `claims`, holding the STIX
objects of every published and retracted claim version, in the change feed's order.

Each feed event (a publish, an update of a published claim, a retraction) adds the STIX objects of
that claim version to the collection; their `date_added` is the event's time. An object several claims
share (an actor's identity, the producer, the extension definition) comes once per version, with the
first event carrying it since that version (first_carrier). Pages are cut by the
event's `seq`, which on every backend is handed out in commit order (claims.projection), so a client
following `next` never misses or repeats an object version while editors keep publishing.
"""

import re
from datetime import UTC, datetime
from itertools import islice

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Exists, JSONField, OuterRef, Subquery
from django.urls import path, re_path, reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors
from claims.api import stix
from claims.api.authentication import FEED_AUTHENTICATION
from claims.api.renderers import FastJSONRenderer
from claims.models import ClaimVersion, FeedEvent
from claims.schema import ID_MAX, whole_number

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "api"
COLLECTION_ID = "claims"
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
INDEX_CHUNK = 500

# The collection is the public record, the same whoever asks: it is built as an anonymous reader sees
# claims, so no draft, claim in review or editorial detail reaches it, even through an editor's token.
PUBLIC = AnonymousUser()

TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z")
CURSOR = re.compile(r"(\d{1,18})-(\d{1,6})")
VERSION_WORDS = {"first", "last", "all"}


def stix_objects(documents: list[dict]) -> list[list[dict]]:
    """The STIX objects each claim version carries, the producer and extension definition first: the
    one place this server asks the STIX export (one query for the actors of the whole page)."""
    changed = stix.actors_changed(documents)
    shared = stix.shared_objects()
    return [[*shared, *stix.claim_objects(document, actors_changed=changed)] for document in documents]


# Not one claim's own: the producer, the extension definition and an identity per actor are carried by
# every event whose claim names them, each with one version at a time (its own, not the claim's).
SHARED_TYPES = {"identity", "extension-definition"}


def is_shared(obj: dict) -> bool:
    return obj["type"] in SHARED_TYPES


# ---------------------------------------------------------------- media type and errors


class TaxiiRenderer(FastJSONRenderer):
    media_type = MEDIA_TYPE
    format = "taxii"


def accepts_taxii(header: str) -> bool:
    """TAXII 2.1 §1.6.8: the TAXII media type, with version=2.1 or no version (the latest)."""
    for media_range in header.split(","):
        kind, *parameters = (part.strip() for part in media_range.split(";"))
        if kind.lower() != "application/taxii+json":
            continue
        values = {
            name.strip().lower(): value.strip() for name, _, value in (p.partition("=") for p in parameters)
        }
        if values.get("version", "2.1") == "2.1" and values.get("q") not in ("0", "0.0", "0.00", "0.000"):
            return True
    return False


class TaxiiNegotiation(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        if accepts_taxii(request.headers.get("Accept", "")):
            return renderers[0], MEDIA_TYPE
        raise exceptions.NotAcceptable(f"This server answers only Accept: {MEDIA_TYPE}.")


TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    429: "Too many requests",
    503: "Service unavailable",
}

ErrorMessage = inline_serializer(
    "TaxiiError",
    {
        "title": serializers.CharField(),
        "description": serializers.CharField(required=False),
        "error_code": serializers.CharField(required=False),
        "http_status": serializers.CharField(),
        "details": serializers.DictField(required=False),
    },
)


def _errors(*codes: int) -> dict:
    return {code: OpenApiResponse(ErrorMessage, description=TITLES[code]) for code in (*codes, 401, 406, 429)}


class TaxiiView(APIView):
    """Every answer, errors included, is application/taxii+json; errors are TAXII error messages."""

    authentication_classes = FEED_AUTHENTICATION
    renderer_classes = [TaxiiRenderer]
    content_negotiation_class = TaxiiNegotiation

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        body = response.data if isinstance(response.data, dict) else {}
        message = {
            "title": TITLES.get(response.status_code, "Error"),
            "http_status": str(response.status_code),
        }
        if "detail" in body:
            message["description"] = str(body["detail"])
        if "code" in body:
            message["error_code"] = str(body["code"])
        if "errors" in body:
            message["details"] = body["errors"]
        response.data = message
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        return response


# ---------------------------------------------------------------- query parameters


def _refuse(name: str, message: str):
    raise exceptions.ValidationError({name: [message]})


def parse_timestamp(raw: str, name: str) -> datetime:
    """A STIX timestamp (UTC, Z); digits past the microsecond are dropped, which keeps "after" exact
    since our times carry microseconds."""
    match = TIMESTAMP.fullmatch(raw)
    try:
        if match is None:
            raise ValueError
        moment = datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        _refuse(name, f"Give a UTC timestamp such as 2026-01-31T12:00:00.000Z, not {raw[:40]!r}.")
    return moment.replace(microsecond=int((match[2] or "0")[:6].ljust(6, "0")), tzinfo=UTC)


def stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _list(request, name: str) -> list[str]:
    return [value.strip() for raw in request.query_params.getlist(name) for value in raw.split(",")]


class Query:
    """The filters and the page position of one request, checked; anything else is a 400."""

    def __init__(self, request, allowed: set[str]):
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            takes = ", ".join(sorted(allowed))
            raise exceptions.ValidationError(
                {name: [f"Not a parameter here; this endpoint takes {takes}."] for name in unknown}
            )
        params = request.query_params
        self.added_after = (
            parse_timestamp(params["added_after"], "added_after") if "added_after" in params else None
        )
        self.limit = self._limit(params.get("limit"))
        self.start = self._cursor(params.get("next"))
        self.types = set(_list(request, "match[type]"))
        self.ids = set(_list(request, "match[id]"))
        self.spec_versions = set(_list(request, "match[spec_version]"))
        versions = set(_list(request, "match[version]")) or {"last"}
        self.version_words = versions & VERSION_WORDS
        self.version_times = {parse_timestamp(v, "match[version]") for v in versions - VERSION_WORDS}

    @staticmethod
    def _limit(raw: str | None) -> int:
        if raw is None:
            return LIMIT_DEFAULT
        value = whole_number(raw)
        if value is None or value < 1:
            _refuse("limit", f"Give a whole number of at least 1, not {raw[:40]!r}.")
        # A larger page than we serve is not an error: TAXII lets the server return fewer.
        return min(value, LIMIT_MAX)

    @staticmethod
    def _cursor(raw: str | None) -> tuple[int, int]:
        if raw is None:
            return 0, 0
        match = CURSOR.fullmatch(raw)
        if match is None or int(match[1]) > ID_MAX:
            _refuse("next", f"Pass back the `next` of the previous page unchanged, not {raw[:40]!r}.")
        return int(match[1]), int(match[2])

    def keeps(self, event: FeedEvent, obj: dict) -> bool:
        if self.types and obj["type"] not in self.types:
            return False
        if self.ids and obj["id"] not in self.ids:
            return False
        if self.spec_versions and obj.get("spec_version", "2.1") not in self.spec_versions:
            return False
        if self.version_times and parse_timestamp(version_of(obj), "version") in self.version_times:
            return True
        if is_shared(obj):
            # Its one version is its first and its last, wherever its first carrier stands.
            return bool(self.version_words)
        return (
            "all" in self.version_words
            or ("last" in self.version_words and event.is_last)
            or ("first" in self.version_words and event.is_first)
        )


def version_of(obj: dict) -> str:
    return obj.get("modified") or obj["created"]


# ---------------------------------------------------------------- the collection's contents


def _events():
    """Feed events of public claims, each with the claim document at that version."""
    later = FeedEvent.objects.filter(claim_id=OuterRef("claim_id"), seq__gt=OuterRef("seq"))
    earlier = FeedEvent.objects.filter(claim_id=OuterRef("claim_id"), seq__lt=OuterRef("seq"))
    snapshot = ClaimVersion.objects.filter(claim_id=OuterRef("claim_id"), version=OuterRef("version"))
    return (
        FeedEvent.objects.filter(claim__in=selectors.claims_visible_to(PUBLIC))
        .only("seq", "claim_id", "version", "at")
        .annotate(
            is_last=~Exists(later),
            is_first=~Exists(earlier),
            document=Subquery(snapshot.values("snapshot")[:1], output_field=JSONField()),
        )
        .order_by("seq")
    )


def _with_objects(events: list[FeedEvent]) -> list[FeedEvent]:
    selectors.redact_documents(PUBLIC, [event.document for event in events])
    for event, objects in zip(events, stix_objects([event.document for event in events]), strict=True):
        event.objects = objects
    return events


def _index_key() -> str:
    head = FeedEvent.objects.order_by("-seq").values_list("seq", "at").first()
    # The time as well as seq: a rolled-back test or restored backup can hand the same seq out again.
    return "taxii:object-index:" + (f"{head[0]}:{head[1].timestamp()}" if head else "empty")


Carriers = dict[str, list[tuple[int, datetime, int]]]


def carriers() -> Carriers:
    """Every STIX id in the collection with the events carrying it, as (seq, time, claim id) in seq order.

    An id cannot be computed back to its events, so this index is built once per feed head (one new
    event: one rebuild) and kept in the cache; an actor's change moves no event, so it stays valid.
    """
    key = _index_key()
    index = cache.get(key)
    if index is None:
        index = {}
        events = _events().iterator(chunk_size=INDEX_CHUNK)
        while batch := list(islice(events, INDEX_CHUNK)):  # memory stays flat however long the history
            for event in _with_objects(batch):
                for obj in event.objects:
                    index.setdefault(obj["id"], []).append((event.seq, event.at, event.claim_id))
        cache.set(key, index, timeout=24 * 3600)
    return index


def claims_carrying(object_ids: set[str]) -> set[int]:
    """The claims any version of which carries one of these STIX ids."""
    index = carriers()
    return {claim_id for object_id in object_ids for _, _, claim_id in index.get(object_id, ())}


def first_carrier(index: Carriers, obj: dict) -> int | None:
    """The seq of the event that serves this version of a shared object: the first carrying it at or
    after the version's time. Never an earlier one: a client that has paged past it would miss the
    version, and that event's document may name the actor as it was before."""
    version = parse_timestamp(version_of(obj), "version")
    return next((seq for seq, at, _ in index.get(obj["id"], ()) if at >= version), None)


class Page:
    """The object versions after a position, in (seq, index) order, and where the next page starts.

    Reads at most limit + 1 events, so a page costs the same queries whatever its size. A shared object
    version is served only at its first carrier (first_carrier), so each is served once. The version
    filter (`last`, `first`) applies to each object, not in SQL, since a shared object's first carrier
    need not be its claim's first or last version: a page may then hold fewer objects than the limit.
    """

    def __init__(self, query: Query, *, claim_ids: set[int] | None = None):
        events = _events().filter(seq__gte=query.start[0])
        if query.added_after is not None:
            events = events.filter(at__gt=query.added_after)
        if claim_ids is not None:
            events = events.filter(claim_id__in=claim_ids)
        fetched = _with_objects(list(events[: query.limit + 1]))
        # Read after the events: on every backend seq is handed out in commit order, so the index
        # holds every event up to the last fetched and never misses an earlier carrier.
        index = carriers() if fetched else {}
        self.entries: list[tuple[FeedEvent, dict]] = []
        self.next: str | None = None
        for event in fetched:
            for position, obj in enumerate(event.objects):
                if (event.seq, position) < query.start or not query.keeps(event, obj):
                    continue
                if is_shared(obj) and first_carrier(index, obj) != event.seq:
                    continue
                if len(self.entries) == query.limit:
                    self.next = f"{event.seq}-{position}"
                    return
                self.entries.append((event, obj))
        if len(fetched) > query.limit:
            self.next = f"{fetched[-1].seq + 1}-0"

    @property
    def more(self) -> bool:
        return self.next is not None

    def envelope(self, key: str, items: list) -> dict:
        body: dict = {"more": self.more}
        if self.more:
            body["next"] = self.next
        if items:
            body[key] = items
        return body

    def headers(self) -> dict:
        if not self.entries:
            return {}
        return {
            "X-TAXII-Date-Added-First": stix_time(self.entries[0][0].at),
            "X-TAXII-Date-Added-Last": stix_time(self.entries[-1][0].at),
        }


# ---------------------------------------------------------------- endpoints

PAGE_PARAMETERS = [
    OpenApiParameter("added_after", OpenApiTypes.STR, description="Only objects added after this time."),
    OpenApiParameter("limit", OpenApiTypes.INT, description=f"At most {LIMIT_MAX}; default {LIMIT_DEFAULT}."),
    OpenApiParameter("next", OpenApiTypes.STR, description="The `next` of the previous page, unchanged."),
]
MATCH_PARAMETERS = [
    OpenApiParameter("match[type]", OpenApiTypes.STR, description="STIX types, comma-separated."),
    OpenApiParameter("match[id]", OpenApiTypes.STR, description="STIX ids, comma-separated."),
    OpenApiParameter(
        "match[version]",
        OpenApiTypes.STR,
        description="`last` (default), `first`, `all` or `modified` timestamps, comma-separated.",
    ),
    OpenApiParameter("match[spec_version]", OpenApiTypes.STR, description="`2.1`."),
]
PAGE_QUERY = {"added_after", "limit", "next"}
MATCH_QUERY = {"match[type]", "match[id]", "match[version]", "match[spec_version]"}


def _collection() -> dict:
    return {
        "id": COLLECTION_ID,
        "title": "Arms-transfer claims",
        "description": "Every published and retracted claim as STIX 2.1, one version per change.",
        "alias": COLLECTION_ID,
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA_TYPE],
    }


def _known_collection(collection_id: str) -> None:
    if collection_id != COLLECTION_ID:
        raise exceptions.NotFound(f"No collection {collection_id!r}; this API root has {COLLECTION_ID!r}.")


def _carried(object_id: str) -> set[int]:
    claim_ids = claims_carrying({object_id})
    if not claim_ids:
        raise exceptions.NotFound(f"No object {object_id!r} in this collection.")
    return claim_ids


Envelope = inline_serializer(
    "TaxiiEnvelope",
    {
        "more": serializers.BooleanField(),
        "next": serializers.CharField(required=False),
        "objects": serializers.ListField(child=serializers.DictField(), required=False),
    },
)


class Discovery(TaxiiView):
    @extend_schema(
        operation_id="taxii_discovery",
        summary="TAXII 2.1 discovery",
        tags=["taxii"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors()},
    )
    def get(self, request):
        root = request.build_absolute_uri(reverse("taxii:api-root"))
        return Response(
            {
                "title": "Arms-Transfer Claim Tracker",
                "description": "Sourced claims about arms transfers, as STIX 2.1.",
                "default": root,
                "api_roots": [root],
            }
        )


class ApiRoot(TaxiiView):
    @extend_schema(
        operation_id="taxii_api_root",
        summary="TAXII 2.1 API root",
        tags=["taxii"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors()},
    )
    def get(self, request):
        return Response(
            {
                "title": "Claims",
                "versions": [MEDIA_TYPE],
                "max_content_length": MAX_CONTENT_LENGTH,
            }
        )


class Collections(TaxiiView):
    @extend_schema(
        operation_id="taxii_collections",
        summary="TAXII 2.1 collections",
        tags=["taxii"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors()},
    )
    def get(self, request):
        return Response({"collections": [_collection()]})


class Collection(TaxiiView):
    @extend_schema(
        operation_id="taxii_collection",
        summary="The claims collection",
        tags=["taxii"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors(404)},
    )
    def get(self, request, collection_id):
        _known_collection(collection_id)
        return Response(_collection())


class Objects(TaxiiView):
    @extend_schema(
        operation_id="taxii_objects",
        summary="STIX objects of the claims collection, in the order they were added",
        description="Paged by `next`; `X-TAXII-Date-Added-First`/`-Last` give the page's span. "
        "Without `match[version]` only each claim's latest version is served.",
        tags=["taxii"],
        parameters=PAGE_PARAMETERS + MATCH_PARAMETERS,
        responses={200: Envelope, **_errors(400, 404)},
    )
    def get(self, request, collection_id):
        _known_collection(collection_id)
        query = Query(request, PAGE_QUERY | MATCH_QUERY)
        page = Page(query, claim_ids=claims_carrying(query.ids) if query.ids else None)
        return Response(page.envelope("objects", [obj for _, obj in page.entries]), headers=page.headers())


class Manifest(TaxiiView):
    @extend_schema(
        operation_id="taxii_manifest",
        summary="Manifest of the claims collection: id, date added and version of each object",
        tags=["taxii"],
        parameters=PAGE_PARAMETERS + MATCH_PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors(400, 404)},
    )
    def get(self, request, collection_id):
        _known_collection(collection_id)
        query = Query(request, PAGE_QUERY | MATCH_QUERY)
        page = Page(query, claim_ids=claims_carrying(query.ids) if query.ids else None)
        records = [
            {
                "id": obj["id"],
                "date_added": stix_time(event.at),
                "version": version_of(obj),
                "media_type": STIX_MEDIA_TYPE,
            }
            for event, obj in page.entries
        ]
        return Response(page.envelope("objects", records), headers=page.headers())


class ObjectDetail(TaxiiView):
    @extend_schema(
        operation_id="taxii_object",
        summary="One STIX object of the claims collection (its latest version unless match[version])",
        tags=["taxii"],
        parameters=PAGE_PARAMETERS
        + [p for p in MATCH_PARAMETERS if p.name in ("match[version]", "match[spec_version]")],
        responses={200: Envelope, **_errors(400, 404)},
    )
    def get(self, request, collection_id, object_id):
        _known_collection(collection_id)
        query = Query(request, PAGE_QUERY | {"match[version]", "match[spec_version]"})
        query.ids = {object_id}
        page = Page(query, claim_ids=_carried(object_id))
        return Response(page.envelope("objects", [obj for _, obj in page.entries]), headers=page.headers())


class ObjectVersions(TaxiiView):
    @extend_schema(
        operation_id="taxii_object_versions",
        summary="The versions (`modified`) of one STIX object of the claims collection",
        tags=["taxii"],
        parameters=[*PAGE_PARAMETERS, MATCH_PARAMETERS[-1]],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **_errors(400, 404)},
    )
    def get(self, request, collection_id, object_id):
        _known_collection(collection_id)
        query = Query(request, PAGE_QUERY | {"match[spec_version]"})
        query.ids = {object_id}
        query.version_words = {"all"}
        page = Page(query, claim_ids=_carried(object_id))
        return Response(
            page.envelope("versions", [version_of(obj) for _, obj in page.entries]), headers=page.headers()
        )


class NotFound(TaxiiView):
    @extend_schema(exclude=True)
    def get(self, request, rest=""):
        raise exceptions.NotFound("No such TAXII resource.")


COLLECTION = f"{API_ROOT}/collections/<str:collection_id>/"

urlpatterns = [
    path("", Discovery.as_view(), name="discovery"),
    path(f"{API_ROOT}/", ApiRoot.as_view(), name="api-root"),
    path(f"{API_ROOT}/collections/", Collections.as_view(), name="collections"),
    path(COLLECTION, Collection.as_view(), name="collection"),
    path(f"{COLLECTION}objects/", Objects.as_view(), name="objects"),
    path(f"{COLLECTION}manifest/", Manifest.as_view(), name="manifest"),
    path(f"{COLLECTION}objects/<str:object_id>/", ObjectDetail.as_view(), name="object"),
    path(f"{COLLECTION}objects/<str:object_id>/versions/", ObjectVersions.as_view(), name="object-versions"),
    re_path(r"^(?P<rest>.*)$", NotFound.as_view()),
]
