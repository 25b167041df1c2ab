"""allauth's hooks: who may sign up, how a social or company login fills in a new account, and
when such a login may claim an existing account by its email address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.permissions import allow_sign_up

DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length


def sign_up_is_open(request, provider: str | None = None) -> bool:
    """allauth asks this before it shows the sign-up form or creates an account from a first
    social login. A refusal's sentence is kept on the request for the "closed" page to show,
    since allauth renders that page without saying why."""
    try:
        allow_sign_up(provider=provider)
    except PermissionDenied as refusal:
        request.sign_up_refusal = str(refusal)
        return False
    return True


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return sign_up_is_open(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return sign_up_is_open(request, sociallogin.provider.id)

    def populate_user(self, request, sociallogin, data):
        """The username from what the provider calls the person (OpenID Connect's
        preferred_username), else their email's local part, made unique; the display name
        from their full name."""
        user = super().populate_user(request, sociallogin, data)
        email = data.get("email") or ""
        user.username = get_account_adapter(request).generate_unique_username(
            [data.get("username"), email.partition("@")[0], "member"]
        )
        name = data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        user.display_name = name.strip()[:DISPLAY_NAME_LENGTH]
        return user

    def authenticate_by_email(self, sociallogin):
        """A login may claim an existing account only when the provider asserts the address is
        verified (allauth checks that) and the account verified it here too. Otherwise whoever
        typed that address into a sign-up form, without ever proving it theirs, would be handed
        the provider's user on their first login."""
        found = super().authenticate_by_email(sociallogin)
        if found is None:
            return None
        user, email = found
        if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            return None
        return found
