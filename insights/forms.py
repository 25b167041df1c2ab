from django import forms

from insights.models import Escalation


class EscalationForm(forms.Form):
    note = forms.CharField(
        label="Public note (optional)",
        required=False,
        max_length=Escalation._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Everyone can read this. Keep account details out of it: they belong in the private follow-up."
        ),
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="Public outcome",
        min_length=20,
        max_length=Escalation._meta.get_field("outcome").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown. What was done, so the next person with this problem can find it here.",
    )
