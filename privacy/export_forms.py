"""Forms for copies of members' data: validation only (the rules are export_permissions', the
writes export_services')."""

from django import forms

from moderation.members import REASON_MAX


class MemberExportForm(forms.Form):
    """A community manager asking for a copy of a member's data: why is required, because the
    member is told it and the audit log keeps it."""

    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example “The member asked by email on May 3 (ticket 4821)”. The member is told "
        "this, and it stays in the audit log.",
        error_messages={
            "required": "Say why you are exporting this member's data: the member is told, and "
            "the reason stays in the audit log."
        },
    )
