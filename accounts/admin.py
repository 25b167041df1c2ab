from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiKey, Restriction, User


@admin.register(User)
class CommonplaceUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Profile", {"fields": ("display_name", "bio")}))
    list_display = ("username", "email", "display_name", "is_staff", "is_bot", "is_active", "date_joined")


@admin.register(Restriction)
class RestrictionAdmin(admin.ModelAdmin):
    """Read only: suspensions and silences are imposed and lifted in the console (/manage/), which
    keeps the member's row, the audit log and the member's notification in step."""

    list_display = ("user", "kind", "starts_at", "ends_at", "lifted_at", "imposed_by")
    list_filter = ("kind",)
    search_fields = ("user__username", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read only: keys are created and revoked by their owners (/accounts/api-keys/) and, for
    integration accounts, in the console, where the secret is shown once."""

    list_display = (
        "name",
        "owner",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    search_fields = ("owner__username", "name", "prefix")
    exclude = ("secret_hash",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
