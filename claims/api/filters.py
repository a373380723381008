"""Claim list filters; a value that cannot be understood is a 400, never silently ignored."""

from datetime import UTC

import django_filters
import pycountry
from django import forms
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from claims import vocab
from claims.api.serializers import ID_MAX
from claims.models import Actor, Claim, Source


class ActorOrCountryField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value.isascii() and value.isdigit():
            # Beyond a 64-bit id SQLite raises OverflowError instead of matching nothing.
            if not 1 <= int(value) <= ID_MAX:
                raise forms.ValidationError(
                    "Actor ids run from 1 to %(max)s, not %(value)s.",
                    params={"max": ID_MAX, "value": value},
                    code="invalid",
                )
            return ("actor", int(value))
        if len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value):
            return ("country", value)
        raise forms.ValidationError(
            "Give an actor id (e.g. 12) or an ISO 3166-1 alpha-2 country code (e.g. RU), not %(value)r.",
            params={"value": value},
            code="invalid",
        )


class ActorOrCountryFilter(django_filters.Filter):
    field_class = ActorOrCountryField

    def filter(self, qs, value):
        if value is None:
            return qs
        kind, key = value
        if kind == "actor":
            return qs.filter(**{f"{self.field_name}_id": key})
        return qs.filter(**{f"{self.field_name}__country": key})


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets up to ±23:59, PostgreSQL only ±15:59: compare in UTC."""

    def __init__(self, *args, parameter: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameter = parameter

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError as error:
                raise ValidationError({self.parameter: ["This date-time is out of range."]}) from error
        return super().filter(qs, value)


class ClaimFilter(django_filters.FilterSet):
    supplier = ActorOrCountryFilter(
        field_name="supplier", help_text="Supplier actor id, or ISO country code of the supplier."
    )
    recipient = ActorOrCountryFilter(
        field_name="recipient", help_text="Recipient actor id, or ISO country code of the recipient."
    )
    item_category = django_filters.ChoiceFilter(choices=vocab.ItemCategory.choices)
    stage = django_filters.ChoiceFilter(choices=vocab.Stage.choices)
    status = django_filters.ChoiceFilter(choices=vocab.Status.choices)
    credibility = django_filters.NumberFilter(
        field_name="current_assessment__credibility",
        lookup_expr="lte",
        min_value=1,
        max_value=6,
        help_text="At most N on the Admiralty scale (1 = confirmed … 6 = cannot be judged): 3 keeps 1, 2, 3.",
    )
    reliability = django_filters.ChoiceFilter(
        field_name="current_assessment__reliability",
        lookup_expr="lte",
        choices=vocab.Reliability.choices,
        help_text="At most this letter (A = completely reliable … F = cannot be judged): B keeps A and B.",
    )
    event_after = django_filters.DateFilter(
        field_name="event_end",
        lookup_expr="gte",
        help_text="Event range overlaps the days from this date on (claims without a date are left out).",
    )
    event_before = django_filters.DateFilter(
        field_name="event_start",
        lookup_expr="lte",
        help_text="Event range overlaps the days up to this date (claims without a date are left out).",
    )
    updated_after = UtcDateTimeFilter(
        parameter="updated_after",
        field_name="updated_at",
        lookup_expr="gt",
        help_text="ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z.",
    )
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text='Full-text search (web search syntax: "a phrase", -word).'
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset


class ActorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=200, help_text="Part of a name or alias.")
    kind = django_filters.ChoiceFilter(choices=vocab.ActorKind.choices)
    country = django_filters.CharFilter(max_length=2)

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
