"""Admin for webhooks: endpoints (registered through webhooks.services, secret shown once) and the
read-only delivery log. Whoever may manage partner keys manages their webhooks."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from accounts.models import PartnerApiKey
from accounts.roles import Action, user_may
from liveblog.models import Event
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=services.MAX_URL_LENGTH, label="URL",
                          help_text="Where deliveries are POSTed: http:// or https://.")
    events = forms.ModelMultipleChoiceField(queryset=Event.objects.order_by("-pk"), help_text="The events it follows.")

    class Meta:
        model = WebhookEndpoint
        fields = ("partner_key", "url")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "partner_key" in self.fields:
            self.fields["partner_key"].queryset = PartnerApiKey.objects.filter(revoked_at=None)
        if self.instance.pk is not None:
            self.fields["events"].initial = list(self.instance.subscriptions.values_list("event_id", flat=True))

    def clean_url(self):
        return services.webhook_url_check(self.cleaned_data["url"])


class ManagedByKeyManagers:
    def _may_manage(self, request) -> bool:
        return user_may(request.user, Action.MANAGE_API_KEYS)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ManagedByKeyManagers, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "partner_key", "followed_events", "state", "failures_in_a_row", "next_attempt_at",
                    "created_at")
    list_filter = (("disabled_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("state", "disabled_reason", "failing_since", "failures_in_a_row", "next_attempt_at",
                       "created_at", "created_by")
    actions = ["enable"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner_key").prefetch_related("subscriptions__event")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("partner_key", "url", "events")
        return ("partner_key", "url", "events", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # The key an endpoint belongs to is fixed: its secret was given to that partner.
        return ("partner_key", *self.readonly_fields) if obj is not None else ()

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_enable_permission(self, request):
        return self._may_manage(request)

    @admin.display(description="Events")
    def followed_events(self, endpoint):
        return ", ".join(subscription.event.slug for subscription in endpoint.subscriptions.all())

    @admin.display(description="State")
    def state(self, endpoint):
        if endpoint.disabled_at is not None:
            return f"Disabled {endpoint.disabled_at:%Y-%m-%d %H:%M} UTC: {endpoint.disabled_reason}"
        if endpoint.failing_since is not None:
            return f"Failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC, retrying"
        return "On"

    def save_model(self, request, obj, form, change):
        events = form.cleaned_data["events"]
        try:
            if change:
                services.webhook_update(endpoint=obj, url=form.cleaned_data["url"], events=events, by=request.user)
            else:
                endpoint, obj.issued_secret = services.webhook_create(
                    partner_key=form.cleaned_data["partner_key"], url=form.cleaned_data["url"],
                    events=events, by=request.user,
                )
                obj.pk = endpoint.pk
        except ValidationError as refusal:
            # Rare (the key was revoked meanwhile, or has its maximum): say so instead of a 500.
            obj.refusal = " ".join(refusal.messages)

    def save_related(self, request, form, formsets, change):
        pass  # the services saved the followed events

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "refusal", None):
            self.message_user(request, obj.refusal, messages.ERROR)
            return self.response_post_save_add(request, obj)
        response = TemplateResponse(
            request, "admin/webhooks/webhookendpoint/secret_shown.html",
            {**self.admin_site.each_context(request), "title": "Webhook endpoint registered", "opts": self.opts,
             "endpoint": WebhookEndpoint.objects.select_related("partner_key").get(pk=obj.pk),
             "secret": obj.issued_secret},
        )
        # The secret is in this response only: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    def response_change(self, request, obj):
        if getattr(obj, "refusal", None):
            self.message_user(request, obj.refusal, messages.ERROR)
        return super().response_change(request, obj)

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            super().log_addition(request, obj, message)

    def delete_model(self, request, obj):
        services.webhook_delete(endpoint=obj, by=request.user)

    @admin.action(description="Turn the selected endpoints back on", permissions=["enable"])
    def enable(self, request, queryset):
        for endpoint in queryset:
            services.webhook_enable(endpoint=endpoint, by=request.user)
        self.message_user(request, f"{queryset.count()} endpoint(s) on; each resumes where it stopped.",
                          messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ManagedByKeyManagers, admin.ModelAdmin):
    """Every attempt, as it happened: for reading only."""

    list_display = ("attempted_at", "endpoint", "event", "seq", "is_success", "status_code", "error", "duration_ms")
    list_filter = ("is_success",)
    list_select_related = ("endpoint", "event")
    search_fields = ("endpoint__url", "event__slug")
    date_hierarchy = "attempted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
