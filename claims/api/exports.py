"""CSV and STIX exports of a filtered claim list, and STIX for one claim."""

import csv

from django.http import StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response

from claims import selectors, sipri, tabular, vocab
from claims.api import schema, stix
from claims.api.lookup import claim_for
from claims.api.negotiation import FormatNegotiation
from claims.api.renderers import STIX_MEDIA_TYPE, CSVRenderer, FastJSONRenderer, StixRenderer
from claims.filtering import ClaimFilter
from claims.models import Claim

CHUNK = 500


class _Echo:
    """csv.writer writes into this and gets the line back, so rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def _represented(request, queryset):
    """Each claim's document as this reader may see it, a chunk at a time: memory stays flat."""
    claims = queryset.only("id").order_by("-id")
    last_id = None
    while True:
        chunk = list((claims if last_id is None else claims.filter(id__lt=last_id))[:CHUNK])
        if not chunk:
            return
        yield from selectors.documents_visible_to(request.user, chunk)
        last_id = chunk[-1].pk


def _csv_lines(request, queryset):
    # Every cell quoted: a separator inside a cell never splits it, whichever separator a reader uses.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(tabular.HEADER)
    for claim in _represented(request, queryset):
        yield writer.writerow(tabular.claim_row(claim))


CSV_DESCRIPTION = (
    "One row per claim; the same filters as the claim list. Columns: "
    + "; ".join(f"`{name}` ({meaning})" for name, meaning in tabular.COLUMNS)
    + ". Every cell is quoted; a ' is put before = + - @ tab, CR or ' at the start of a cell and after each"
    " , ; or tab inside it, so spreadsheets (whatever their separator) do not run formulas; the importer"
    " removes exactly those."
)


def _as_json(errors: dict) -> dict:
    """Error responses as the schema must show them: JSON, whatever the format's own media type."""
    return {(code, "application/json"): response for code, response in errors.items()}


class _Export(generics.GenericAPIView):
    """An export answers the media types of its format; errors, 406 included, are JSON."""

    content_negotiation_class = FormatNegotiation
    pagination_class = None

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = FastJSONRenderer(), "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        # Even with one format on offer, the answer (200 or 406) depends on Accept.
        patch_vary_headers(response, ["Accept"])
        return response


class ClaimCsvExport(_Export):
    filterset_class = ClaimFilter
    renderer_classes = [CSVRenderer]

    def get_queryset(self):
        return selectors.claims_visible_to(self.request.user)

    @extend_schema(
        summary="Export claims as CSV",
        description=CSV_DESCRIPTION,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, streamed"),
            **_as_json(schema.list_errors(406)),
        },
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            _csv_lines(request, queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response


def _sipri_lines(request, queryset):
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(sipri.HEADER)
    for claim in _represented(request, queryset):
        yield writer.writerow(sipri.claim_row(claim))


SIPRI_DESCRIPTION = (
    "Transfer claims in the layout of SIPRI's Trade Register, one row per claim; the same filters as the"
    " claim list. Columns: "
    + "; ".join(f"`{name}` ({meaning})" for name, meaning in sipri.COLUMNS)
    + ". A value SIPRI would bracket (an estimate, uncertain) is in brackets. Cells are quoted and guarded"
    " against formulas as in the CSV export. `manage.py import_claims FILE` reads the same layout back onto"
    " the claims it names."
)


class ClaimSipriExport(ClaimCsvExport):
    def get_queryset(self):
        return selectors.claims_visible_to(self.request.user).filter(kind=vocab.ClaimKind.TRANSFER)

    @extend_schema(
        summary="Export transfer claims in SIPRI's Trade Register layout (CSV)",
        operation_id="claims_sipri_csv",
        description=SIPRI_DESCRIPTION,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, streamed"),
            **_as_json(schema.list_errors(406)),
        },
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            _sipri_lines(request, queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="claims-sipri.csv"'
        return response


StixBundleSerializer = inline_serializer(
    "StixBundle",
    {
        "type": serializers.CharField(help_text="Always `bundle`."),
        "id": serializers.CharField(),
        "objects": serializers.ListField(
            child=serializers.DictField(), help_text="STIX 2.1 objects: see the README, 'STIX 2.1'."
        ),
    },
)
# The same bundle either way: */* and application/stix+json get the STIX media type.
STIX_RESPONSES = {
    (200, media_type): OpenApiResponse(StixBundleSerializer, description="A STIX 2.1 bundle")
    for media_type in (STIX_MEDIA_TYPE, "application/json")
}


class _StixExport(_Export):
    # */* gets the STIX media type; a client that asks for plain JSON gets the same bundle labelled so.
    renderer_classes = [StixRenderer, FastJSONRenderer]


class ClaimStixExport(_StixExport):
    filterset_class = ClaimFilter

    def get_queryset(self):
        return selectors.claims_visible_to(self.request.user)

    @extend_schema(
        summary="Export claims as a STIX 2.1 bundle",
        operation_id="claims_stix_list",
        description="A graph per claim: a report (confidence from credibility by the STIX Admiralty "
        "scale: 1→90, 2→70, 3→50, 4→30, 5→10; left out for 6), an identity per actor, a note per "
        "attribution hop and a relationship per relation to another claim you may see; our fields in "
        "a property extension; ids are stable; a retraction revokes. Answers "
        "`application/stix+json;version=2.1` (also for `*/*`) and `application/json`.",
        responses={**STIX_RESPONSES, **_as_json(schema.list_errors(406))},
    )
    def get(self, request):
        claims = list(_represented(request, self.filter_queryset(self.get_queryset())))
        return Response(stix.bundle(claims))


class ClaimStix(_StixExport):
    @extend_schema(
        summary="One claim as a STIX 2.1 bundle",
        operation_id="claims_stix_one",
        responses={**STIX_RESPONSES, **_as_json(schema.errors(404, 406))},
    )
    def get(self, request, claim_id):
        claim = claim_for(request, claim_id)
        claims = list(_represented(request, Claim.objects.filter(pk=claim.pk)))
        return Response(stix.bundle(claims))
