"""Who is calling: an API key (`Authorization: Bearer cp_<prefix>_<secret>`) or the browser's
session (DRF's SessionAuthentication, which enforces CSRF on writes).

A key authenticates as its owner, a real account, and nobody else: every rule, limit and
ledger line that follows is that account's. A revoked or expired key, or one whose account is
closed, is refused with 401 and a sentence saying which."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.permissions import until_phrase
from accounts.selectors import api_key_for_token
from accounts.services import api_key_used

KEYWORD = "Bearer"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None  # no key: the session, or an anonymous reader
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed("The Authorization header has no API key after Bearer.")
        key = api_key_for_token(token)
        if key is None:
            raise exceptions.AuthenticationFailed(
                "This API key is not valid: check that it was copied whole (cp_<prefix>_<secret>)."
            )
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"This API key ({key.prefix}) was revoked on {timezone.localdate(key.revoked_at):%b %-d, %Y}."
            )
        if key.is_expired:
            raise exceptions.AuthenticationFailed(
                f"This API key ({key.prefix}) expired; it was valid {until_phrase(key.expires_at)}."
            )
        if not key.owner.is_active:
            raise exceptions.AuthenticationFailed("This API key's account is closed.")
        api_key_used(key=key)
        return key.owner, key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials that needs some.
        return f'{KEYWORD} realm="api"'
