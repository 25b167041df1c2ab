from django import forms
from django.core.exceptions import PermissionDenied

from helpdesk import adapters, permissions
from insights.forms import EscalationForm

TICKET_NOTE_MAX = 2000


def ticket_note_field() -> forms.CharField:
    return forms.CharField(
        label="Note for the ticket (private, optional)",
        required=False,
        max_length=TICKET_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the care team reads this, in the helpdesk: account details may go here.",
    )


class TicketForm(forms.Form):
    """Open a ticket for a follow-up that has none."""

    ticket_note = ticket_note_field()


class EscalationTicketForm(EscalationForm):
    """Take a thread to private follow-up and, ticked by default, open a ticket for it."""

    open_ticket = forms.BooleanField(required=False, initial=True)
    ticket_note = ticket_note_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        adapter = adapters.current()
        name = adapter.display_name if adapter else "the helpdesk"
        self.fields["open_ticket"].label = f"Also open a ticket in {name}"

    def clean_open_ticket(self) -> bool:
        # Refused as a form error, not a 403, so the notes typed come back (the helpdesk may have
        # been disconnected since the page was drawn).
        wanted = self.cleaned_data["open_ticket"]
        if wanted:
            try:
                permissions.allow_open_ticket(self.user)
            except PermissionDenied as refusal:
                raise forms.ValidationError(str(refusal)) from refusal
        return wanted

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ticket_note") and not cleaned.get("open_ticket"):
            self.add_error(
                "ticket_note",
                "This note goes with the ticket: tick “Also open a ticket” to send it, or empty it.",
            )
        return cleaned
