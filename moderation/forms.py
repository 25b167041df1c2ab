import re

from django import forms
from django.core.exceptions import ValidationError

from moderation.appeals import KEEP, KEEP_NEEDS_A_NOTE, OUTCOME_REQUIRED, RESTORE
from moderation.models import FlagReason

# What each reason means, shown under its radio button.
REASON_HELP = {
    FlagReason.SPAM: "Advertising or links that don't help anyone here.",
    FlagReason.ABUSE: "Insulting, harassing or hateful towards someone.",
    FlagReason.OFF_TOPIC: "Not about our products or services.",
    FlagReason.DUPLICATE: "Already asked and answered: give that question below.",
    FlagReason.NEEDS_MODERATOR: "Something else a moderator should look at: tell them below.",
}
QUESTION_URL = re.compile(r"/questions/(\d+)(?:/|$)")


def parse_question_ref(value: str) -> int | None:
    """A question number ("42", "#42") or a link to it ("https://…/questions/42/slug/")."""
    value = value.strip()
    if not value:
        return None
    if value.lstrip("#").isdigit():
        return int(value.lstrip("#"))
    match = QUESTION_URL.search(value)
    if match:
        return int(match.group(1))
    raise ValidationError("Enter the question's number or paste a link to it.")


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why should moderators look at this?",
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are flagging this post."},
    )
    duplicate_of = forms.CharField(
        label="Duplicate of (question number or link)",
        required=False,
        max_length=500,
        help_text="Only for “Duplicate”: the number or link of the question that already has the answers.",
    )
    text = forms.CharField(
        label="Details for moderators",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required for “Needs a moderator's attention”; optional otherwise. Only moderators see it.",
    )

    def __init__(self, *args, kind: str = "question", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != "question":  # only a question duplicates another question
            self.fields["reason"].choices = [c for c in FlagReason.choices if c[0] != FlagReason.DUPLICATE]
            del self.fields["duplicate_of"]

    def clean_duplicate_of(self) -> int | None:
        return parse_question_ref(self.cleaned_data.get("duplicate_of", ""))

    def reason_options(self):
        """Each radio button with its help text, for a template that lays them out itself."""
        for option in self["reason"]:
            yield option, REASON_HELP.get(option.data["value"], "")


class AppealForm(forms.Form):
    """A member asks a moderator to review a serial-voting reversal of their reputation."""

    text = forms.CharField(
        label="What should the moderator know?",
        max_length=800,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, why these votes came from someone who genuinely found your posts useful.",
        error_messages={"required": "Tell the moderator why the votes were genuine."},
    )


class AppealDecisionForm(forms.Form):
    """A moderator restores or keeps an appealed reversal: the button pressed is the outcome."""

    outcome = forms.ChoiceField(
        choices=[(RESTORE, "Restore the reputation"), (KEEP, "Keep the reversal")],
        widget=forms.HiddenInput,  # the two submit buttons send it
        error_messages={"required": OUTCOME_REQUIRED, "invalid_choice": OUTCOME_REQUIRED},
    )
    note = forms.CharField(
        label="Note to the member",
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the member with the outcome. Required to keep the reversal.",
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == KEEP and not data.get("note"):
            self.add_error("note", KEEP_NEEDS_A_NOTE)
        return data
