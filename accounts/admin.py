"""Admin for accounts: users and their newsroom roles, partner API keys, and the rate-limited sign-in."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from accounts.models import PartnerApiKey, Role, User
from accounts.roles import Action, user_may, user_role
from accounts.services import (
    api_key_create,
    api_key_revoke,
    api_key_set_embed_origins,
    byline_announce,
    byline_state,
    embed_origins_clean,
    user_clear_role,
    user_set_role,
)

NO_ROLE = ""


class UserRoleChangeForm(UserChangeForm):
    """The user form with the newsroom role as one choice, saved through accounts.services
    (never as raw groups, which could give someone two roles)."""

    newsroom_role = forms.ChoiceField(
        label="Newsroom role", choices=[(NO_ROLE, "No newsroom role"), *Role.choices], required=False,
        help_text="Contributors write drafts; editors publish and change any post.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["newsroom_role"].initial = user_role(self.instance) or NO_ROLE


def _without_group_fields(fieldsets) -> tuple:
    """Django's user fieldsets with the raw group and permission boxes taken out."""
    hidden = {"groups", "user_permissions"}
    return tuple(
        (name, {**options, "fields": tuple(field for field in options["fields"] if field not in hidden)})
        for name, options in fieldsets
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRoleChangeForm
    fieldsets = (
        *_without_group_fields(BaseUserAdmin.fieldsets),
        ("Newsroom", {"fields": ("newsroom_role",)}),
        ("Byline", {"fields": ("display_name", "job_title", "avatar")}),
    )
    list_display = ("username", "display_name", "job_title", "newsroom_role", "email", "is_staff")
    actions = ["make_contributor", "make_editor", "remove_role"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def _may_manage(self, request) -> bool:
        return user_may(request.user, Action.MANAGE_USERS)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def save_model(self, request, obj, form, change):
        # The form has already written its values onto obj: the byline as readers saw it is in the database.
        before = byline_state(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            byline_announce(user=obj, by=request.user, before=before)
        if "newsroom_role" not in form.cleaned_data:
            return  # the add form: the role is chosen on the next page
        role = form.cleaned_data["newsroom_role"]
        if role == (user_role(obj) or NO_ROLE):
            return
        if role == NO_ROLE:
            user_clear_role(user=obj, by=request.user)
        else:
            user_set_role(user=obj, role=Role(role), by=request.user)

    @admin.display(description="Role")
    def newsroom_role(self, user):
        roles = [Role(group.name).label for group in user.groups.all() if group.name in Role.values]
        return ", ".join(roles) or ("Admin" if user.is_superuser else "—")

    def _set_role(self, request, queryset, role: Role | None):
        for user in queryset:
            if role is None:
                user_clear_role(user=user, by=request.user)
            else:
                user_set_role(user=user, role=role, by=request.user)
        done = f"made {role.label.lower()}" if role is not None else "left without a newsroom role"
        self.message_user(request, f"{queryset.count()} {done}.", messages.SUCCESS)

    @admin.action(description="Give the selected users the contributor role", permissions=["change"])
    def make_contributor(self, request, queryset):
        self._set_role(request, queryset, Role.CONTRIBUTOR)

    @admin.action(description="Give the selected users the editor role", permissions=["change"])
    def make_editor(self, request, queryset):
        self._set_role(request, queryset, Role.EDITOR)

    @admin.action(description="Take the newsroom role away from the selected users", permissions=["change"])
    def remove_role(self, request, queryset):
        self._set_role(request, queryset, None)


class EmbedOriginsField(forms.CharField):
    """One origin a line in a text box; a list of clean origins in cleaned_data."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def __init__(self, **kwargs):
        super().__init__(
            required=False, label="Embed origins",
            help_text="Sites that may show the embeddable live blog, one origin a line, e.g. https://partner.example.",
            **kwargs,
        )

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value):
        return embed_origins_clean(super().clean(value).splitlines())


class ApiKeyCreateForm(forms.ModelForm):
    embed_origins = EmbedOriginsField()

    class Meta:
        model = PartnerApiKey
        fields = ("name", "rate_limit_per_minute", "embed_origins")


class ApiKeyEmbedOriginsForm(forms.ModelForm):
    """A key's only editable detail: where it may be embedded (saved by the service)."""

    embed_origins = EmbedOriginsField()

    class Meta:
        model = PartnerApiKey
        fields = ("embed_origins",)


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued by accounts.services: the raw key is shown once, then only its prefix."""

    list_display = ("name", "prefix", "rate_limit_per_minute", "embed_origins", "created_at", "created_by",
                    "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("name", "prefix", "rate_limit_per_minute", "created_at", "created_by", "revoked_at")
    fields = (*readonly_fields, "embed_origins")
    form = ApiKeyEmbedOriginsForm
    actions = ["revoke"]

    def _may_manage(self, request) -> bool:
        return user_may(request.user, Action.MANAGE_API_KEYS)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        # Only the embed origins change; name, limit and the key itself are fixed at issue.
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        # Revoked keys stay listed for the record.
        return False

    def save_model(self, request, obj, form, change):
        api_key_set_embed_origins(key=obj, origins=form.cleaned_data["embed_origins"], by=request.user)

    def has_revoke_permission(self, request):
        return self._may_manage(request)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            key, raw_key = api_key_create(
                name=form.cleaned_data["name"], by=request.user,
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
                embed_origins=form.cleaned_data["embed_origins"],
            )
            self.log_addition(request, key, [{"added": {}}])
            response = TemplateResponse(
                request, "admin/accounts/partnerapikey/key_created.html",
                {**self.admin_site.each_context(request), "title": "Partner API key created",
                 "opts": self.opts, "key": key, "raw_key": raw_key},
            )
            # The raw key exists only in this response: no cache may keep it.
            response["Cache-Control"] = "no-store"
            return response
        context = {
            **self.admin_site.each_context(request), "title": "Issue a partner API key", "opts": self.opts,
            "form": form, "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/accounts/partnerapikey/key_add.html", context,
                                status=400 if request.method == "POST" else 200)

    @admin.action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key, by=request.user)
        self.message_user(request, f"{queryset.count()} key(s) revoked; they stop working now.", messages.SUCCESS)
