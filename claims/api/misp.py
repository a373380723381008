"""A MISP feed: manifest.json, hashes.csv and one event per public claim, in the layout PyMISP's
feed generator writes (pymisp.tools.feed), so a MISP instance subscribes to it with no code.

The event's uuid is the claim's id. The assessment becomes tags from MISP's `admiralty-scale` and
`estimative-language` taxonomies. A retracted claim stays in the feed, tagged
`claim-tracker:status="retracted"` and unpublished, so instances that imported it learn of the retraction.
"""

import hashlib
import uuid
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.urls import path, re_path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors, vocab
from claims.api import schema
from claims.api.authentication import FEED_AUTHENTICATION
from claims.api.renderers import FastJSONRenderer

# Fixed for ever: attribute uuids are uuid5 names under it, so an unchanged claim re-exports identically.
NAMESPACE = uuid.UUID("0b7c5f3e-8d1a-5e47-9a26-4c3f1e8b2d70")
ORGANISATION = {"name": "Arms-Transfer Claim Tracker", "uuid": "5f0e9d3c-2b1a-4c8d-9e7f-6a5b4c3d2e1f"}
CHUNK = 500

# MISP event fields as its feeds carry them: analysis 2 is "completed", threat level 4 "undefined"
# (the taxonomy tags say how far to trust a claim).
ANALYSIS_COMPLETED = "2"
THREAT_LEVEL_UNDEFINED = "4"

# Our ICD 203 words as the estimative-language taxonomy spells them.
LIKELIHOOD_TAG = {
    "almost_no_chance": "almost-no-chance",
    "very_unlikely": "very-unlikely",
    "unlikely": "unlikely",
    "roughly_even": "roughly-even-chance",
    "likely": "likely",
    "very_likely": "very-likely",
    "almost_certain": "almost-certain",
}
COLOURS = {"admiralty-scale": "#0071c3", "estimative-language": "#5a3d8c", "claim-tracker": "#8c3d3d"}


def _timestamp(value: str) -> str:
    return str(int(datetime.fromisoformat(value).timestamp()))


def _tag(namespace: str, predicate: str, value: str) -> dict:
    return {
        "colour": COLOURS[namespace],
        "local": False,
        "name": f'{namespace}:{predicate}="{value}"',
        "relationship_type": "",
    }


def tags(claim: dict) -> list[dict]:
    found = [_tag("claim-tracker", "status", claim["status"])]
    assessment = claim["assessment"]
    if assessment:
        found.append(_tag("admiralty-scale", "source-reliability", assessment["reliability"].lower()))
        found.append(_tag("admiralty-scale", "information-credibility", str(assessment["credibility"])))
        if assessment["likelihood"]:
            found.append(
                _tag(
                    "estimative-language", "likelihood-probability", LIKELIHOOD_TAG[assessment["likelihood"]]
                )
            )
        if assessment["confidence"]:
            found.append(
                _tag("estimative-language", "confidence-in-analytic-judgment", assessment["confidence"])
            )
    return found


def _attribute(claim: dict, name: str, *, type_: str, category: str, value: str, comment: str) -> dict:
    return {
        "category": category,
        "comment": comment,
        "disable_correlation": False,
        "timestamp": _timestamp(claim["updated_at"]),
        "to_ids": False,
        "type": type_,
        "uuid": str(uuid.uuid5(NAMESPACE, f"{claim['id']}/{name}")),
        "value": value,
    }


def _who(hop: dict) -> str:
    return (hop["speaker"] or {}).get("name") or hop["descriptor"] or "undisclosed"


def attributes(claim: dict, page_url: str) -> list[dict]:
    found = [
        _attribute(
            claim, "statement", type_="text", category="Other", value=claim["statement"], comment="Claim"
        ),
        _attribute(
            claim, "page", type_="link", category="External analysis", value=page_url, comment="Claim page"
        ),
    ]
    for role in ("supplier", "recipient"):
        if claim.get(role):
            found.append(
                _attribute(
                    claim,
                    role,
                    type_="text",
                    category="Other",
                    value=claim[role]["name"],
                    comment=role.title(),
                )
            )
    for hop in claim["hops"]:
        said = f"Hop {hop['position']}: {_who(hop)} ({hop['anonymity']})"
        if hop["quote"]:
            found.append(
                _attribute(
                    claim,
                    f"hop/{hop['position']}/quote",
                    type_="text",
                    category="Other",
                    value=hop["quote"],
                    comment=said,
                )
            )
    for source in claim["sources"]:
        found.append(
            _attribute(
                claim,
                f"source/{source['url']}",
                type_="link",
                category="External analysis",
                value=source["url"],
                comment="Source document",
            )
        )
    return found


def event(claim: dict, page_url: str) -> dict:
    """One claim as a MISP event, with exactly the fields PyMISP's MISPEvent.to_feed() writes."""
    published_at = claim["published_at"] or claim["updated_at"]
    return {
        "Event": {
            "analysis": ANALYSIS_COMPLETED,
            "date": date.fromisoformat(published_at[:10]).isoformat(),
            "extends_uuid": "",
            "info": claim["statement"],
            "protected": False,
            "publish_timestamp": _timestamp(published_at),
            "published": claim["status"] == vocab.Status.PUBLISHED,
            "threat_level_id": THREAT_LEVEL_UNDEFINED,
            "timestamp": _timestamp(claim["updated_at"]),
            "uuid": claim["id"],
            "Orgc": ORGANISATION,
            "Tag": tags(claim),
            "Attribute": attributes(claim, page_url),
        }
    }


def manifest_entry(feed_event: dict) -> dict:
    """The event's line in manifest.json, as MISPEvent.manifest builds it."""
    body = feed_event["Event"]
    return {
        body["uuid"]: {
            "Orgc": body["Orgc"],
            "Tag": body["Tag"],
            "info": body["info"],
            "date": body["date"],
            "analysis": int(body["analysis"]),
            "threat_level_id": int(body["threat_level_id"]),
            "timestamp": int(body["timestamp"]),
        }
    }


def hash_lines(feed_event: dict) -> list[str]:
    """hashes.csv rows for one event: the MD5 of each attribute value, then the event uuid, as MISP and
    pymisp.tools.feed write them (our attribute types are never composite, so one value each)."""
    body = feed_event["Event"]
    return [f"{hashlib.md5(a['value'].encode()).hexdigest()},{body['uuid']}" for a in body["Attribute"]]  # noqa: S324


# ---------------------------------------------------------------- views

# The feed is the public record: the same whoever fetches it, as an anonymous reader sees claims.
PUBLIC = AnonymousUser()


class AnyAccept(BaseContentNegotiation):
    """A feed is a set of static files to MISP: whatever it sends as Accept, it gets the file."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MispView(APIView):
    authentication_classes = FEED_AUTHENTICATION
    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = AnyAccept


def _events(request):
    """Every public claim as a MISP event, a chunk of claims at a time: memory stays flat."""
    claims = selectors.claims_visible_to(PUBLIC).only("id").order_by("id")
    last_id = 0
    while chunk := list(claims.filter(id__gt=last_id)[:CHUNK]):
        for document in selectors.documents_visible_to(PUBLIC, chunk):
            yield event(document, request.build_absolute_uri(reverse("claims:detail", args=[document["id"]])))
        last_id = chunk[-1].pk


class Manifest(MispView):
    @extend_schema(
        operation_id="misp_manifest",
        summary="MISP feed manifest: one entry per published or retracted claim",
        tags=["misp"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **schema.errors()},
    )
    def get(self, request):
        entries = {}
        for feed_event in _events(request):
            entries.update(manifest_entry(feed_event))
        return Response(entries)


class Hashes(MispView):
    @extend_schema(
        operation_id="misp_hashes",
        summary="MISP feed hashes: MD5 of each attribute value, then its event uuid",
        tags=["misp"],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **schema.errors()},
    )
    def get(self, request):
        lines = [line for feed_event in _events(request) for line in hash_lines(feed_event)]
        return HttpResponse("".join(f"{line}\n" for line in lines), content_type="text/csv; charset=utf-8")


class Event(MispView):
    @extend_schema(
        operation_id="misp_event",
        summary="One claim as a MISP event",
        tags=["misp"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **schema.errors(404)},
    )
    def get(self, request, event_uuid):
        try:
            wanted = uuid.UUID(event_uuid)
        except ValueError:
            raise Http404 from None
        claim = selectors.claims_visible_to(PUBLIC).filter(uuid=wanted).only("id").first()
        if claim is None:
            raise Http404
        [document] = selectors.documents_visible_to(PUBLIC, [claim])
        return Response(
            event(document, request.build_absolute_uri(reverse("claims:detail", args=[claim.uuid])))
        )


class NotFound(MispView):
    @extend_schema(exclude=True)
    def get(self, request, rest=""):
        raise Http404


urlpatterns = [
    path("manifest.json", Manifest.as_view(), name="manifest"),
    path("hashes.csv", Hashes.as_view(), name="hashes"),
    # Any name, so that a file that is not a claim's event is a JSON 404 like every other miss here.
    path("<str:event_uuid>.json", Event.as_view(), name="event"),
    re_path(r"^(?P<rest>.*)$", NotFound.as_view()),
]
