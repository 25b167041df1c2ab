"""The erasure pages' forms: validation, including that the person at the keyboard is the member
(their password, or a fresh login with their own provider for an account without one)."""

import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import ratelimit
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.base.constants import AuthAction
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django import forms
from django.core.exceptions import ImproperlyConfigured

from moderation.members import REASON_MAX

DELETE_POSTS_HELP = (
    "Questions and answers the rules let their author delete: not an accepted answer, not a "
    "question with an accepted or up-voted answer. Deleting them takes off the ledger what they "
    "earned, as deleting each from its thread would. The rest stay, under the anonymous name."
)


def delete_posts_field(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=DELETE_POSTS_HELP)


# --- Proving it is them ---------------------------------------------------------------------------


def recent_provider_login(request, member) -> dict | None:
    """allauth's record of a login through one of the member's own provider accounts in this
    session, within its re-authentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT, 5 minutes
    by default), or None. allauth itself lets an account without a password through its
    re-authentication check unasked; erasing one must not be that easy."""
    theirs = set(SocialAccount.objects.filter(user=member).values_list("provider", "uid"))
    since = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
    for record in reversed(get_authentication_records(request, member)):
        if (
            record.get("method") == "socialaccount"
            and (record.get("provider"), record.get("uid")) in theirs
            and record.get("at", 0) >= since
        ):
            return record
    return None


def provider_confirmations(request, member) -> list[tuple[str, str]]:
    """(provider name, where its button posts) for each login the member's account has: logging
    in with it again, asking the provider to make them sign in afresh, brings them back here.
    A provider the site no longer offers (its settings removed) has no button."""
    found = []
    for account in SocialAccount.objects.filter(user=member).order_by("pk"):
        try:
            provider = account.get_provider(request)
        except (SocialApp.DoesNotExist, ImproperlyConfigured):
            continue
        params = {"action": AuthAction.REAUTHENTICATE}
        if isinstance(provider, OpenIDConnectProvider):
            params["auth_params"] = "prompt=login"  # OpenID Connect's "sign in again"
        found.append((provider.name, provider.get_login_url(request, **params)))
    return found


class EraseOwnAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you at the keyboard.",
        error_messages={"required": "Type your password: it makes sure it is you."},
    )
    delete_posts = delete_posts_field("Also delete my posts that the rules let me delete")
    confirm = forms.BooleanField(
        label="I understand: my account is erased for good, and nobody can restore it.",
        error_messages={"required": "Tick the box to confirm: erasing can't be undone."},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.member = request, request.user
        self.rate_limited = False
        if not self.uses_password:
            del self.fields["password"]

    @property
    def uses_password(self) -> bool:
        return self.member.has_usable_password()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # allauth's own limit for re-entering a password (10 a minute per member, in the cache).
        if not ratelimit.consume(self.request, action="reauthenticate", user=self.member):
            self.rate_limited = True
            raise forms.ValidationError("Too many tries: wait a minute, then type your password again.")
        if not self.member.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password

    def clean(self):
        data = super().clean()
        if not self.uses_password and recent_provider_login(self.request, self.member) is None:
            minutes = account_settings.REAUTHENTICATION_TIMEOUT // 60
            raise forms.ValidationError(
                f"Confirm it is you first, by logging in again with your provider above; it counts "
                f"for {minutes} minutes."
            )
        return data


class EraseMemberForm(forms.Form):
    """A community manager erasing someone's account, at their request."""

    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Kept in the audit log, e.g. “Asked by email on 3 March”. Their name and addresses are "
            "replaced there by the anonymous name, like everywhere else."
        ),
        error_messages={"required": "Say why: the reason stays in the audit log."},
    )
    delete_posts = delete_posts_field("Also delete their posts that the rules let an author delete")
