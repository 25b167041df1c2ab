"""Reads for the console's webhook pages, each in a fixed number of queries."""

import json

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

from integrations.models import Attempt, Delivery, DeliveryStatus, WebhookEndpoint

DELIVERIES_PER_PAGE = 25


def endpoints():
    """Every endpoint with its owner, how many deliveries wait and when the last was recorded:
    one query."""
    return (
        WebhookEndpoint.objects.select_related("owner")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            paused=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PAUSED)),
            last_event_at=Max("deliveries__created_at"),
        )
        .order_by("pk")
    )


def endpoint(pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)


def endpoint_summary(pk: int) -> WebhookEndpoint:
    """One endpoint as the list shows it (owner, waiting deliveries, last event): one query."""
    return get_object_or_404(endpoints(), pk=pk)


def deliveries(endpoint: WebhookEndpoint):
    """The endpoint's deliveries, newest first, with their events (without the bodies)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .defer("event__body")
        .order_by("-created_at", "-pk")
    )


def deliveries_with_attempts(endpoint: WebhookEndpoint):
    """The delivery log with each delivery's attempts and who asked for a redelivery: three
    queries a page, however many deliveries and attempts (the API's log)."""
    return deliveries(endpoint).select_related("requested_by").prefetch_related("attempt_rows")


def delivery_log(endpoint: WebhookEndpoint, page_number=None) -> Page:
    """The endpoint's deliveries, newest first, with their events: two queries a page."""
    return Paginator(deliveries(endpoint), DELIVERIES_PER_PAGE).get_page(page_number)


def delivery(endpoint: WebhookEndpoint, pk: int) -> Delivery:
    return get_object_or_404(
        Delivery.objects.select_related("event", "requested_by", "redelivery_of"), endpoint=endpoint, pk=pk
    )


def attempts(delivery: Delivery) -> list[Attempt]:
    return list(Attempt.objects.filter(delivery=delivery).order_by("number"))


def redeliveries(delivery: Delivery) -> list[Delivery]:
    return list(delivery.redeliveries.order_by("pk").only("pk", "status", "created_at"))


def pretty_body(delivery: Delivery) -> str:
    """The body as sent, indented for reading (the bytes sent are compact)."""
    return json.dumps(json.loads(delivery.event.body), indent=2, ensure_ascii=False)
