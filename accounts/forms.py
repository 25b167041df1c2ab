from django import forms

from accounts.models import User


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
        # Collapse runs of white space so a name cannot impersonate layout.
        return " ".join(self.cleaned_data["display_name"].split())
