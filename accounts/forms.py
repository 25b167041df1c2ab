from django import forms

from accounts.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}

    def clean_display_name(self) -> str:
        # Collapse runs of white space so a name cannot impersonate layout.
        return " ".join(self.cleaned_data["display_name"].split())
