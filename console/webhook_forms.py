"""The console's webhook forms: validation only (integrations.services checks the address
where it resolves, and says so by field)."""

from django import forms

from integrations.models import EventType
from integrations.services import DESCRIPTION_MAX, URL_MAX


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Payload address",
        max_length=URL_MAX,
        widget=forms.URLInput(
            attrs={"placeholder": "https://hooks.example.com/commonplace", "spellcheck": "false"}
        ),
        help_text=(
            "Commonplace POSTs each event there as JSON, signed. It must resolve to a public "
            "address (COMMONPLACE_OUTBOUND_ALLOW_PRIVATE allows private ones)."
        ),
        error_messages={"required": "Give the address that receives the events (https://…)."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        help_text="What receives the events, for you and the other community managers.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )

    @classmethod
    def for_endpoint(cls, endpoint, data=None):
        initial = {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
        }
        return cls(data, initial=initial)

    def catalogue(self):
        """(value, label, checked, id) per event type, for a fieldset of checkboxes."""
        chosen = set(self["event_types"].value() or ())
        return [
            (value, label, value in chosen, f"id_event_types_{number}")
            for number, (value, label) in enumerate(EventType.choices)
        ]


class RotateForm(forms.Form):
    keep_previous = forms.BooleanField(
        label="Keep signing with the old secret too for 24 hours, while the receiver switches",
        required=False,
        initial=True,
    )
