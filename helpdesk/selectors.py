"""Reads for the helpdesk bridge."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from forum.models import Question
from helpdesk import adapters, permissions
from helpdesk.models import HelpdeskTicket
from insights.models import Escalation
from insights.selectors import escalation_list, load_people, thread_people


@dataclass(frozen=True)
class Bridge:
    """What a page needs to know of the bridge, for one viewer."""

    name: str  # "Zendesk", or COMMONPLACE_HELPDESK_NAME
    offered: bool  # a helpdesk is connected and the viewer may open tickets
    visible: bool  # the viewer may see tickets (staff)


def bridge_for(user) -> Bridge:
    adapter = adapters.current()
    return Bridge(
        name=adapter.display_name if adapter else "",
        offered=adapter is not None and permissions.can_open_ticket(user),
        visible=permissions.can_see_ticket(user),
    )


def thread_question(questions: QuerySet, viewer) -> QuerySet:
    """The thread page's question query also brings its follow-up's ticket (no extra query)
    for those who see it (staff who may take threads to follow-up): for everyone else the
    ticket's 22 columns are neither selected nor compiled. Registered in apps.py; insights'
    hook already joins the escalation."""
    if viewer is None or not permissions.can_see_ticket(viewer):
        return questions
    return questions.select_related("escalation__helpdesk_ticket")


def thread_ticket_opener(question, answers, viewer) -> None:
    """Who opened the follow-up's ticket, loaded only when there is a ticket and that member is
    not one the page already holds (most often the staff member who opened the follow-up)."""
    if viewer is None or not permissions.can_see_ticket(viewer):
        return  # not joined for them (thread_question): reading it would cost a query
    escalation = getattr(question, "escalation", None)
    ticket = getattr(escalation, "helpdesk_ticket", None) if escalation is not None else None
    if ticket is not None:
        known = thread_people(question, viewer)
        for name in ("opened_by", "outcome_by"):
            if getattr(escalation, f"{name}_id"):
                person = getattr(escalation, name)
                known[person.pk] = person
        load_people(ticket, ("opened_by",), known)


def question_with_ticket(question_id: int) -> Question:
    """A question with its follow-up and ticket, for the ticket panel on its own (htmx)."""
    return Question.objects.select_related(
        "escalation__opened_by", "escalation__outcome_by", "escalation__helpdesk_ticket__opened_by"
    ).get(pk=question_id)


def with_tickets(escalations: QuerySet) -> QuerySet:
    """Private follow-ups with their tickets, in the same query (the API's escalations)."""
    return escalations.select_related("helpdesk_ticket")


def escalation_with_ticket(pk: int, viewer) -> Escalation:
    """One private follow-up the viewer may see (insights' rule of visibility), with its ticket;
    else 404."""
    return get_object_or_404(with_tickets(escalation_list(viewer)), pk=pk)


def ticket_of(escalation: Escalation) -> HelpdeskTicket | None:
    """The follow-up's ticket, or None if none was asked for (no query after with_tickets)."""
    return getattr(escalation, "helpdesk_ticket", None)
