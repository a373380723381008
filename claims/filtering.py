"""THE claim filter: one FilterSet, same names and meaning, for the web list, the API list and exports."""

from datetime import UTC

import django_filters
import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from claims import review, vocab
from claims.models import Claim, fold, validate_country
from claims.policies import sees_unpublished
from claims.schema import ID_MAX

SEARCH_MAX = 200
ACTOR_OR_COUNTRY_HELP = _(
    "An actor id (e.g. 12), or an ISO 3166-1 alpha-2 country code in any case (RU, ru): "
    "every actor of that country."
)


def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code in "ru" or "RU", or None if it is not one."""
    if len(value) != 2 or not (value.isascii() and value.isalpha()):
        return None
    try:
        validate_country(value.upper())
    except ValidationError:
        return None
    return value.upper()


def _upper_letters(value):
    # A picker offering "RU" shows ?recipient=ru as selected.
    return value.upper() if isinstance(value, str) and value.isalpha() else value


COUNTRY_MATCHES_MAX = 5


def countries_matching(query: str, *, limit: int = COUNTRY_MATCHES_MAX) -> list[dict]:
    """Countries whose code is the query or whose name contains it, case and accents ignored: the filters'
    pickers offer "every actor of this country" next to the actors."""
    wanted = fold(query.strip())
    if not wanted:
        return []
    found = []
    for country in pycountry.countries:
        if wanted == country.alpha_2.lower() or wanted in fold(country.name):
            found.append({"code": country.alpha_2, "name": country.name})
    found.sort(key=lambda c: (c["code"].lower() != wanted, c["name"]))
    return found[:limit]


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


class CountryField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if code := country_code(value):
            return code
        raise ValidationError(
            _("Give an ISO 3166-1 alpha-2 country code (e.g. RU), not %(value)r."),
            code="invalid",
            params={"value": value},
        )

    prepare_value = staticmethod(_upper_letters)


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class ActorOrCountryField(forms.CharField):
    """("actor", id) or ("country", "RU") from "12", "RU" or "ru"."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if value.isascii() and value.isdigit() and 1 <= int(value) <= ID_MAX:
            return ("actor", int(value))
        if code := country_code(value):
            return ("country", code)
        raise ValidationError(
            _("Give an actor id (e.g. 12) or an ISO 3166-1 alpha-2 country code (e.g. RU), not %(value)r."),
            code="invalid",
            params={"value": value},
        )

    prepare_value = staticmethod(_upper_letters)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([0-9]+|[A-Za-z]{2})$",
        "description": str(ACTOR_OR_COUNTRY_HELP),
    }
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


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([0-9]+|[A-Za-z]{2})$",
        "description": str(ACTOR_OR_COUNTRY_HELP),
    }
)
class ActorInAnyRoleFilter(django_filters.Filter):
    """An actor (or any actor of a country) in any of several roles of a claim: `paths` name them."""

    field_class = ActorOrCountryField

    def __init__(self, *args, paths: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.paths = paths

    def filter(self, qs, value):
        if value is None:
            return qs
        kind, key = value
        # One EXISTS per role keeps a claim once however many of its hops or participants match.
        matches = Q()
        for path in self.paths:
            lookup = path if kind == "actor" else f"{path}__country"
            matches |= Q(Exists(Claim.objects.filter(pk=OuterRef("pk"), **{lookup: key})))
        return qs.filter(matches)


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 allows offsets up to ±23:59, PostgreSQL only ±15:59: compare in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(_("This date-time is out of range."), code="invalid") from error


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


def _coded(vocabulary) -> list:
    """Choices that show the code with its words ("B · usually reliable"): the scales are read by code."""
    return [(value, format_lazy("{} · {}", value, label)) for value, label in vocabulary.choices]


DATE_INPUT = forms.DateInput(attrs={"type": "date"})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"})


class ClaimFilter(django_filters.FilterSet):
    """Filters combine with AND; a value that cannot be understood is an error, never ignored."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX,
        help_text=_('Full-text search (web search syntax: "a phrase", -word).'),
    )
    supplier = ActorOrCountryFilter(
        field_name="supplier", label=_("Supplier"), help_text=ACTOR_OR_COUNTRY_HELP
    )
    recipient = ActorOrCountryFilter(
        field_name="recipient", label=_("Recipient"), help_text=ACTOR_OR_COUNTRY_HELP
    )
    involving = ActorInAnyRoleFilter(
        label=_("Involving"),
        paths=("supplier", "recipient", "participants"),
        help_text=ACTOR_OR_COUNTRY_HELP,
    )
    said_by = ActorInAnyRoleFilter(
        label=_("Said by"),
        paths=("hops__speaker", "hops__affiliation"),
        help_text=ACTOR_OR_COUNTRY_HELP,
    )
    item_category = django_filters.ChoiceFilter(
        label=_("Item category"), choices=vocab.ItemCategory.choices, empty_label="—"
    )
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=vocab.Stage.choices, empty_label="—")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=vocab.Status.choices, empty_label="—")
    # "At most" on both Admiralty axes: as good as this or better (1 and A are the best).
    credibility = django_filters.ChoiceFilter(
        field_name="current_assessment__credibility",
        lookup_expr="lte",
        label=_("Credibility, this or better"),
        choices=_coded(vocab.Credibility),
        empty_label="—",
        help_text=_("At most N (1 = confirmed … 6 = cannot be judged): 3 keeps 1, 2 and 3."),
    )
    reliability = django_filters.ChoiceFilter(
        field_name="current_assessment__reliability",
        lookup_expr="lte",
        label=_("Reliability, this or better"),
        choices=_coded(vocab.Reliability),
        empty_label="—",
        help_text=_("At most this letter (A = completely reliable … F = cannot be judged): B keeps A and B."),
    )
    event_after = django_filters.DateFilter(
        field_name="event_end",
        lookup_expr="gte",
        label=_("Event from"),
        widget=DATE_INPUT,
        help_text=_("The event's date range reaches this day or later (undated claims are left out)."),
    )
    event_before = django_filters.DateFilter(
        field_name="event_start",
        lookup_expr="lte",
        label=_("Event to"),
        widget=DATE_INPUT,
        help_text=_("The event's date range reaches this day or earlier (undated claims are left out)."),
    )
    updated_after = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label=_("Updated after"),
        widget=DATETIME_INPUT,
        help_text=_(
            "Changed after this moment: ISO 8601, UTC unless an offset is given (2024-05-01T00:00:00Z)."
        ),
    )
    updated_before = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="lt",
        label=_("Updated before"),
        widget=DATETIME_INPUT,
        help_text=_(
            "Changed before this moment: ISO 8601, UTC unless an offset is given (2024-06-01T00:00:00Z)."
        ),
    )

    review_due = django_filters.ChoiceFilter(
        label=_("Review due"),
        choices=[("true", _("Yes")), ("false", _("No"))],
        empty_label="—",
        method="filter_review_due",
        help_text=_(
            "true = published claims due for a fresh review: the event they looked forward to should "
            "have happened by now, or nobody has reviewed them for a long time; false = the others."
        ),
    )

    # Editorial work: for anyone else they match nothing.
    assignee = django_filters.ChoiceFilter(
        label=_("Waiting for"),
        choices=[("me", _("Me"))],
        empty_label="—",
        method="assigned_to_me",
        help_text=_("Editorial roles: me = the claims assigned to you."),
    )
    author = django_filters.ChoiceFilter(
        label=_("Created by"),
        choices=[("me", _("Me"))],
        empty_label="—",
        method="created_by_me",
        help_text=_("Editorial roles: me = the claims you created."),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def get_form_class(self):
        """Built once for the whole set of filters (the list page's): its fields follow from the
        declarations above alone, and making a field per filter and a class on every page cost ~0.4 ms.
        Each form still copies the fields it is given (Django's forms deep-copy their base fields), so
        no request sees another's. The API keeps only the filters asked for: those forms are built anew."""
        if self.filters.keys() != self.base_filters.keys():
            return super().get_form_class()
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    def search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_review_due(self, queryset, name, value):
        return review.due(queryset) if value == "true" else review.not_due(queryset)

    def _editorial(self) -> bool:
        return sees_unpublished(getattr(self.request, "user", None))

    # A reader has no claims assigned and created none that they can see as theirs: nothing matches.
    def assigned_to_me(self, queryset, name, value):
        return (
            queryset.filter(assignment__assignee=self.request.user) if self._editorial() else queryset.none()
        )

    def created_by_me(self, queryset, name, value):
        return queryset.filter(created_by=self.request.user) if self._editorial() else queryset.none()


def canonical_query(data, *, form: forms.Form | None = None) -> str:
    """The claim-list filters in `data` (a QueryDict) as a query string, or a ValidationError.

    Only ClaimFilter's parameters are kept, empty ones dropped, in the filter's own order, so the
    same search always reads the same; a parameter it does not take, or a value it cannot read, is
    refused rather than saved. `form`: a ClaimFilter form already bound to these values (the list
    page has one), so that they are not read twice.
    """
    unknown = sorted(set(data) - set(ClaimFilter.base_filters))
    if unknown:
        raise ValidationError(
            _("Not a claim filter: %(names)s.") % {"names": ", ".join(unknown)}, code="unknown_parameter"
        )
    if form is None:
        form = ClaimFilter(data, queryset=Claim.objects.none()).form
    if not form.is_valid():
        raise ValidationError(
            [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()], code="invalid"
        )
    return urlencode(
        [(name, value) for name in ClaimFilter.base_filters for value in data.getlist(name) if value]
    )
