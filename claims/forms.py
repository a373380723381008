"""Browser forms: they parse input into service arguments and put service errors next to fields."""

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from claims import schema, selectors, services, vocab
from claims.filtering import country_code, country_name
from claims.models import (
    COMMENT_MAX,
    QUOTE_MAX,
    RATIONALE_MAX,
    SAVED_SEARCH_NAME_MAX,
    SAVED_SEARCH_QUERY_MAX,
    SHORT_TEXT_MAX,
    STATEMENT_MAX,
    URL_MAX,
    Actor,
    Claim,
)
from claims.search import RankedSearch

BLANK = [("", "—")]
# Fields that only say where a row sits or whether it goes: a row with nothing else is a blank row.
BOOKKEEPING = {"ORDER", "DELETE"}


def choices(vocabulary, blank: bool = True) -> list[tuple[str, str]]:
    return (BLANK if blank else []) + list(vocabulary.choices)


class ActorField(forms.CharField):
    """An actor typed by name or alias (the picker offers names as you type); the form gets the Actor."""

    widget = forms.TextInput
    actor_picker = True  # the form puts "Actor missing? Create it" beside it

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "data-actor-picker": "name"})
        return attrs

    def prepare_value(self, value):
        return value.name if isinstance(value, Actor) else value

    def clean(self, value):
        name = super().clean(value).strip()
        if not name:
            return None
        actor = selectors.actor_named(name)
        if actor is None:
            raise ValidationError(
                _("No actor is called “%(name)s”: pick one from the list or create it."),
                params={"name": name},
                code="unknown_actor",
            )
        return actor


NAMES_SEPARATOR = ";"


class ActorTokens(forms.Widget):
    """Chosen actors as ticked boxes (untick to remove) and a text input to add more by name. With
    JavaScript the boxes become removable tokens and the input a type-ahead combobox that adds them."""

    def value_from_datadict(self, data, files, name):
        ids = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        ids = [ids] if isinstance(ids, str) else list(ids)
        return {"ids": ids, "typed": data.get(f"{name}_add", "")}

    def value_omitted_from_data(self, data, files, name):
        return False  # no box ticked: no participants

    def _chosen(self, value) -> tuple[list[tuple[int, str]], str]:
        if isinstance(value, dict):  # as posted: ids still to look up, the words as typed
            ids = [number for text in value["ids"] if (number := schema.whole_number(str(text)))]
            names = dict(Actor.objects.filter(pk__in=ids).values_list("pk", "name"))
            return [(pk, names[pk]) for pk in dict.fromkeys(ids) if pk in names], value["typed"]
        return [(actor.pk, actor.name) for actor in value or []], ""

    def render(self, name, value, attrs=None, renderer=None):
        chosen, typed = self._chosen(value)
        attrs = self.build_attrs(self.attrs, attrs)
        field_id = attrs.get("id", f"id_{name}")
        tokens = format_html_join(
            "",
            '<li class="token"><input type="checkbox" name="{}" value="{}" id="{}_{}" checked>'
            ' <label for="{}_{}">{}</label></li>',
            ((name, pk, field_id, pk, field_id, pk, actor_name) for pk, actor_name in chosen),
        )
        attrs.update({"type": "text", "name": f"{name}_add", "value": typed, "autocomplete": "off"})
        attrs.update({"data-actor-picker": "tokens", "data-tokens-name": name})
        return format_html(
            '<div class="token-field"><ul class="tokens" id="{}_tokens" aria-label="{}">{}</ul>'
            "<input{}></div>",
            field_id,
            _("Chosen actors"),
            tokens,
            flatatt(attrs),
        )


class ActorsField(forms.Field):
    """Actors chosen as tokens (ids) or typed by name, several separated by “;”."""

    widget = ActorTokens
    actor_picker = True
    default_error_messages = {
        "unknown_id": _("No actor has the id %(ids)s: pick actors from the list."),
        "unknown_name": _("No actor is called “%(name)s”: pick one from the list or create it."),
    }

    def to_python(self, value):
        value = value or {"ids": [], "typed": ""}
        ids = [str(text).strip() for text in value["ids"] if str(text).strip()]
        numbers = [schema.whole_number(text) for text in ids]
        found = Actor.objects.in_bulk([number for number in numbers if number])
        unknown = [text for text, number in zip(ids, numbers, strict=True) if number not in found]
        if unknown:
            raise ValidationError(
                self.error_messages["unknown_id"], code="unknown_actor", params={"ids": ", ".join(unknown)}
            )
        actors = [found[number] for number in numbers]
        for name in str(value["typed"]).split(NAMES_SEPARATOR):
            name = name.strip()[:200]
            if not name:
                continue
            actor = selectors.actor_named(name)
            if actor is None:
                raise ValidationError(
                    self.error_messages["unknown_name"], code="unknown_actor", params={"name": name}
                )
            actors.append(actor)
        return list({actor.pk: actor for actor in actors}.values())

    def has_changed(self, initial, data):
        try:
            chosen = {actor.pk for actor in self.to_python(data)}
        except ValidationError:
            return True
        return chosen != {actor.pk for actor in initial or []}


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


def _claim_formfield(model_field: models.Field, **kwargs) -> forms.Field:
    """The browser form's field for a claim column: label, help, limit and choices from the model."""
    if model_field.many_to_one:
        return ActorField(label=capfirst(model_field.verbose_name), help_text=model_field.help_text)
    if isinstance(model_field, models.DateField):
        kwargs["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif isinstance(model_field, models.CharField) and model_field.max_length >= STATEMENT_MAX:
        kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
    elif model_field.many_to_many:
        return ActorsField(
            label=capfirst(model_field.verbose_name),
            required=False,
            help_text=format_lazy(
                "{} {}",
                model_field.help_text,
                _("Type a name to find an actor; several typed names are separated by “;”."),
            ),
        )
    if model_field in schema.TRANSFER_ONLY:
        kwargs["required"] = False  # shown for transfers only: left out, each takes its default
    field = model_field.formfield(**kwargs)
    if model_field.choices:
        # An optional choice starts blank; a required one starts on its first value, as it always has.
        field.choices = (BLANK if model_field.blank else []) + list(model_field.choices)
    return field


class _ClaimFormBase(forms.Form):
    @classmethod
    def initial_for(cls, claim: Claim) -> dict:
        names = [name for name in cls.base_fields if name not in ("participants", "expected_version")]
        initial = {name: getattr(claim, name) for name in names}
        initial["participants"] = list(claim.participants.all())
        initial["expected_version"] = claim.version
        return initial

    def claim_fields(self) -> list:
        """Every field but the statement and the grouped ones (quantity, date), in the model's order."""
        return [self[name] for name in schema.FORM_FIELDS if name not in schema.GROUPED_NAMES | {"statement"}]

    def grouped_fields(self) -> list:
        """Quantity and date: the groups every kind of claim has."""
        transfer_only = {field.name for field in schema.TRANSFER_ONLY}
        return [
            self[name]
            for name in schema.FORM_FIELDS
            if name in schema.GROUPED_NAMES and name not in transfer_only
        ]

    def deal_fields(self) -> list:
        """The deal as SIPRI records it, with its uncertainty flags: shown for transfer claims."""
        return [self[field.name] for field in schema.TRANSFER_ONLY]


# The fields come from the model through claims.schema: a new claim column appears here by itself.
ClaimForm = type(
    "ClaimForm",
    (_ClaimFormBase,),
    {
        **forms.fields_for_model(Claim, fields=schema.FORM_FIELDS, formfield_callback=_claim_formfield),
        "expected_version": forms.IntegerField(widget=forms.HiddenInput, required=False),
    },
)


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


# A posted TOTAL_FORMS is the client's word: uncapped, Django builds (and the page re-shows) up to 2,000
# rows, 12 s and 10 MB a request. Past the cap no row beyond it is built and the save is refused.
ROWS_MAX = 50


class HopRows(RowFormSet):
    default_error_messages = {"too_many_forms": _("A claim can have at most %(num)d hops.")}


class RouteRows(RowFormSet):
    default_error_messages = {"too_many_forms": _("A claim can have at most %(num)d route stops.")}


def _rows(form, formset):
    return forms.formset_factory(
        form,
        formset=formset,
        extra=0,
        can_order=True,
        can_delete=True,
        max_num=ROWS_MAX,
        absolute_max=ROWS_MAX,
        validate_max=True,
    )


HopFormSet = _rows(HopForm, HopRows)
RouteFormSet = _rows(RouteStopForm, RouteRows)


def claim_data(form: forms.Form, hops: RowFormSet, route: RowFormSet) -> services.ClaimData:
    return schema.from_cleaned(form.cleaned_data, hops=hops.rows(), route=route.rows())


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
    confirm_unverified_sources = forms.BooleanField(required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Seen by editors and reviewers only. @username puts the claim in that person's queue."),
    )


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=SAVED_SEARCH_NAME_MAX)
    query = forms.CharField(required=False, max_length=SAVED_SEARCH_QUERY_MAX, widget=forms.HiddenInput)


class RevertForm(forms.Form):
    to_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=services.REASON_MAX, widget=forms.Textarea({"rows": 2})
    )


class RevisionDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=services.REASON_MAX, widget=forms.Textarea({"rows": 2})
    )


def graded_choices(vocabulary) -> list[tuple[str, str]]:
    """Blank first (no grade is ever preselected), then "B — usually reliable": the code reviewers use."""
    return BLANK + [(value, format_lazy("{} — {}", value, label)) for value, label in vocabulary.choices]


class AssessmentForm(forms.Form):
    reliability = forms.ChoiceField(label=_("Source reliability"), choices=graded_choices(vocab.Reliability))
    credibility = forms.TypedChoiceField(
        label=_("Information credibility"), choices=graded_choices(vocab.Credibility), coerce=int
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
            selectors.claims_visible_to(user)
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
        options = "".join(self._options(self.choices, chosen))
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308 (escaped)

    def _options(self, choices, chosen):
        for key, label in choices:
            if isinstance(label, list | tuple):  # an <optgroup> of (value, label) pairs
                inner = "".join(self._options(label, chosen))
                yield f'<optgroup label="{escape(str(key))}">{inner}</optgroup>'
            else:
                selected = " selected" if str(key) in chosen else ""
                yield f'<option value="{escape(str(key))}"{selected}>{escape(str(label))}</option>'


INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "date", "datetime", "hidden", "number", "email", "url", "search", "time")
)


class QuickInputs(DjangoTemplates):
    """A form renderer that builds <input>s in Python, as Django's input.html and attrs.html write them,
    and renders anything else through Django's templates: a template per input costs the claim list
    (a dozen inputs) more than its rows."""

    def render(self, template_name, context, request=None):
        if template_name not in INPUT_TEMPLATES:
            return super().render(template_name, context, request)
        widget = context["widget"]
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        attrs = "".join(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
            for name, value in widget["attrs"].items()
            if value is not False
        )
        kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
        return mark_safe(f'<input type="{kind}" name="{name}"{shown}{attrs}>')  # noqa: S308 (escaped)


QUICK_INPUTS = QuickInputs()


def quick_pickers(form: forms.Form) -> None:
    """Every plain <select> of a form through QuickSelect, and its inputs through QuickInputs (same
    HTML, built in Python)."""
    form.renderer = QUICK_INPUTS
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.choices)


class ClaimSortForm(forms.Form):
    """The list's order; what it lists is claims.filtering.ClaimFilter's, shared with the API."""

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

    def order(self, claims, query: str = ""):
        """The claims in the order asked; a search defaults to best match first (relevance, then newest)."""
        sort = self.cleaned_data["sort"]
        if query and sort in ("", "relevance"):
            return RankedSearch(claims, query)  # the claims are already the matches; pages by offset
        return claims.order_by(*SORTS.get(sort, SORTS["updated"]))


ACTOR_FILTERS = ("supplier", "recipient", "involving", "said_by")


def actor_filter_pickers(form: forms.Form, user) -> None:
    """The filters that take an actor id or a country code (supplier, recipient, involving, said by)
    as type-ahead pickers: a text field holding the id or code, which JavaScript shows by name. No
    list of every actor is sent; the names of the chosen ones cost one query, and only actors the
    user may see are named."""
    raw = {name: str(form.data.get(name, "")).strip() for name in ACTOR_FILTERS}
    ids = [number for value in raw.values() if (number := schema.whole_number(value))]
    names = (
        dict(selectors.actors_visible_to(user).filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    )
    for name, value in raw.items():
        number = schema.whole_number(value)
        if number:
            label = names.get(number, "")
        elif code := country_code(value):
            label = f"{code} · {country_name(code)}"
        else:
            label = ""
        form.fields[name].widget = forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-actor-picker": "filter",
                "data-label": label,
                "size": 12,
            }
        )


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
