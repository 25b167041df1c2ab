"""allauth's hooks: who may sign up, how a social or company login fills in a new account, and
when such a login may claim an existing account by its email address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from accounts.models import User
from accounts.permissions import can_sign_up

DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return can_sign_up()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return can_sign_up(provider=sociallogin.provider.id)

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
