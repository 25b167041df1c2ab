"""allauth's hooks: who may sign up, how a social or company login fills in a new account, when
such a login may claim an existing account by its email address, the sign-in throttle, and the
branding of account emails."""

import ipaddress
import unicodedata
from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import DisallowedHost, PermissionDenied, ValidationError
from django.template.loader import render_to_string

from accounts import names, throttle
from accounts.models import User
from accounts.permissions import allow_sign_up
from branding.email import email_context, from_email, subject_prefix
from branding.selectors import current as current_brand

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


@dataclass(frozen=True)
class BrandedSite:
    """Stands in for allauth's `current_site` in its emails: the site's host, under the name the
    branding gives the site (not Site.name and Site.domain, which nobody edits)."""

    name: str
    domain: str

    def __str__(self) -> str:
        return self.domain


LOGIN_FAILURES = "login-failures"


def client_address(request) -> str:
    """The client's address as allauth sees it (ALLAUTH_TRUSTED_PROXY_COUNT hops of
    X-Forwarded-For), an IPv6 address by its /64: one machine usually holds a whole /64."""
    address = get_account_adapter(request).get_client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def login_failure_counts(request, credentials: dict) -> list[tuple[str, throttle.Rate | None]]:
    """What a failed sign-in counts against: this client, and this client with this login.
    Never the login alone: then anyone who knows a username could lock its owner out."""
    address = client_address(request)
    login = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    return [
        (f"ip:{address}", throttle.Rate.parse(settings.COMMONPLACE_LOGIN_FAILURES_PER_IP)),
        (
            f"ip:{address}:login:{login}",
            throttle.Rate.parse(settings.COMMONPLACE_LOGIN_FAILURES_PER_IP_AND_LOGIN),
        ),
    ]


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return sign_up_is_open(request)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """allauth's checks (the username validators, taken names), then ours: no role, and not
        a look-alike of another member's name (accounts/names.py). When allauth makes up a
        username for a social sign-up (`shallow`), the role only: populate_user below finds
        one that looks like nobody's."""
        username = unicodedata.normalize("NFKC", username)  # as Django's User.normalize_username
        username = super().clean_username(username, shallow=shallow)
        return names.check_username(username, others=not shallow)

    # --- The sign-in throttle: per client, never per account ----------------------------------

    def pre_authenticate(self, request, **credentials) -> None:
        """A client past its failed sign-ins is refused before the password is even checked, so
        it learns nothing more; the login view answers 429 with Retry-After (accounts/views.py).
        The member, from their own device, is not concerned, and can always get a sign-in code."""
        super().pre_authenticate(request, **credentials)
        wait = max(
            throttle.wait(LOGIN_FAILURES, ident, rate)
            for ident, rate in login_failure_counts(request, credentials)
        )
        if wait:
            request.login_retry_after = wait
            raise ValidationError(
                f"Too many failed sign-ins from your connection. Try again in {throttle.wait_phrase(wait)}, "
                "or sign in with a code sent to your email address.",
                code="too_many_login_attempts",
            )

    def authentication_failed(self, request, **credentials) -> None:
        for ident, rate in login_failure_counts(request, credentials):
            throttle.hit(LOGIN_FAILURES, ident, rate)

    # --- Account emails (confirmation, password reset, ...) carry the site's branding ---------

    def format_email_subject(self, subject: str) -> str:
        return subject_prefix() + subject

    def get_from_email(self) -> str:
        return from_email()

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        brand = current_brand()
        branded = {
            **email_context(brand),
            "current_site": BrandedSite(name=brand.site_name, domain=self.site_domain()),
        }
        super().send_mail(template_prefix, email, {**context, **branded})

    def site_domain(self) -> str:
        """The host the person used (the links in the email are built on it too), else the
        sites framework's domain."""
        try:
            return self.request.get_host()
        except (AttributeError, DisallowedHost):  # no request (a command), or a host not served
            return get_current_site(self.request).domain

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth writes these emails as text; a branded HTML part (the logo or name on the brand
        colour, the footer links) goes with it, made from the same text."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if hasattr(message, "attach_alternative") and not message.alternatives and "brand" in context:
            # The text again without its footer links: the HTML layout shows them as links.
            text = render_to_string(
                f"{template_prefix}_message.txt", {**context, "footer_links": ()}, self.request
            )
            html = render_to_string(
                "branding/email/wrapped_text.html",
                {**context, "subject": message.subject, "text": text.strip()},
            )
            message.attach_alternative(html, "text/html")
        return message


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return sign_up_is_open(request, sociallogin.provider.id)

    def populate_user(self, request, sociallogin, data):
        """The username from what the provider calls the person (OpenID Connect's
        preferred_username), else their email's local part, made unique; the display name
        from their full name."""
        user = super().populate_user(request, sociallogin, data)
        email = data.get("email") or ""
        user.username = names.unused_username(
            get_account_adapter(request).generate_unique_username(
                [data.get("username"), email.partition("@")[0], "member"]
            )
        )
        name = data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        # Held to the rules of names like any other (none, rather than a refusal: there is no
        # form here to say why); the username above already passed them (clean_username).
        user.display_name = names.safe_display_name(name.strip()[:DISPLAY_NAME_LENGTH])
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
