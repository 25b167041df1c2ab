"""The console's forms: validation only (the rules are accounts.permissions', the writes
moderation.members')."""

import datetime as dt

from django import forms
from django.utils import timezone

from accounts import names
from accounts.models import ROLE_GROUPS, User
from moderation.members import REASON_MAX

CUSTOM, INDEFINITELY = "custom", "indefinitely"
DURATIONS = [
    ("1", "1 day"),
    ("7", "7 days"),
    ("30", "30 days"),
    (CUSTOM, "Until a date you choose"),
    (INDEFINITELY, "Indefinitely, until lifted"),
]
# A custom end further away than this is almost surely a typo (2062 for 2026): say so.
LONGEST_CUSTOM = dt.timedelta(days=3 * 365)


def reason_field(help_text: str) -> forms.CharField:
    """Why: required, because the member is told it and the audit log keeps it."""
    return forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
        error_messages={"required": "Say why: the member is told, and the reason stays in the log."},
    )


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a member",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class RestrictForm(forms.Form):
    """Suspend or silence: for how long, and why. Used with a prefix ("suspend", "silence"),
    so both forms can sit on one page with ids of their own."""

    duration = forms.ChoiceField(
        label="For how long", choices=DURATIONS, initial="7", widget=forms.RadioSelect
    )
    until = forms.DateTimeField(
        label="Ends (date and time, UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Only for “Until a date you choose”.",
    )
    reason = reason_field("The member is told this, and it stays in the audit log.")

    def clean(self):
        data = super().clean()
        duration = data.get("duration")
        if duration == CUSTOM:
            until = data.get("until")
            now = timezone.now()
            if until is None:
                self.add_error("until", "Choose when it ends, or another duration.")
            elif until <= now:
                self.add_error("until", "Choose an end in the future.")
            elif until - now > LONGEST_CUSTOM:
                self.add_error("until", "That is more than three years away; choose “Indefinitely” instead.")
            data["ends_at"] = until
        elif duration == INDEFINITELY:
            data["ends_at"] = None
        elif duration:
            data["ends_at"] = timezone.now() + dt.timedelta(days=int(duration))
        return data


class RoleForm(forms.Form):
    """One button: give (grant=1) or take away (grant=0) one role."""

    role = forms.ChoiceField(choices=list(ROLE_GROUPS.items()))
    grant = forms.TypedChoiceField(
        choices=[("1", "give"), ("0", "take away")], coerce=lambda value: value == "1"
    )
    next = forms.CharField(required=False, max_length=300)


class RemoveSpammerForm(forms.Form):
    reason = reason_field("Kept in the audit log; the member is told it with their suspension.")


class IntegrationAccountForm(forms.ModelForm):
    """A new integration account: its username (unique, as any member's) and the name its posts
    show, e.g. "Helpdesk"."""

    class Meta:
        model = User
        fields = ["username", "display_name"]
        labels = {"display_name": "Name shown on its posts"}
        help_texts = {
            "username": "Letters, digits and @ . + - _ only, e.g. helpdesk-bot.",
            "display_name": "For example “Helpdesk”. It shows with a Bot flair beside it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True

    def clean_username(self) -> str:
        return names.check_username(self.cleaned_data["username"], bot=True)

    def clean_display_name(self) -> str:
        return names.clean_display_name(self.cleaned_data["display_name"], bot=True)
