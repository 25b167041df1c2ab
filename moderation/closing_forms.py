"""Forms for closing, merging and reviewing. Validation only: the services decide."""

from django import forms
from django.core.exceptions import ValidationError

from forum.models import CloseReason
from moderation.closing import parse_question_ref

# How the close form names each reason (CloseReason's labels read "closed as a duplicate").
REASON_CHOICES = [
    (CloseReason.DUPLICATE.value, "Duplicate: it has been asked and answered before"),
    (CloseReason.OFF_TOPIC.value, "Off-topic: not about our products or services"),
    (CloseReason.NEEDS_DETAILS.value, "Needs details: it can't be answered as it stands"),
    (CloseReason.RESOLVED_PRIVATELY.value, "Resolved privately: support settled it outside the forum"),
]


def _question_ref_field(label: str, help_text: str, required: bool) -> forms.CharField:
    return forms.CharField(label=label, max_length=300, required=required, help_text=help_text)


def _clean_ref(value: str) -> int | None:
    if not value:
        return None
    pk = parse_question_ref(value)
    if pk is None:
        raise ValidationError("Paste the question's link, or type its number.")
    return pk


class CloseForm(forms.Form):
    # Ids of their own, so they never collide with other forms on the thread page.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)

    reason = forms.ChoiceField(
        label="Why should this question be closed?",
        choices=REASON_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the question should be closed."},
    )
    duplicate_of = _question_ref_field(
        "Original question (for a duplicate)",
        "Paste the link to the question this one duplicates, or type its number.",
        required=False,
    )

    def clean_duplicate_of(self) -> int | None:
        return _clean_ref(self.cleaned_data["duplicate_of"].strip())

    def clean(self):
        data = super().clean()
        needs_original = data.get("reason") == CloseReason.DUPLICATE and not data.get("duplicate_of")
        if needs_original and "duplicate_of" not in self.errors:
            self.add_error("duplicate_of", "Give the link (or number) of the question this one duplicates.")
        return data


class MergeForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "merge-%s")
        super().__init__(*args, **kwargs)

    into = _question_ref_field(
        "Merge into question",
        "The link or number of the question that receives this question's answers.",
        required=True,
    )

    def clean_into(self) -> int:
        return _clean_ref(self.cleaned_data["into"].strip())


class ReasonForm(forms.Form):
    """An optional note for the audit log (lock, delete, restore)."""

    reason = forms.CharField(label="Reason (for the moderation log)", max_length=300, required=False)
