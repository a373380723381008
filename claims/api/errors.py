"""One JSON error shape for the whole API: {"detail", "code"} plus dotted-path "errors" for bad input."""

import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.schema import NON_FIELD, flatten

# The database refusing or dropping connections (restart, failover, too many clients): the client
# should come back shortly, and must not get a 500 for what is not a bug.
DATABASE_DOWN = (OperationalError, InterfaceError)
DATABASE_DOWN_BODY = {
    "detail": "The database is unavailable; try again shortly.",
    "code": "database_unavailable",
}
RETRY_AFTER_SECONDS = "5"


class InvalidInput(exceptions.ValidationError):
    """A 400 whose code names what was wrong (invalid_cursor) instead of the generic "invalid"."""

    def __init__(self, errors: dict[str, list[str]], *, code: str):
        super().__init__(errors)
        self.error_code = code


def invalid(errors: dict[str, list[str]], code: str = "invalid") -> Response:
    return Response(
        {"detail": "The request was refused: see errors.", "code": code, "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_DOWN):
        return Response(
            DATABASE_DOWN_BODY,
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return invalid({key: [str(m) for m in messages] for key, messages in errors.items()})
    if isinstance(exc, exceptions.ValidationError):
        return invalid(flatten(exc.detail), getattr(exc, "error_code", "invalid"))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {
            "detail": str(detail) if not isinstance(detail, dict | list) else "Request refused.",
            "code": getattr(detail, "code", None) or exc.default_code,
        }
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            # Every 400 has the documented shape, unreadable bodies included.
            response.data["errors"] = getattr(exc, "errors", None) or {NON_FIELD: [response.data["detail"]]}
        if isinstance(exc, exceptions.Throttled):
            response.data["retry_after"] = exc.wait
        if isinstance(exc, exceptions.NotAcceptable):
            response.data["offered"] = [renderer.media_type for renderer in exc.available_renderers or ()]
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt  # a 404 changes nothing; an unsafe method on an unknown URL must not read as a CSRF failure
def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if not _wants_json(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"detail": "The request body is too large.", "code": "too_large"}, status=413)
    detail = "Bad request."
    return JsonResponse(
        {"detail": detail, "code": "bad_request", "errors": {NON_FIELD: [detail]}}, status=400
    )


def server_error(request):
    if _wants_json(request):
        # Django calls this while handling the exception: one raised outside a view (in a middleware,
        # say) is still a database outage rather than a bug.
        if isinstance(sys.exception(), DATABASE_DOWN):
            response = JsonResponse(DATABASE_DOWN_BODY, status=503)
            response["Retry-After"] = RETRY_AFTER_SECONDS
            return response
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}", "code": "csrf_failed"}, status=403)
    return csrf.csrf_failure(request, reason)
