"""The helpdesk bridge's doors: staff's buttons on the thread, and the helpdesk's status
callback. Thin views: parse, authorise (helpdesk.permissions), one service, respond."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from forum import selectors as forum_selectors
from helpdesk import adapters, permissions, selectors, services
from helpdesk.forms import EscalationTicketForm, TicketForm
from insights.models import Escalation
from insights.permissions import allow_escalate

PANEL = "helpdesk/includes/ticket_panel.html"


def staff_question(request, question_id: int):
    question = forum_selectors.question_get(question_id)
    if not request.user.is_authenticated:
        return question, redirect_to_login(question.get_absolute_url())
    allow_escalate(request.user)
    return question, None


def follow_up(question) -> str:
    return f"{question.get_absolute_url()}#follow-up"


@require_POST
def escalate(request, question_id: int):
    """Take a thread to private follow-up, with a ticket when "Also open a ticket" is ticked
    (the thread's form posts here instead of insights' when a helpdesk is connected)."""
    question, refusal = staff_question(request, question_id)
    if refusal:
        return refusal
    form = EscalationTicketForm(request.POST, user=request.user)
    if not form.is_valid():
        context = {"question": question, "form": form}
        return render(request, "insights/escalation_form.html", context, status=400)
    taken = services.escalation_take(
        question=question,
        staff_user=request.user,
        note=form.cleaned_data["note"],
        open_ticket=form.cleaned_data["open_ticket"],
        ticket_note=form.cleaned_data["ticket_note"],
    )
    said = (
        "Taken to private follow-up. Post the outcome here when it is settled."
        if taken.created
        else "This thread was already taken to private follow-up."
    )
    if taken.ticket is not None:
        said += " " + ticket_message(taken.ticket, taken.ticket_requested)
    (messages.success if taken.created or taken.ticket_requested else messages.info)(request, said)
    return redirect(follow_up(question))


def ticket_message(ticket, requested: bool) -> str:
    name = ticket.helpdesk_name
    if ticket.is_opened:
        return f"Its ticket in {name} is {ticket.external_id}."
    if requested:
        return f"Opening a ticket in {name}: its number will show here."
    return f"A ticket in {name} is being opened."


@require_POST
def ticket_open(request, question_id: int):
    """Open a ticket for a follow-up without one, or try again for one that was not opened."""
    question, refusal = staff_question(request, question_id)
    if refusal:
        return refusal
    escalation = Escalation.objects.filter(question=question).first()
    if escalation is None:
        raise Http404("This thread was not taken to private follow-up.")
    permissions.allow_open_ticket(request.user, escalation)
    form = TicketForm(request.POST)
    if not form.is_valid():
        context = {"question": question, "form": form, "bridge": selectors.bridge_for(request.user)}
        return render(request, "helpdesk/ticket_form.html", context, status=400)
    ticket, requested = services.ticket_request(
        escalation=escalation, staff_user=request.user, note=form.cleaned_data["ticket_note"]
    )
    if request.htmx:
        return ticket_panel_response(request, question_id)
    (messages.success if requested else messages.info)(request, ticket_message(ticket, requested))
    return redirect(follow_up(question))


@require_GET
def ticket_panel(request, question_id: int):
    """The ticket panel as it is now: the thread page polls it (htmx) while a ticket opens."""
    question, refusal = staff_question(request, question_id)
    if refusal:
        return refusal
    permissions.allow_see_ticket(request.user)
    return ticket_panel_response(request, question.pk)


def ticket_panel_response(request, question_id: int):
    question = selectors.question_with_ticket(question_id)
    return render(request, PANEL, {"question": question, "escalation": getattr(question, "escalation", None)})


@csrf_exempt  # signed by the helpdesk instead: there is no session to forge
@require_POST
def callback(request):
    """The helpdesk's status callback (README, "Helpdesk bridge"). 200 with what was applied;
    400 with the reason for a bad signature or body; 404 for a ticket no thread has."""
    adapter = adapters.current()
    if adapter is None:
        return JsonResponse({"error": "No helpdesk is connected to this site."}, status=404)
    try:
        update = adapter.parse_callback(request.headers, request.body)
        result = services.ticket_callback(adapter=adapter, callback=update)
    except adapters.CallbackError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except services.UnknownTicket as error:
        return JsonResponse({"error": str(error)}, status=404)
    return JsonResponse(result)
