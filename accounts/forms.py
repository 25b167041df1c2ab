import datetime as dt

from django import forms
from django.utils import timezone

from accounts import names
from accounts.models import ApiKey, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        # Here, not on the model, whose help text still says "plain text" until the next
        # accounts migration: the bio is shown as Markdown, rendered and sanitised like a post.
        help_texts = {
            "bio": "A few words about you, in Markdown: **bold**, *italics*, [links](https://…), "
            "lists. A new line starts a new line; images show as links."
        }

    def clean_display_name(self) -> str:
        # Normalised, and refused when invisible, turned around, claiming a role or looking like
        # another member's name (accounts/names.py).
        return names.clean_display_name(self.cleaned_data["display_name"], member=self.instance)


# An expiry is the default: a key forgotten in a script should not work for ever.
EXPIRIES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("never", "Never")]


class ApiKeyForm(forms.Form):
    """A new API key for `owner`: only the scopes the owner could use are offered (moderate for
    moderators, manage for community managers); accounts.permissions decides again on create."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, so you recognise it later: “Helpdesk sync”, “my laptop”.",
        error_messages={"required": "Give the key a name, so you can tell your keys apart."},
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope for the key."},
    )
    expires = forms.ChoiceField(label="Expires", choices=EXPIRIES, initial="90", widget=forms.RadioSelect)

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        offered = [ApiKey.Scope.READ, ApiKey.Scope.WRITE]
        if owner.is_moderator:
            offered.append(ApiKey.Scope.MODERATE)
        if owner.is_community_manager:
            offered.append(ApiKey.Scope.MANAGE)
        self.fields["scopes"].choices = [(scope.value, scope.label) for scope in offered]
        self.fields["scopes"].initial = [ApiKey.Scope.READ]

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def key_fields(self) -> dict:
        """The arguments of accounts.services.api_key_create this form decides."""
        expires = self.cleaned_data["expires"]
        expires_at = None if expires == "never" else timezone.now() + dt.timedelta(days=int(expires))
        return {
            "name": self.cleaned_data["name"],
            "scopes": self.cleaned_data["scopes"],
            "expires_at": expires_at,
        }
