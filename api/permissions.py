"""The scope an API key needs for a request, checked before the account's own rules.

Reading (GET, HEAD, OPTIONS) needs `read`; writing (POST, PUT, PATCH, DELETE) needs `write`; a
view names another scope for moderators' actions (`moderate`) or webhook management (`manage`)
with `required_scopes = {"POST": "moderate"}`. The rule itself is
accounts.permissions.allow_api_scope; what the account may do is then asked of the same
`allow_*` functions the web calls (by the services), so a key never does more than its owner."""

from rest_framework import permissions

from accounts.models import ApiKey
from accounts.permissions import allow_api_scope


def scope_needed(request, view) -> str:
    named = getattr(view, "required_scopes", {}).get(request.method)
    if named:
        return named
    return ApiKey.Scope.READ if request.method in permissions.SAFE_METHODS else ApiKey.Scope.WRITE


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        allow_api_scope(key, scope_needed(request, view))  # raises PermissionDenied: 403 with why
        return True
