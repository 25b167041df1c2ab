"""/api/v1/escalations/: private follow-ups, staff's care work (insights.permissions.
allow_escalate, the one rule in which staff status counts): the list, the longest-waiting
first; one follow-up, with its helpdesk ticket (helpdesk.selectors, shown as the thread's staff
panel shows it); taking a thread to private follow-up; posting its public outcome, which closes
the loop. The same services as the thread page's staff forms (insights.services), so the thread
shows the same notice, the audit log the same line, and answers keep their credit."""

from collections.abc import Mapping

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import mark_moderators
from api.resources.posts import validated
from api.resources.reading import PagedReads, parsed
from api.serializers import AuthorSerializer, FormSerializer, absolute
from forum import selectors as forum_selectors
from helpdesk import selectors as helpdesk_selectors
from helpdesk import services as helpdesk_services
from helpdesk.forms import TICKET_NOTE_MAX, TicketForm
from helpdesk.models import Status as TicketStatus
from helpdesk.permissions import allow_open_ticket, can_see_ticket
from insights import permissions, selectors, services
from insights.forms import EscalationForm, OutcomeForm
from insights.models import Escalation

MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField): a larger number names nothing


class EscalationListQuery(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=Escalation.State.choices, required=False, help_text="open: waiting for its outcome."
    )
    question = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only the follow-up of this question."
    )


class TicketSerializer(serializers.Serializer):
    """The follow-up's ticket in the company's helpdesk, as the thread's staff panel shows it."""

    id = serializers.CharField(
        source="external_id", allow_null=True, help_text="The helpdesk's ticket id; null until it is opened."
    )
    helpdesk = serializers.CharField(source="helpdesk_name", help_text="Which helpdesk (its name).")
    status = serializers.ChoiceField(
        choices=TicketStatus.choices,
        allow_null=True,
        help_text="As the helpdesk last said; null until opened.",
    )
    url = serializers.URLField(allow_null=True, help_text="Where agents open it in the helpdesk.")
    opened_at = serializers.DateTimeField(allow_null=True)
    last_status_at = serializers.DateTimeField(allow_null=True, help_text="When the status last changed.")
    error = serializers.CharField(
        source="last_error",
        allow_null=True,
        help_text="Why the last try to open it failed (it is tried again, or staff try again); null "
        "once opened, or before any try failed.",
    )

    def to_representation(self, ticket) -> dict:
        data = super().to_representation(ticket)
        # Empty strings in the row are "not yet" (not opened, no error): null, as documented.
        return {name: (None if value == "" else value) for name, value in data.items()}


class EscalationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question_id = serializers.IntegerField()
    question_title = serializers.CharField(source="question.title")
    state = serializers.ChoiceField(
        choices=Escalation.State.choices,
        help_text="open: waiting for its outcome; resolved: the outcome is posted.",
    )
    opened_by = AuthorSerializer()
    opened_at = serializers.DateTimeField()
    note = serializers.CharField(help_text="The public note shown on the thread (may be empty).")
    outcome = serializers.CharField(help_text="The public outcome, Markdown; empty while open.")
    outcome_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    outcome_by = AuthorSerializer(allow_null=True)
    outcome_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()
    ticket = serializers.SerializerMethodField()

    def get_url(self, escalation) -> str:
        """The thread's follow-up notice."""
        return absolute(self.context.get("request"), f"{escalation.question.get_absolute_url()}#follow-up")

    @extend_schema_field(TicketSerializer(allow_null=True))
    def get_ticket(self, escalation) -> dict | None:
        """Its helpdesk ticket (staff only, as on the thread); null when none was asked for."""
        request = self.context.get("request")
        ticket = helpdesk_selectors.ticket_of(escalation)
        if ticket is None or request is None or not can_see_ticket(request.user):
            return None
        return TicketSerializer(ticket).data


class EscalationInput(FormSerializer):
    form_class = EscalationForm
    question_id = serializers.IntegerField(help_text="The question to take to private follow-up.")
    note = serializers.CharField(
        required=False, help_text="Public, up to 300 characters: no account details."
    )

    def to_internal_value(self, data):
        errors, values = {}, {}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(data, Mapping):
                raise
            errors.update(error.detail)
        try:
            values["question_id"] = QUESTION_ID.run_validation(data.get("question_id", serializers.empty))
        except serializers.ValidationError as error:
            errors["question_id"] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return values


QUESTION_ID = serializers.IntegerField(
    min_value=1,
    max_value=MAX_ID,
    error_messages={"required": "Say which question: its number.", "invalid": "Give the question's number."},
)


class OutcomeInput(FormSerializer):
    form_class = OutcomeForm
    outcome = serializers.CharField(
        help_text="Markdown, 20 to 5,000 characters: what was done, so the next person with this "
        "problem finds it on the thread."
    )


class TicketInput(FormSerializer):
    form_class = TicketForm
    ticket_note = serializers.CharField(
        required=False,
        help_text=f"Private, up to {TICKET_NOTE_MAX:,} characters: only the care team reads it, in the "
        "helpdesk (account details may go here).",
    )


class EscalationViewSet(PagedReads, viewsets.GenericViewSet):
    """Private follow-ups (staff)."""

    serializer_class = EscalationSerializer
    lookup_value_converter = "int"

    def shown(self, pk: int, **kwargs) -> Response:
        escalation = helpdesk_selectors.escalation_with_ticket(pk, self.request.user)
        mark_moderators([escalation.opened_by, escalation.outcome_by])
        return Response(self.get_serializer(escalation).data, **kwargs)

    @extend_schema(
        parameters=[EscalationListQuery], summary="Private follow-ups (staff; longest-waiting first)"
    )
    def list(self, request):
        permissions.allow_escalate(request.user)
        query = parsed(EscalationListQuery, request)
        escalations = helpdesk_selectors.with_tickets(
            selectors.escalation_list(
                request.user, state=query.get("state"), question_id=query.get("question")
            )
        )
        return self.paged(
            escalations, people=lambda escalation: [escalation.opened_by, escalation.outcome_by]
        )

    @extend_schema(summary="One private follow-up (staff)")
    def retrieve(self, request, pk):
        permissions.allow_escalate(request.user)
        return self.shown(int(pk))

    @extend_schema(
        summary="Take a thread to private follow-up (staff)",
        request=EscalationInput,
        responses={201: EscalationSerializer, 200: EscalationSerializer},
    )
    def create(self, request):
        permissions.allow_escalate(request.user)
        data = validated(EscalationInput, request.data)
        question = forum_selectors.question_get(data["question_id"])
        escalation, created = services.escalation_open(
            question=question, staff_user=request.user, note=data["note"]
        )
        return self.shown(
            escalation.pk,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:escalation-detail", kwargs={"pk": escalation.pk})},
        )

    @extend_schema(summary="Post the public outcome, closing the loop (staff)", request=OutcomeInput)
    @action(detail=True, methods=["post"], pagination_class=None)
    def outcome(self, request, pk):
        permissions.allow_escalate(request.user)
        escalation = selectors.escalation_get(int(pk), request.user)
        outcome = validated(OutcomeInput, request.data)["outcome"]
        services.escalation_resolve(question=escalation.question, staff_user=request.user, outcome=outcome)
        return self.shown(escalation.pk)

    @extend_schema(
        summary="Open the follow-up's ticket in the helpdesk, or try again (staff)",
        description="The ticket is opened after the answer, by a task, as from the thread's panel: "
        "202 while it is being opened (read the follow-up for its id and status), 200 when it "
        "already was, or a try is under way.",
        request=TicketInput,
        responses={202: EscalationSerializer, 200: EscalationSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def ticket(self, request, pk):
        allow_open_ticket(request.user)
        escalation = selectors.escalation_get(int(pk), request.user)
        note = validated(TicketInput, request.data)["ticket_note"]
        _, requested = helpdesk_services.ticket_request(
            escalation=escalation, staff_user=request.user, note=note
        )
        return self.shown(escalation.pk, status=status.HTTP_202_ACCEPTED if requested else status.HTTP_200_OK)
