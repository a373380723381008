"""The two baselines the claim list is measured against, served by the same gunicorn in the same run."""

import json

import orjson
from django.db import connection
from django.http import HttpResponse
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from claims.models import Actor, Assessment, AttributionHop, Claim, RouteStop, Source


class NaiveActor(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "country"]


class NaiveSource(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "url", "liveness", "last_checked_at"]


class NaiveHop(serializers.ModelSerializer):
    speaker = NaiveActor()
    affiliation = NaiveActor()
    source = NaiveSource()

    class Meta:
        model = AttributionHop
        fields = ["position", "speaker", "descriptor", "affiliation", "role", "anonymity", "source", "quote",
                  "quote_language", "translation"]  # fmt: skip


class NaiveStop(serializers.ModelSerializer):
    class Meta:
        model = RouteStop
        fields = ["position", "role", "country", "region", "approximate"]


class NaiveAssessment(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = ["reliability", "credibility", "likelihood", "confidence", "rationale", "assessed_at"]


class NaiveClaim(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    supplier = NaiveActor()
    recipient = NaiveActor()
    participants = NaiveActor(many=True)
    hops = NaiveHop(many=True)
    route = NaiveStop(many=True)
    assessment = NaiveAssessment(source="current_assessment")

    class Meta:
        model = Claim
        fields = ["id", "statement", "kind", "supplier", "recipient", "participants", "place", "item_category",
                  "item_description", "stage", "stance", "modality", "negated", "quantity_qualifier",
                  "quantity_min", "quantity_max", "quantity_unit", "quantity_text", "event_start", "event_end",
                  "event_precision", "route", "hops", "assessment", "status", "version", "created_at",
                  "updated_at", "published_at"]  # fmt: skip


class StdlibJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, default=str).encode()


class NaiveClaimList(generics.ListAPIView):
    """(a) What one writes first: nested ModelSerializers, no select/prefetch, offset pages with COUNT."""

    serializer_class = NaiveClaim
    pagination_class = LimitOffsetPagination
    renderer_classes = [StdlibJSONRenderer]
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        return Claim.objects.public().order_by("-id")


RAW_PAGE = """
SELECT json_build_object(
  'id', c.uuid, 'statement', c.statement, 'kind', c.kind,
  'supplier', (SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country)
               FROM claims_actor a WHERE a.id = c.supplier_id),
  'recipient', (SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country)
                FROM claims_actor a WHERE a.id = c.recipient_id),
  'item_category', c.item_category, 'item_description', c.item_description, 'stage', c.stage,
  'stance', c.stance, 'modality', c.modality, 'negated', c.negated,
  'quantity', json_build_object('qualifier', c.quantity_qualifier, 'min', c.quantity_min, 'max', c.quantity_max,
                                'unit', c.quantity_unit, 'text', c.quantity_text),
  'event_date', json_build_object('start', c.event_start, 'end', c.event_end, 'precision', c.event_precision),
  'route', (SELECT coalesce(json_agg(json_build_object('position', r.position, 'role', r.role,
                   'country', r.country, 'region', r.region, 'approximate', r.approximate) ORDER BY r.position), '[]')
            FROM claims_routestop r WHERE r.claim_id = c.id),
  'hops', (SELECT coalesce(json_agg(json_build_object('position', h.position, 'descriptor', h.descriptor,
                  'speaker', (SELECT json_build_object('id', s.id, 'name', s.name, 'kind', s.kind,
                              'country', s.country) FROM claims_actor s WHERE s.id = h.speaker_id),
                  'anonymity', h.anonymity, 'role', h.role, 'quote', h.quote, 'quote_language', h.quote_language,
                  'translation', h.translation, 'source', (SELECT u.url FROM claims_source u WHERE u.id = h.source_id))
                  ORDER BY h.position), '[]')
           FROM claims_attributionhop h WHERE h.claim_id = c.id),
  'assessment', (SELECT json_build_object('reliability', x.reliability, 'credibility', x.credibility,
                 'likelihood', x.likelihood, 'confidence', x.confidence, 'rationale', x.rationale,
                 'assessed_at', x.assessed_at) FROM claims_assessment x WHERE x.id = c.current_assessment_id),
  'status', c.status, 'version', c.version, 'created_at', c.created_at, 'updated_at', c.updated_at,
  'published_at', c.published_at)
FROM claims_claim c
WHERE c.status IN ('published', 'retracted')
ORDER BY c.id DESC
LIMIT %s
"""


def raw_claim_list(request):
    """(b) The practical limit: one hand-written query returning the page, dumped with orjson."""
    limit = min(int(request.GET.get("limit", "100")), 500)
    with connection.cursor() as cursor:
        cursor.execute(RAW_PAGE, [limit])
        results = [row[0] for row in cursor.fetchall()]
    return HttpResponse(orjson.dumps({"results": results}), content_type="application/json")
