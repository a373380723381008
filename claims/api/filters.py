"""Actor and source list filters, and the backend that refuses query parameters an endpoint does not take."""

import django_filters
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

from claims import vocab
from claims.filtering import SEARCH_MAX, CountryFilter
from claims.models import Actor, Source


class ActorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=SEARCH_MAX, help_text="Part of a name or alias."
    )
    kind = django_filters.ChoiceFilter(choices=vocab.ActorKind.choices)
    country = CountryFilter(help_text="ISO 3166-1 alpha-2 country code, in any case (RU, ru).")

    class Meta:
        model = Actor
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))


class SourceFilter(django_filters.FilterSet):
    liveness = django_filters.ChoiceFilter(choices=vocab.Liveness.choices)

    class Meta:
        model = Source
        fields: list[str] = []


class UnknownParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "unknown_parameter"

    def __init__(self, unknown: list[str], accepted: list[str]):
        names = ", ".join(unknown)
        super().__init__(f"Unknown query parameter: {names}. This endpoint takes: {', '.join(accepted)}.")
        self.errors = {name: ["Not a parameter of this endpoint."] for name in unknown}


def refuse_unknown_parameters(request, accepted) -> None:
    """A typo (?recipent=RU) would otherwise read as "no filter" and look like success."""
    accepted = sorted({*accepted, api_settings.URL_FORMAT_OVERRIDE} - {None})
    unknown = sorted(set(request.query_params) - set(accepted))
    if unknown:
        raise UnknownParameter(unknown, accepted)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter for list endpoints, which also take nothing but their filters and page parameters."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        paginator = getattr(view, "paginator", None)
        if filterset_class is not None or paginator is not None:
            accepted = list(filterset_class.base_filters) if filterset_class else []
            if paginator is not None:
                accepted += [
                    getattr(paginator, name)
                    for name in (
                        "cursor_query_param",
                        "page_size_query_param",
                        "page_query_param",
                        "limit_query_param",
                        "offset_query_param",
                    )
                    if getattr(paginator, name, None)
                ]
            refuse_unknown_parameters(request, accepted)
        # The filters asked for only (a parameter is named as its filter): any other would let every row
        # through, after building and validating its form field (about 3 ms for all of ClaimFilter's, a
        # tenth of a 100-claim list page). The browsable API's form (to_html) still offers them all.
        asked = request.query_params
        if filterset_class is None or asked.keys().isdisjoint(filterset_class.base_filters):
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        filterset.filters = {name: each for name, each in filterset.filters.items() if name in asked}
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs
