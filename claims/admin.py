"""Django admin: a fallback editor that writes through the same services and validation as the UI."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from claims import policies, schema, services, vocab
from claims.models import (
    Actor,
    Assessment,
    AttributionHop,
    Claim,
    ClaimRelation,
    ClaimVersion,
    FeedEvent,
    QuoteCheck,
    RouteStop,
    Source,
    SourceCheck,
    StatusChange,
    Webhook,
    WebhookAttempt,
    normalise_url,
)
from claims.services import webhooks as webhook_services

CLAIM_FIELDS = list(schema.FORM_FIELDS)


def _copy_errors(error: ValidationError, form: forms.BaseForm, prefix: str = "") -> None:
    """Put service errors keyed by dotted paths on the matching form field (or the form itself)."""
    for path, messages_ in error.message_dict.items():
        field = path.removeprefix(prefix)
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)


def _claim_data(cleaned: dict, hops: list, route: list) -> services.ClaimData:
    return schema.from_cleaned(cleaned, hops=hops, route=route)


def _hop_data(cleaned: dict) -> services.HopData:
    return services.HopData(
        position=cleaned["position"],
        anonymity=cleaned["anonymity"],
        speaker_id=cleaned["speaker"].pk if cleaned.get("speaker") else None,
        descriptor=cleaned.get("descriptor", ""),
        affiliation_id=cleaned["affiliation"].pk if cleaned.get("affiliation") else None,
        role=cleaned.get("role", ""),
        source_url=cleaned["source_url"] or "",
        quote=cleaned.get("quote", ""),
        quote_language=cleaned.get("quote_language", ""),
        translation=cleaned.get("translation", ""),
    )


def _stop_data(cleaned: dict) -> services.RouteStopData:
    return services.RouteStopData(
        position=cleaned["position"],
        role=cleaned["role"],
        country=cleaned.get("country", ""),
        region=cleaned.get("region", ""),
        approximate=cleaned.get("approximate", False),
    )


def _live_forms(formset: BaseInlineFormSet) -> list[forms.BaseForm]:
    return [
        form
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not formset.can_delete or not formset._should_delete_form(form)
    ]


class ClaimAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = CLAIM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        for field in schema.TRANSFER_ONLY:  # as on the claim form: left out, each takes its default
            if field.name in self.fields:
                self.fields[field.name].required = False

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.validate_claim_fields(_claim_data(cleaned, hops=[], route=[]))
        except ValidationError as error:
            _copy_errors(error, self)
        current = self.instance.version if self.instance.pk else None
        if current is not None and cleaned.get("expected_version") != current:
            raise ValidationError(
                _("Someone else saved this claim meanwhile (now version %(v)s); reload to see it."),
                params={"v": current},
            )
        return cleaned


class HopForm(forms.ModelForm):
    source_url = forms.URLField(label=_("Source URL"), required=False, max_length=2000, assume_scheme="https")

    class Meta:
        model = AttributionHop
        fields = [
            "position",
            "speaker",
            "descriptor",
            "affiliation",
            "role",
            "anonymity",
            "source_url",
            "quote",
            "quote_language",
            "translation",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.source_id:
            self.fields["source_url"].initial = self.instance.source.url


class HopFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        live = _live_forms(self)
        if any(form.errors for form in live):
            return
        try:
            services.validate_hops([_hop_data(form.cleaned_data) for form in live])
        except ValidationError as error:
            for path, messages_ in error.message_dict.items():
                parts = path.split(".")
                field = {"source": "source_url"}.get(parts[-1], parts[-1])
                if len(parts) == 3 and field in live[int(parts[1])].fields:
                    for message in messages_:
                        live[int(parts[1])].add_error(field, message)
                else:
                    raise ValidationError(messages_) from error


class RouteFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        live = _live_forms(self)
        if any(form.errors for form in live):
            return
        try:
            services.validate_route([_stop_data(form.cleaned_data) for form in live])
        except ValidationError as error:
            for path, messages_ in error.message_dict.items():
                parts = path.split(".")
                if len(parts) == 3:
                    for message in messages_:
                        live[int(parts[1])].add_error(parts[2], message)
                else:
                    raise ValidationError(messages_) from error


class HopInline(admin.StackedInline):
    model = AttributionHop
    form = HopForm
    formset = HopFormSet
    extra = 0
    autocomplete_fields = ["speaker", "affiliation"]


class RouteInline(admin.TabularInline):
    model = RouteStop
    formset = RouteFormSet
    fields = ["position", "role", "country", "region", "approximate"]
    extra = 0


class AssessmentInline(admin.TabularInline):
    """Read-only: assessments are append-only and added from the claim page or the API."""

    model = Assessment
    fields = [
        "assessed_at",
        "reliability",
        "credibility",
        "likelihood",
        "confidence",
        "rationale",
        "assessed_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """History to read, never to revert from: a revert would write past the services, the claim's
    versions and the feed (SIMPLE_HISTORY_REVERT_DISABLED only hides the button)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied(_("Old versions are read-only here; edit the claim to change it."))
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    form = ClaimAdminForm
    inlines = [HopInline, RouteInline, AssessmentInline]
    list_display = ["statement", "kind", "supplier", "recipient", "stage", "status", "version", "updated_at"]
    list_filter = ["status", "kind", "stage", "item_category", "stance", "modality"]
    search_fields = ["statement", "item_description", "hops__quote", "hops__descriptor", "supplier__name"]
    autocomplete_fields = ["supplier", "recipient", "participants"]
    readonly_fields = ["uuid", "status", "version", "created_by", "updated_by", "published_at"]
    list_select_related = ["supplier", "recipient"]
    fieldsets = [
        (None, {"fields": ["status", "uuid", "version", "expected_version"]}),
        (_("Claim"), {"fields": [name for name in schema.FORM_FIELDS if name not in schema.GROUPED_NAMES]}),
        (_("Quantity"), {"fields": [field.name for field in schema.GROUPED["quantity"]]}),
        (_("When"), {"fields": [field.name for field in schema.GROUPED["event_date"]]}),
        (_("Deal (SIPRI)"), {"fields": [field.name for field in schema.TRANSFER_ONLY]}),
        (_("Record"), {"fields": ["created_by", "updated_by", "published_at"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # claims are retracted, never deleted

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policies.may_edit(request.user, obj))

    def save_model(self, request, obj, form, change):
        """Nothing here: the claim, hops and route are written together in save_related."""

    def save_formset(self, request, form, formset, change):
        """Nothing here either; see save_related."""

    def save_related(self, request, form, formsets, change):
        hops = routes = []
        for formset in formsets:
            # The admin's change message reads these; the service did the writing.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is AttributionHop:
                hops = [_hop_data(f.cleaned_data) for f in _live_forms(formset)]
            elif formset.model is RouteStop:
                routes = [_stop_data(f.cleaned_data) for f in _live_forms(formset)]
        data = _claim_data(form.cleaned_data, hops, routes)
        try:
            if change:
                claim = services.update_claim(
                    claim_id=form.instance.pk,
                    expected_version=form.cleaned_data["expected_version"],
                    data=data,
                    by=request.user,
                )
            else:
                claim = services.create_claim(data=data, by=request.user)
        except services.StaleVersion as stale:
            raise PermissionDenied(_("Someone else saved this claim meanwhile; reload it.")) from stale
        form.instance.pk = claim.pk
        messages.info(request, _("Saved as version %(v)s.") % {"v": claim.version})


@admin.register(Actor)
class ActorAdmin(HistoryAdmin):
    list_display = ["name", "kind", "country", "parent", "reliability"]
    list_filter = ["kind", "country", "reliability"]
    search_fields = ["name", "aliases", "description"]
    autocomplete_fields = ["parent"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and policies.may_change_actor(request.user, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "parent" in form.changed_data:
            # Lineage runs through parents: relations it unsettles are flagged, documents refreshed.
            services.reevaluate_actor_lineage(actor_id=obj.pk)


class SourceAdminForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["url", "title", "publisher", "language", "published_on", "published_precision"]

    def clean_url(self):
        return normalise_url(self.cleaned_data["url"])


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    form = SourceAdminForm
    list_display = ["url", "title", "publisher", "language", "liveness", "last_outcome", "last_checked_at"]
    list_filter = ["liveness", "language", "last_outcome"]
    search_fields = ["url", "title"]
    autocomplete_fields = ["publisher"]
    readonly_fields = [
        "liveness",
        "strikes",
        "quotes_missing",
        "last_outcome",
        "last_checked_at",
        "next_check_at",
    ]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and policies.may_change_source(request.user, obj)

    def save_model(self, request, obj, form, change):
        """Through the service: citing claims get a new version, and the policy is asked once more."""
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "publisher"}
        if "publisher" in form.changed_data:
            fields["publisher_id"] = (
                form.cleaned_data["publisher"].pk if form.cleaned_data["publisher"] else None
            )
        if not change:
            created = services.get_or_create_source(url=fields.pop("url"), by=request.user)
            obj.pk = created.pk
        if fields:
            services.update_source(source_id=obj.pk, by=request.user, **fields)
        obj.refresh_from_db()


@admin.register(ClaimRelation)
class ClaimRelationAdmin(admin.ModelAdmin):
    list_display = ["from_claim", "kind", "to_claim", "independence", "created_by", "created_at"]
    list_filter = ["kind", "independence"]
    autocomplete_fields = ["from_claim", "to_claim"]
    fields = ["from_claim", "to_claim", "kind", "independence", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class RelationForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if not self.errors:
                    self.relation_arguments = {
                        "from_claim_id": cleaned["from_claim"].pk,
                        "to_claim_id": cleaned["to_claim"].pk,
                        "kind": cleaned["kind"],
                        "independence": cleaned["independence"],
                        "note": cleaned.get("note", ""),
                    }
                    if self.relation_arguments["from_claim_id"] == self.relation_arguments["to_claim_id"]:
                        self.add_error("to_claim", _("A claim cannot be related to itself."))
                return cleaned

        return RelationForm

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or policies.may_unrelate(request.user, obj)
        )

    def save_model(self, request, obj, form, change):
        relation = services.add_relation(**form.relation_arguments, by=request.user)
        obj.pk = relation.pk

    def delete_model(self, request, obj):
        services.remove_relation(relation_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for relation in queryset:
            services.remove_relation(relation_id=relation.pk, by=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "claim",
        "reliability",
        "credibility",
        "likelihood",
        "confidence",
        "assessed_by",
        "assessed_at",
    ]
    list_filter = ["reliability", "credibility", "likelihood", "confidence"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at", "reason"]
    list_filter = ["to_status"]


@admin.register(ClaimVersion)
class ClaimVersionAdmin(ReadOnlyAdmin):
    list_display = ["claim", "version", "change", "changed_by", "changed_at"]


@admin.register(FeedEvent)
class FeedEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "type", "claim", "source", "version", "at"]
    list_filter = ["type"]


class QuoteCheckInline(admin.TabularInline):
    model = QuoteCheck
    fields = ["hop", "result", "score", "passage"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SourceCheck)
class SourceCheckAdmin(ReadOnlyAdmin):
    list_display = ["source", "outcome", "http_status", "checked_at", "similarity"]
    list_filter = ["outcome"]
    inlines = [QuoteCheckInline]


class WebhookAdminForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        choices=vocab.FeedEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Webhook
        fields = ["url", "event_types"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                webhook_services.validate_webhook(url=cleaned["url"], event_types=cleaned["event_types"])
            except ValidationError as error:
                _copy_errors(error, self)
        return cleaned


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Reviewers register their endpoints here (or with the API) and read why one was switched off."""

    form = WebhookAdminForm
    list_display = ["url", "owner", "active", "consecutive_failures", "disabled_reason", "created_at"]
    list_filter = ["active"]
    readonly_fields = [
        "owner",
        "active",
        "consecutive_failures",
        "disabled_reason",
        "disabled_at",
        "created_at",
        "recent_attempts",
    ]

    def get_fields(self, request, obj=None):
        return ["url", "event_types"] if obj is None else ["url", "event_types", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["url", "event_types", *self.readonly_fields]

    def get_queryset(self, request):
        webhooks = super().get_queryset(request)
        return webhooks if request.user.is_superuser else webhooks.filter(owner=request.user)

    def has_module_permission(self, request):
        return policies.may_register_webhook(request.user)

    def has_view_permission(self, request, obj=None):
        return policies.may_register_webhook(request.user) and (
            obj is None or policies.may_manage_webhook(request.user, obj)
        )

    def has_add_permission(self, request):
        return policies.may_register_webhook(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # delete and register again: a changed address must pass the guard with a new secret

    def has_delete_permission(self, request, obj=None):
        return policies.may_register_webhook(request.user) and (
            obj is None or policies.may_manage_webhook(request.user, obj)
        )

    @admin.display(description=_("Recent attempts"))
    def recent_attempts(self, obj: Webhook) -> str:
        attempts = WebhookAttempt.objects.filter(delivery__webhook=obj).select_related("delivery")
        lines = [
            f"{a.at:%Y-%m-%d %H:%M:%S} seq {a.delivery.event_id} #{a.number}: "
            + (_("delivered") if a.succeeded else a.error)
            for a in attempts.order_by("-id")[:20]
        ]
        return "\n".join(lines) or "—"

    def save_model(self, request, obj, form, change):
        created = webhook_services.register_webhook(
            url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"], by=request.user
        )
        obj.pk = created.webhook.pk
        messages.warning(
            request,
            _("Copy the signing secret now, it will not be shown again: %(secret)s")
            % {"secret": created.secret},
        )

    def delete_model(self, request, obj):
        webhook_services.delete_webhook(webhook_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            webhook_services.delete_webhook(webhook_id=webhook.pk, by=request.user)
