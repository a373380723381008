"""Shared OpenAPI pieces: the error bodies every endpoint may answer with."""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from claims.api.permissions import ReadableOrAuthenticated


class AutoSchema(openapi.AutoSchema):
    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        # Reads are open while PUBLIC_API is on: say so, or clients (and schemathesis) expect a 401.
        open_read = self.method in SAFE_METHODS and settings.PUBLIC_API
        if open_read and {} not in auths and self._readable_by_anyone():
            auths.append({})
        return auths

    def _get_filter_parameters(self) -> list[dict]:
        # django-filter reads an empty value (?stage=) as "no filter", which the schema must allow.
        return [{**parameter, "allowEmptyValue": True} for parameter in super()._get_filter_parameters()]

    def _readable_by_anyone(self) -> bool:
        return any(isinstance(p, ReadableOrAuthenticated) for p in self.view.get_permissions())


ErrorSerializer = inline_serializer(
    "Error", {"detail": serializers.CharField(), "code": serializers.CharField()}
)
ValidationErrorSerializer = inline_serializer(
    "ValidationError",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='Messages by dotted field path, e.g. {"hops.1.descriptor": ["…"]}.',
        ),
    },
)
NotAcceptableSerializer = inline_serializer(
    "NotAcceptable",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "offered": serializers.ListField(child=serializers.CharField(), help_text="The media types served."),
    },
)
StaleSerializer = inline_serializer(
    "StaleVersion",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "current_version": serializers.IntegerField(),
    },
)


def errors(*codes: int) -> dict:
    described = {
        400: OpenApiResponse(ValidationErrorSerializer, description="Invalid input; nothing was changed."),
        401: OpenApiResponse(ErrorSerializer, description="Authentication needed (Bearer token)."),
        403: OpenApiResponse(ErrorSerializer, description="Your role does not allow this."),
        404: OpenApiResponse(ErrorSerializer, description="No such object visible to you."),
        406: OpenApiResponse(NotAcceptableSerializer, description="No media type in Accept is served here."),
        409: OpenApiResponse(
            StaleSerializer,
            description="The claim changed after the suggestion was made; nothing was changed.",
        ),
        412: OpenApiResponse(StaleSerializer, description="If-Match names an old version."),
        428: OpenApiResponse(ErrorSerializer, description="If-Match is required."),
        429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
    }
    return {code: described[code] for code in (*codes, 401, 429)}


def list_errors(*codes: int) -> dict:
    """errors() for a list endpoint, whose 400 also covers query parameters it does not take."""
    refused = OpenApiResponse(
        ValidationErrorSerializer,
        description="A parameter value is invalid (code `invalid`, `errors` by parameter), or a query "
        "parameter is not one this endpoint takes (code `unknown_parameter`; `detail` names those it "
        "takes, `errors` the unknown ones).",
    )
    return {**errors(400, *codes), 400: refused}


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER, description="An ETag you hold: 304 if unchanged."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The version you edited, quoted: "3" (the detail ETag is accepted too).',
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy is current.")
