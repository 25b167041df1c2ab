"""/api/v1/webhooks/: community managers' webhook endpoints, as the console's /manage/webhooks/
pages run them: register, read, edit, delete; rotate the signing secret; disable and enable;
send a test ping; each endpoint's delivery log (newest first, every attempt) and redelivering.

Every call needs a key with the `manage` scope (or the session of a community manager), and
asks integrations.permissions.allow_manage_webhooks, as the console does; writes are
integrations.services' own verbs, with the caller as the actor, so each change is in the audit
log exactly as from the console. A secret is only ever in the answer that made it (registering,
rotating), never cached (`Cache-Control: no-store`) and never read back."""

import json
from collections.abc import Mapping

from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import ApiKey
from accounts.selectors import mark_moderators
from api.resources.posts import validated
from api.resources.reading import PagedReads
from api.serializers import AuthorSerializer, absolute
from integrations import selectors, services
from integrations.models import PING, DeliveryStatus, EventType
from integrations.permissions import allow_manage_webhooks

MANAGE = dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), ApiKey.Scope.MANAGE)
EVENT_TYPES = {"type": "array", "items": {"type": "string", "enum": EventType.values}}


def console_url(request, name: str, **kwargs) -> str:
    return absolute(request, reverse(f"console:{name}", kwargs=kwargs))


# --- Output --------------------------------------------------------------------------------------


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="Where the events are POSTed.")
    description = serializers.CharField()
    event_types = serializers.SerializerMethodField()
    active = serializers.BooleanField(help_text="false: disabled; nothing is sent, deliveries wait paused.")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(help_text="By whom, or after a day of failures; empty if active.")
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="The first failed attempt since the last success (a day of it disables)."
    )
    rotating = serializers.BooleanField(
        help_text="After a rotation, the old secret still signs too (a second v1= in the signature)."
    )
    previous_secret_expires_at = serializers.SerializerMethodField()
    owner = AuthorSerializer(allow_null=True, help_text="Who registered it (told if it is disabled).")
    created_at = serializers.DateTimeField()
    pending = serializers.IntegerField(help_text="Deliveries waiting to be sent or retried.")
    paused = serializers.IntegerField(help_text="Deliveries waiting for the endpoint to be enabled.")
    last_event_at = serializers.DateTimeField(
        allow_null=True, help_text="When its last delivery was recorded."
    )
    deliveries = serializers.SerializerMethodField()
    console_url = serializers.SerializerMethodField()

    @extend_schema_field(EVENT_TYPES)
    def get_event_types(self, endpoint) -> list[str]:
        return list(endpoint.event_types)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_previous_secret_expires_at(self, endpoint):
        """Until when the old secret signs too; null when it does not."""
        return (
            serializers.DateTimeField().to_representation(endpoint.previous_secret_expires_at)
            if endpoint.rotating
            else None
        )

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_deliveries(self, endpoint) -> str:
        """Its delivery log in the API."""
        path = reverse("api:webhook-deliveries", kwargs={"pk": endpoint.pk})
        return absolute(self.context.get("request"), path)

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_console_url(self, endpoint) -> str:
        """Its page in the console."""
        return console_url(self.context.get("request"), "webhook", pk=endpoint.pk)


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): only in this answer. Give it to the receiver."
    )


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 for the first try, as Commonplace-Delivery-Attempt.")
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True, help_text="null: no HTTP answer (see error).")
    error = serializers.CharField(help_text="A refused address or a network failure; empty otherwise.")
    response_excerpt = serializers.CharField(help_text="The first 2,000 characters of the answer.")
    succeeded = serializers.BooleanField()


STATES = ("queued", "sending", "retrying", "delivered", "failed", "paused")


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Sent as Commonplace-Delivery-Id.")
    event_id = serializers.UUIDField(help_text="Sent as Commonplace-Event-Id: the same on every redelivery.")
    event_type = serializers.CharField(source="event.type", help_text="An event type, or ping.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    state = serializers.SerializerMethodField()
    state_label = serializers.CharField(help_text="As the console's log says it.")
    created_at = serializers.DateTimeField(help_text="When it was recorded.")
    attempt_count = serializers.IntegerField(source="attempts")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.IntegerField(
        source="redelivery_of_id", allow_null=True, help_text="The delivery this one sends again."
    )
    requested_by = AuthorSerializer(allow_null=True, help_text="Who asked (a ping or a redelivery).")
    attempts = AttemptSerializer(many=True, source="attempt_rows.all")
    console_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, delivery) -> str:
        """queued, sending or retrying while pending; then delivered, failed or paused."""
        return delivery.state_label.split()[0].lower()

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_console_url(self, delivery) -> str:
        """Its page in the console."""
        return console_url(
            self.context.get("request"), "webhook_delivery", pk=delivery.endpoint_id, delivery_pk=delivery.pk
        )


class DeliveryDetailSerializer(DeliverySerializer):
    payload = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_payload(self, delivery) -> dict:
        """The body sent (the event's envelope: id, type, created_at, data)."""
        return json.loads(delivery.event.body)


# --- Input ----------------------------------------------------------------------------------------


@extend_schema_field({**EVENT_TYPES, "minItems": 1})
class EventTypesField(serializers.ListField):
    """Validated by the service, which names any unknown type, as the console does."""

    child = serializers.CharField()


class ObjectInput(serializers.Serializer):
    # A body that must be a JSON object, refused as the other resources' input refuses it (no
    # docstring: the schema would show it on every input built on this).

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return super().to_internal_value(data)


REQUIRED_URL = "Give the address that receives the events (https://…)."
NO_EVENT = "Choose at least one event to send."


class EndpointInput(ObjectInput):
    """Types are checked here; what the values may be is the service's to say (the console's
    sentences: the address, where it resolves, the events)."""

    url = serializers.CharField(
        trim_whitespace=False,
        error_messages={"required": REQUIRED_URL, "blank": REQUIRED_URL, "null": REQUIRED_URL},
        help_text="http(s)://, no credentials, resolving only to public addresses; up to 500 characters.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Up to 200 characters."
    )
    event_types = EventTypesField(
        error_messages={"required": NO_EVENT, "null": NO_EVENT},
        help_text="The events to send.",
    )


class RotateInput(ObjectInput):
    keep_previous = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Keep signing with the old secret too for 24 hours, while the receiver switches "
        "(default); false stops it at once.",
    )


def secret_answer(request, endpoint_id: int, **kwargs) -> Response:
    """The endpoint with its secret, as it is now: never stored by a cache on the way."""
    endpoint = selectors.endpoint_summary(endpoint_id)
    response = Response(EndpointWithSecretSerializer(endpoint, context={"request": request}).data, **kwargs)
    add_never_cache_headers(response)
    return response


# --- The resource ---------------------------------------------------------------------------------

NOT_CACHED = "The answer is `Cache-Control: no-store`: the secret is nowhere else."
SWITCHED = "Nothing changes if it already was; the endpoint as it is now."


def on_a_delivery(method: str, suffix: str, *, name: str):
    """An action on one delivery of the endpoint: webhooks/<id>/deliveries/<delivery_id><suffix>/."""
    return action(
        detail=True,
        methods=[method],
        url_path=f"deliveries/<int:delivery_id>{suffix}",
        url_name=name,
        pagination_class=None,
    )


class WebhookViewSet(PagedReads, viewsets.GenericViewSet):
    """Webhook endpoints (community managers, with the manage scope)."""

    serializer_class = EndpointSerializer
    lookup_value_converter = "int"
    required_scopes = MANAGE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allow_manage_webhooks(request.user)  # the console's rule, before anything is looked up

    def shown(self, endpoint_id: int, **kwargs) -> Response:
        endpoint = selectors.endpoint_summary(endpoint_id)
        return Response(self.get_serializer(endpoint).data, **kwargs)

    @extend_schema(summary="Webhook endpoints (community managers)")
    def list(self, request):
        return self.paged(selectors.endpoints(), people=lambda endpoint: [endpoint.owner])

    @extend_schema(
        summary="Register a webhook endpoint (community managers)",
        description=f"The answer carries the new signing secret. {NOT_CACHED}",
        request=EndpointInput,
        responses={201: EndpointWithSecretSerializer},
    )
    def create(self, request):
        data = validated(EndpointInput, request.data)
        endpoint = services.endpoint_create(actor=request.user, **data)
        location = reverse("api:webhook-detail", kwargs={"pk": endpoint.pk})
        return secret_answer(
            request, endpoint.pk, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(summary="One webhook endpoint (community managers)")
    def retrieve(self, request, pk):
        return self.shown(int(pk))

    def _edit(self, request, pk, *, partial_edit: bool):
        endpoint = selectors.endpoint(int(pk))
        data = request.data
        if partial_edit and isinstance(data, Mapping):
            current = {
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": endpoint.event_types,
            }
            data = {**current, **data}
        values = validated(EndpointInput, data)
        services.endpoint_update(actor=request.user, endpoint=endpoint, **values)
        return self.shown(endpoint.pk)

    @extend_schema(
        summary="Change a webhook endpoint (every field; community managers)",
        request=EndpointInput,
    )
    def update(self, request, pk):
        return self._edit(request, pk, partial_edit=False)

    @extend_schema(
        summary="Change a webhook endpoint (the fields sent; community managers)",
        request=EndpointInput(partial=True),
    )
    def partial_update(self, request, pk):
        return self._edit(request, pk, partial_edit=True)

    @extend_schema(
        summary="Delete a webhook endpoint with its delivery log (community managers)",
        request=None,
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def destroy(self, request, pk):
        services.endpoint_delete(actor=request.user, endpoint=selectors.endpoint(int(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate a webhook endpoint's signing secret (community managers)",
        description=f"The answer carries the new secret. {NOT_CACHED}",
        request=RotateInput,
        responses=EndpointWithSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", pagination_class=None)
    def rotate_secret(self, request, pk):
        keep = validated(RotateInput, request.data)["keep_previous"]
        endpoint = selectors.endpoint(int(pk))
        services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint, keep_previous=keep)
        return secret_answer(request, endpoint.pk)

    @extend_schema(
        summary="Disable a webhook endpoint: nothing is sent, waiting deliveries pause (community managers)",
        description=SWITCHED,
        request=None,
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def disable(self, request, pk):
        return self.switched(request, pk, services.endpoint_disable)

    @extend_schema(
        summary="Enable a webhook endpoint: paused deliveries resume (community managers)",
        description=SWITCHED,
        request=None,
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def enable(self, request, pk):
        return self.switched(request, pk, services.endpoint_enable)

    def switched(self, request, pk, service) -> Response:
        """Disable or enable (idempotent: the service returns whether it changed anything)."""
        endpoint = selectors.endpoint(int(pk))
        service(actor=request.user, endpoint=endpoint)
        return self.shown(endpoint.pk)

    def delivery_created(self, request, delivery) -> Response:
        delivery = selectors.delivery(delivery.endpoint, delivery.pk)
        location = reverse(
            "api:webhook-delivery", kwargs={"pk": delivery.endpoint_id, "delivery_id": delivery.pk}
        )
        data = DeliveryDetailSerializer(delivery, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary=f"Send a test {PING} to a webhook endpoint (community managers)",
        description="The answer is its delivery, on its way.",
        request=None,
        responses={201: DeliveryDetailSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def ping(self, request, pk):
        delivery = services.endpoint_ping(actor=request.user, endpoint=selectors.endpoint(int(pk)))
        return self.delivery_created(request, delivery)

    @extend_schema(
        summary="A webhook endpoint's delivery log, newest first, with every attempt (community managers)",
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk):
        endpoint = selectors.endpoint(int(pk))
        return self.paged(
            selectors.deliveries_with_attempts(endpoint), people=lambda delivery: [delivery.requested_by]
        )

    def delivery_of(self, pk, delivery_id):
        """One of the endpoint's deliveries, else 404 (another endpoint's too)."""
        return selectors.delivery(selectors.endpoint(int(pk)), int(delivery_id))

    @extend_schema(
        summary="One delivery, with its payload and attempts (community managers)",
        responses=DeliveryDetailSerializer,
    )
    @on_a_delivery("get", "", name="delivery")
    def delivery(self, request, pk, delivery_id):
        delivery = self.delivery_of(pk, delivery_id)
        mark_moderators([delivery.requested_by])
        return Response(DeliveryDetailSerializer(delivery, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Send a delivery's event again, with the same event id (community managers)",
        description="The answer is the new delivery, on its way.",
        request=None,
        responses={201: DeliveryDetailSerializer},
    )
    @on_a_delivery("post", "/redeliver", name="redeliver")
    def redeliver(self, request, pk, delivery_id):
        redelivery = services.delivery_redeliver(
            actor=request.user, delivery=self.delivery_of(pk, delivery_id)
        )
        return self.delivery_created(request, redelivery)
