from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import PartnerApiKey, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Byline", {"fields": ("display_name", "job_title", "avatar")}),
    )
    list_display = ("username", "display_name", "job_title", "email", "is_staff")


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "rate_limit_per_minute", "created_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "created_by", "revoked_at")
    fields = ("name", "prefix", "rate_limit_per_minute", "created_at", "created_by", "revoked_at")

    def has_add_permission(self, request):
        # Keys are issued through the service so the raw key is shown once and only hashed; the
        # admin screen for that comes with the newsroom work (issue 4).
        return False
