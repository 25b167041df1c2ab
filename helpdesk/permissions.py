"""Who may do what with the helpdesk bridge (the `allow_*` / `can_*` shape of
accounts.permissions).

Tickets are the company's own care work, like the private follow-up they belong to, so the rule
is insights' care role (`allow_escalate`): the staff who may take a thread to private follow-up
may open its ticket and see its id and status. Members never see a ticket.
"""

from django.core.exceptions import PermissionDenied

from accounts.permissions import boolean
from helpdesk import adapters
from insights.permissions import allow_escalate


def allow_see_ticket(user) -> None:
    try:
        allow_escalate(user)
    except PermissionDenied as refusal:
        raise PermissionDenied("Only staff see the helpdesk ticket of a private follow-up.") from refusal


def allow_open_ticket(user, escalation=None) -> None:
    """Open a ticket for a private follow-up (or try again when it could not be opened): staff,
    with a helpdesk connected, while the follow-up waits for its outcome."""
    allow_escalate(user)
    if adapters.current() is None:
        raise PermissionDenied("No helpdesk is connected to this site.")
    if escalation is not None and not escalation.is_open:
        raise PermissionDenied("The outcome of this follow-up is posted: there is no ticket left to open.")


can_see_ticket = boolean(allow_see_ticket)
can_open_ticket = boolean(allow_open_ticket)
