"""Browser forms: they parse input into service arguments and put service errors next to fields."""

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from claims import services, vocab
from claims.models import QUOTE_MAX, RATIONALE_MAX, SHORT_TEXT_MAX, STATEMENT_MAX, URL_MAX, Actor, Claim
from claims.search import RankedSearch

BLANK = [("", "—")]
# Fields that only say where a row sits or whether it goes: a row with nothing else is a blank row.
BOOKKEEPING = {"ORDER", "DELETE"}


def choices(vocabulary, blank: bool = True) -> list[tuple[str, str]]:
    return (BLANK if blank else []) + list(vocabulary.choices)


class ActorField(forms.CharField):
    """An actor typed by name (the picker suggests names); the form gets the Actor back."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"list": "actor-options", "autocomplete": "off", "data-actor-picker": ""})
        return attrs

    def prepare_value(self, value):
        return value.name if isinstance(value, Actor) else value

    def clean(self, value):
        name = super().clean(value).strip()
        if not name:
            return None
        actor = (
            Actor.objects.filter(name__iexact=name).first()
            or Actor.objects.filter(aliases__icontains=f'"{name}"').first()
        )
        if actor is None:
            raise ValidationError(
                _("No actor is called “%(name)s”: pick one from the list or create it."),
                params={"name": name},
                code="unknown_actor",
            )
        return actor


def put_errors(error: ValidationError, form: forms.BaseForm, rename: dict | None = None) -> None:
    """Service errors come keyed by field; those the form does not show go to the top of the form."""
    rename = rename or {}
    for path, messages in error.message_dict.items():
        if path.split(".")[0] in ("hops", "route"):  # the row formsets show these
            continue
        name = rename.get(path, path)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ClaimForm(forms.Form):
    statement = forms.CharField(
        label=_("Statement"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One atomic proposition, in English."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=vocab.ClaimKind.choices)
    supplier = ActorField(label=_("Supplier"))
    recipient = ActorField(label=_("Recipient"))
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Actor.objects.all(),
        required=False,
        help_text=_("For cooperation and diplomatic events."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    item_category = forms.ChoiceField(
        label=_("Item category"), choices=choices(vocab.ItemCategory), required=False
    )
    item_description = forms.CharField(label=_("Item description"), max_length=SHORT_TEXT_MAX, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=choices(vocab.Stage), required=False)
    stance = forms.ChoiceField(label=_("Stance"), choices=vocab.Stance.choices, initial=vocab.Stance.ASSERT)
    modality = forms.ChoiceField(
        label=_("Modality"), choices=vocab.Modality.choices, initial=vocab.Modality.OCCURRED
    )
    negated = forms.BooleanField(label=_("Negated (“did not …”)"), required=False)
    quantity_qualifier = forms.ChoiceField(
        label=_("Quantity"),
        choices=vocab.QuantityQualifier.choices,
        initial=vocab.QuantityQualifier.UNKNOWN,
    )
    quantity_min = forms.IntegerField(label=_("Minimum"), required=False)
    quantity_max = forms.IntegerField(label=_("Maximum"), required=False)
    quantity_unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    quantity_text = forms.CharField(label=_("Words used"), max_length=200, required=False)
    event_precision = forms.ChoiceField(
        label=_("Date precision"), choices=vocab.DatePrecision.choices, initial=vocab.DatePrecision.UNKNOWN
    )
    event_start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    event_end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_for(cls, claim: Claim) -> dict:
        names = [name for name in cls.base_fields if name not in ("participants", "expected_version")]
        initial = {name: getattr(claim, name) for name in names}
        initial["participants"] = list(claim.participants.all())
        initial["expected_version"] = claim.version
        return initial


class HopForm(forms.Form):
    speaker = ActorField(label=_("Speaker"), help_text=_("The actor, when named."))
    descriptor = forms.CharField(
        label=_("Descriptor"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("Verbatim, e.g. “a US official”."),
    )
    affiliation = ActorField(label=_("Affiliation"))
    role = forms.CharField(label=_("Role as printed"), max_length=SHORT_TEXT_MAX, required=False)
    anonymity = forms.ChoiceField(label=_("Anonymity"), choices=choices(vocab.Anonymity))
    source_url = forms.URLField(
        label=_("Source URL"),
        max_length=URL_MAX,
        required=False,
        assume_scheme="https",
        help_text=_("Required on the last hop: the document we read."),
    )
    quote = forms.CharField(
        label=_("Quote (original)"), max_length=QUOTE_MAX, required=False, widget=forms.Textarea({"rows": 2})
    )
    quote_language = forms.CharField(
        label=_("Language"), max_length=2, required=False, widget=forms.TextInput({"size": 3})
    )
    translation = forms.CharField(
        label=_("Translation"), max_length=QUOTE_MAX, required=False, widget=forms.Textarea({"rows": 2})
    )

    def has_changed(self) -> bool:
        return any(name not in BOOKKEEPING for name in self.changed_data)

    def to_data(self, position: int) -> services.HopData:
        c = self.cleaned_data
        return services.HopData(
            position=position,
            anonymity=c["anonymity"],
            speaker_id=c["speaker"].pk if c.get("speaker") else None,
            descriptor=c.get("descriptor", ""),
            affiliation_id=c["affiliation"].pk if c.get("affiliation") else None,
            role=c.get("role", ""),
            source_url=c.get("source_url") or "",
            quote=c.get("quote", ""),
            quote_language=c.get("quote_language", "").strip().lower(),
            translation=c.get("translation", ""),
        )


class RouteStopForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=choices(vocab.RouteRole))
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("ISO code, e.g. KP"),
        widget=forms.TextInput({"size": 3}),
    )
    region = forms.CharField(label=_("Region"), max_length=200, required=False)
    approximate = forms.BooleanField(label=_("Approximate"), required=False)

    def has_changed(self) -> bool:
        return any(name not in BOOKKEEPING for name in self.changed_data)

    def to_data(self, position: int) -> services.RouteStopData:
        c = self.cleaned_data
        return services.RouteStopData(
            position=position,
            role=c["role"],
            country=c.get("country", "").strip().upper(),
            region=c.get("region", ""),
            approximate=c.get("approximate", False),
        )


def _has_content(form: forms.Form) -> bool:
    values = getattr(form, "cleaned_data", {})
    return any(value not in (None, "", False) for name, value in values.items() if name not in BOOKKEEPING)


class RowFormSet(forms.BaseFormSet):
    """Rows the editor can add, remove and reorder; positions follow the ORDER numbers."""

    def live_forms(self) -> list[forms.Form]:
        rows = [
            (index, form)
            for index, form in enumerate(self.forms)
            if _has_content(form) and not (self.can_delete and self._should_delete_form(form))
        ]

        def order(row):
            index, form = row
            value = form.cleaned_data.get("ORDER") if hasattr(form, "cleaned_data") else None
            return (value if value is not None else 10_000 + index, index)

        return [form for _index, form in sorted(rows, key=order)]

    def rows(self) -> list:
        return [form.to_data(position) for position, form in enumerate(self.live_forms())]

    def put_errors(self, error: ValidationError, prefix: str) -> None:
        """Map 'hops.1.descriptor' onto the second live row's descriptor field."""
        live = self.live_forms()
        for path, messages in error.message_dict.items():
            parts = path.split(".")
            if parts[0] != prefix:
                continue
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(live):
                form = live[int(parts[1])]
                name = {"source": "source_url"}.get(parts[2], parts[2])
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
            else:
                self.extra_errors = [*getattr(self, "extra_errors", []), *messages]

    def all_errors(self) -> list:
        return [*self.non_form_errors(), *getattr(self, "extra_errors", [])]


HopFormSet = forms.formset_factory(HopForm, formset=RowFormSet, extra=0, can_order=True, can_delete=True)
RouteFormSet = forms.formset_factory(
    RouteStopForm, formset=RowFormSet, extra=0, can_order=True, can_delete=True
)


def claim_data(form: ClaimForm, hops: RowFormSet, route: RowFormSet) -> services.ClaimData:
    c = form.cleaned_data
    return services.ClaimData(
        statement=c["statement"],
        kind=c["kind"],
        hops=hops.rows(),
        route=route.rows(),
        supplier_id=c["supplier"].pk if c.get("supplier") else None,
        recipient_id=c["recipient"].pk if c.get("recipient") else None,
        participant_ids=[actor.pk for actor in c.get("participants") or []],
        place=c.get("place", ""),
        item_category=c.get("item_category", ""),
        item_description=c.get("item_description", ""),
        stage=c.get("stage", ""),
        stance=c["stance"],
        modality=c["modality"],
        negated=c.get("negated", False),
        quantity_qualifier=c["quantity_qualifier"],
        quantity_min=c.get("quantity_min"),
        quantity_max=c.get("quantity_max"),
        quantity_unit=c.get("quantity_unit", ""),
        quantity_text=c.get("quantity_text", ""),
        event_start=c.get("event_start"),
        event_end=c.get("event_end"),
        event_precision=c["event_precision"],
    )


class FromArticleForm(forms.Form):
    source_url = forms.URLField(label=_("Article URL"), max_length=URL_MAX, assume_scheme="https")
    quote = forms.CharField(
        label=_("Quoted passage"), max_length=QUOTE_MAX, widget=forms.Textarea({"rows": 5})
    )
    quote_language = forms.CharField(
        label=_("Language of the passage"),
        max_length=2,
        required=False,
        help_text=_("ISO 639-1, e.g. it"),
        widget=forms.TextInput({"size": 3}),
    )


class ActorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=vocab.ActorKind.choices)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("ISO code, e.g. GB")
    )
    description = forms.CharField(label=_("Description"), max_length=SHORT_TEXT_MAX, required=False)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=vocab.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=services.REASON_MAX, widget=forms.Textarea({"rows": 2})
    )


class AssessmentForm(forms.Form):
    reliability = forms.ChoiceField(label=_("Source reliability"), choices=vocab.Reliability.choices)
    credibility = forms.TypedChoiceField(
        label=_("Information credibility"), choices=vocab.Credibility.choices, coerce=int
    )
    likelihood = forms.ChoiceField(label=_("Likelihood"), choices=choices(vocab.Likelihood), required=False)
    confidence = forms.ChoiceField(
        label=_("Analytic confidence"), choices=choices(vocab.Confidence), required=False
    )
    rationale = forms.CharField(
        label=_("Rationale"), max_length=RATIONALE_MAX, widget=forms.Textarea({"rows": 3})
    )


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This claim"), choices=vocab.RelationKind.choices)
    to_claim = forms.ModelChoiceField(
        label=_("Other claim"), queryset=Claim.objects.none(), to_field_name="uuid"
    )
    independence = forms.ChoiceField(label=_("Independence"), choices=vocab.Independence.choices)
    note = forms.CharField(label=_("Note"), max_length=SHORT_TEXT_MAX, required=False)

    def __init__(self, *args, claim: Claim, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_claim"].queryset = (
            Claim.objects.visible_to(user)
            .exclude(pk=claim.pk)
            .exclude(status=vocab.Status.RETRACTED)
            .order_by("-updated_at")
        )


SORTS = {
    "updated": ("-updated_at", "-id"),
    "event": ("event_start", "event_end", "id"),
    "-event": ("-event_start", "-event_end", "-id"),
    "statement": ("statement", "id"),
}


class QuickSelect(forms.Select):
    """A <select> built in Python: the claim list's pickers (two of them with every actor) rendered
    through Django's template per option cost more than the rest of the page (~100 ms at 400 actors)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308 (escaped)


class ClaimFilterForm(forms.Form):
    """The list's filters; every value lives in the URL so that a view can be shared."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    supplier = forms.TypedChoiceField(label=_("Supplier"), coerce=int, empty_value=None, required=False)
    recipient = forms.TypedChoiceField(label=_("Recipient"), coerce=int, empty_value=None, required=False)
    item_category = forms.ChoiceField(
        label=_("Item category"), choices=choices(vocab.ItemCategory), required=False
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=choices(vocab.Stage), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=choices(vocab.Status), required=False)
    credibility = forms.TypedChoiceField(
        label=_("Credibility at most"),
        choices=[("", "—"), *[(v, f"≤ {v}") for v in vocab.Credibility.values]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"),
        choices=[("", "—"), *[(v, v) for v in vocab.Reliability.values]],
        required=False,
    )
    date_from = forms.DateField(
        label=_("Event from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Event to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("relevance", _("Best match (when searching)")),
            ("updated", _("Recently updated")),
            ("-event", _("Event date, newest first")),
            ("event", _("Event date, oldest first")),
            ("statement", _("Statement A–Z")),
        ],
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:  # every picker of this page: see QuickSelect
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.choices)
        for name in ("supplier", "recipient"):
            # One query for both pickers: the choices come from (id, name) pairs already fetched.
            self.fields[name].choices = [("", "—"), *actors]

    def apply(self, claims):
        if not self.is_valid():
            return claims.none()
        c = self.cleaned_data
        query = c["q"].strip()
        if query:
            claims = claims.search(query)
        for name in ("supplier", "recipient"):
            if c[name] is not None:
                claims = claims.filter(**{f"{name}_id": c[name]})
        for name in ("item_category", "stage", "status"):
            if c[name]:
                claims = claims.filter(**{name: c[name]})
        if c["credibility"] is not None:
            claims = claims.filter(current_assessment__credibility__lte=c["credibility"])
        if c["reliability"]:
            claims = claims.filter(current_assessment__reliability=c["reliability"])
        # Overlap: a claim whose event range touches [from, to] matches.
        if c["date_from"]:
            claims = claims.filter(Q(event_end__gte=c["date_from"]))
        if c["date_to"]:
            claims = claims.filter(Q(event_start__lte=c["date_to"]))
        if query and c["sort"] in ("", "relevance"):
            return RankedSearch(claims, query)  # relevance, then newest; pages by offset
        return claims.order_by(*SORTS.get(c["sort"] or "updated", SORTS["updated"]))


class SourceFilterForm(forms.Form):
    """The source list's filters, kept in the URL like the claim list's."""

    q = forms.CharField(label=_("URL or title contains"), required=False, max_length=200)
    liveness = forms.ChoiceField(label=_("Health"), choices=choices(vocab.Liveness), required=False)
    attention = forms.BooleanField(label=_("Needs attention only"), required=False)

    def apply(self, sources):
        if not self.is_valid():
            return sources.none()
        c = self.cleaned_data
        if c["q"]:
            sources = sources.filter(Q(url__icontains=c["q"]) | Q(title__icontains=c["q"]))
        if c["liveness"]:
            sources = sources.filter(liveness=c["liveness"])
        if c["attention"]:
            sources = sources.needing_attention()
        return sources
