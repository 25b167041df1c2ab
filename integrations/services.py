"""Every write about webhooks. Keyword-only, atomic; the endpoint verbs take the acting person
first and ask integrations.permissions, so the console and the API call the same functions.

Each change to an endpoint is a line in the audit log (`webhook.*`, the endpoint as its target;
never its secret). Recording an event is done by the receivers (receivers.py) inside the fact's
transaction; sending is delivery.py's, after the commit.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import COMMUNITY_MANAGERS_GROUP, User
from integrations import outbound, payloads, signing
from integrations.models import PING, Delivery, DeliveryStatus, Event, EventType, WebhookEndpoint
from integrations.permissions import allow_manage_webhooks
from moderation import audit
from notifications.models import Kind
from notifications.services import notify
from queueing import publish

log = logging.getLogger(__name__)

URL_MAX = 500
DESCRIPTION_MAX = 200
# After a rotation the old secret keeps signing (beside the new one) for this long, unless the
# community manager ends it at once.
ROTATION_GRACE = dt.timedelta(hours=24)

# Audit-log actions (moderation.selectors.ACTION_LABELS names them).
CREATED, UPDATED, ROTATED = "webhook.created", "webhook.updated", "webhook.secret_rotated"
DISABLED, ENABLED, DELETED = "webhook.disabled", "webhook.enabled", "webhook.deleted"


# --- Recording events (called by the receivers, inside the fact's transaction) --------------------


def subscribers(event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints that chose this event type: one query (the table is small; the
    choice is a JSON list, filtered here so SQLite and PostgreSQL read it alike)."""
    endpoints = WebhookEndpoint.objects.filter(active=True).only("pk", "event_types")
    return [endpoint for endpoint in endpoints if endpoint.subscribes_to(event_type)]


def event_record(
    *, type: str, data: dict | Callable[[], dict], endpoints: list[WebhookEndpoint] | None = None
) -> Event | None:
    """Write the event and one delivery per subscribed active endpoint in the caller's
    transaction, and queue the deliveries once it commits. `data` may be a function, called only
    when someone subscribes. Nothing subscribed: nothing written, None."""
    endpoints = subscribers(type) if endpoints is None else endpoints
    if not endpoints:
        return None
    event = _event(type, data() if callable(data) else data)
    _deliveries(event, endpoints)
    return event


def _event(event_type: str, data: dict) -> Event:
    event = Event(type=event_type, created_at=timezone.now())
    event.body = payloads.envelope(
        event_id=event.pk, event_type=event_type, created_at=event.created_at, data=data
    )
    event.save(force_insert=True)
    return event


def _deliveries(event: Event, endpoints, *, requested_by=None, redelivery_of=None) -> list[Delivery]:
    now = timezone.now()
    rows = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event=event,
            requested_by=requested_by,
            redelivery_of=redelivery_of,
            created_at=now,
            next_attempt_at=now,
            enqueued_at=now,  # queued on commit; if that fails, the sweep queues it after a grace
        )
        for endpoint in endpoints
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue(ids), robust=True)
    return rows


def enqueue(delivery_ids: list[int]) -> None:
    """Put deliveries on the queue. A broker outage is only logged: the rows are safe, and the
    sweep (integrations.sweep_deliveries, every minute) queues them again."""
    from integrations.tasks import deliver

    for delivery_id in delivery_ids:
        publish(deliver, (delivery_id,), what=f"webhook delivery {delivery_id}; the sweep will")


# --- Endpoints -------------------------------------------------------------------------------------


def _clean(*, url: str, description: str, event_types) -> dict:
    """The values as stored, or ValidationError by field with the sentence to show."""
    url, description = (url or "").strip(), " ".join((description or "").split())
    errors = {}
    if not url:
        errors["url"] = "Give the address that receives the events (https://…)."
    elif len(url) > URL_MAX:
        errors["url"] = f"Keep the address under {URL_MAX} characters; it has {len(url)}."
    else:
        try:
            outbound.check_url(url)
        except outbound.OutboundRefused as refused:
            errors["url"] = str(refused)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description under {DESCRIPTION_MAX} characters."
    chosen = set(event_types or ())
    unknown = sorted(chosen - set(EventType.values))
    if unknown:
        errors["event_types"] = f"There is no event type {', '.join(unknown)}."
    elif not chosen:
        errors["event_types"] = "Choose at least one event to send."
    if errors:
        raise ValidationError(errors)
    # Kept in the catalogue's order, so a list compares equal however it was chosen.
    return {
        "url": url,
        "description": description,
        "event_types": [t for t in EventType.values if t in chosen],
    }


def _state(endpoint: WebhookEndpoint) -> dict:
    """What the audit log keeps of an endpoint: never its secret."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "active": endpoint.active,
    }


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def endpoint_create(*, actor, url: str, event_types, description: str = "") -> WebhookEndpoint:
    """Register an endpoint, owned by `actor`, with a new secret (shown to them in the console)."""
    allow_manage_webhooks(actor)
    values = _clean(url=url, description=description, event_types=event_types)
    endpoint = WebhookEndpoint.objects.create(**values, secret=signing.new_secret(), owner=actor)
    audit.record(moderator=actor, action=CREATED, target=endpoint, after=_state(endpoint))
    return endpoint


@transaction.atomic
def endpoint_update(
    *, actor, endpoint: WebhookEndpoint, url: str, event_types, description: str = ""
) -> tuple[WebhookEndpoint, bool]:
    """Change the address, description or events. Returns (endpoint, whether anything changed).
    Deliveries already recorded keep going to the endpoint, at its new address."""
    allow_manage_webhooks(actor)
    values = _clean(url=url, description=description, event_types=event_types)
    endpoint = _locked(endpoint)
    before = _state(endpoint)
    for name, value in values.items():
        setattr(endpoint, name, value)
    if _state(endpoint) == before:
        return endpoint, False
    if endpoint.url != before["url"]:
        endpoint.failing_since = None  # a new address starts with a clean record
    endpoint.save(update_fields=[*values, "failing_since"])
    audit.record(moderator=actor, action=UPDATED, target=endpoint, before=before, after=_state(endpoint))
    return endpoint, True


@transaction.atomic
def endpoint_rotate_secret(
    *, actor, endpoint: WebhookEndpoint, keep_previous: bool = True
) -> WebhookEndpoint:
    """A new secret. With `keep_previous`, deliveries carry a second signature made with the old
    secret for ROTATION_GRACE, so the receiver can switch to the new one without a gap."""
    allow_manage_webhooks(actor)
    endpoint = _locked(endpoint)
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret if keep_previous else ""
    endpoint.previous_secret_expires_at = now + ROTATION_GRACE if keep_previous else None
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    grace = f"the old one signs too until {payloads.moment(endpoint.previous_secret_expires_at)}"
    audit.record(
        moderator=actor,
        action=ROTATED,
        target=endpoint,
        reason=grace if keep_previous else "the old one stopped signing at once",
    )
    return endpoint


def endpoint_secret(*, actor, endpoint: WebhookEndpoint) -> str:
    """The secret, for the community manager who asks to see it again."""
    allow_manage_webhooks(actor)
    return endpoint.secret


@transaction.atomic
def endpoint_disable(*, actor, endpoint: WebhookEndpoint) -> bool:
    """Stop sending: no new deliveries are recorded for it, and pending ones are paused until it
    is enabled again. False when it already was disabled."""
    allow_manage_webhooks(actor)
    return disable(endpoint, reason=f"Disabled by {actor.name}", actor=actor)


def disable(endpoint: WebhookEndpoint, *, reason: str, actor=None) -> bool:
    """Disable the endpoint (a community manager, or delivery.py after a day of failures with
    actor None: then its owner is told). The caller holds a transaction."""
    switched = _switch(endpoint, active=False, actor=actor, reason=reason)
    if switched is None:
        return False
    if actor is None:
        _tell_owner_disabled(*switched)
    return True


@transaction.atomic
def endpoint_enable(*, actor, endpoint: WebhookEndpoint) -> bool:
    """Send again: paused deliveries are due at once (the sweep sends them within a minute, each
    where its retry schedule left off), and new events are recorded for it. False when it was
    already enabled."""
    allow_manage_webhooks(actor)
    return _switch(endpoint, active=True, actor=actor) is not None


def _switch(endpoint: WebhookEndpoint, *, active: bool, actor, reason: str = "") -> tuple | None:
    """Disable (pausing what waits) or enable (resuming it, due now) the endpoint, with its audit
    line. Returns (endpoint, deliveries paused or resumed), or None when it already was so."""
    endpoint = _locked(endpoint)
    if endpoint.active == active:
        return None
    before, now = _state(endpoint), timezone.now()
    endpoint.active = active
    endpoint.disabled_at, endpoint.disabled_reason = (None, "") if active else (now, reason[:300])
    endpoint.failing_since = None if active else endpoint.failing_since
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason", "failing_since"])
    if active:
        waiting = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PAUSED)
        moved = waiting.update(
            status=DeliveryStatus.PENDING, next_attempt_at=now, enqueued_at=None, sending_until=None
        )
        note = f"{moved} paused deliveries resumed"
    else:
        waiting = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
        moved = waiting.update(status=DeliveryStatus.PAUSED, enqueued_at=None)
        note = f"{reason}; {moved} pending deliveries paused"
    action = ENABLED if active else DISABLED
    audit.record(
        moderator=actor, action=action, target=endpoint, reason=note, before=before, after=_state(endpoint)
    )
    return endpoint, moved


def _tell_owner_disabled(endpoint: WebhookEndpoint, paused: int) -> None:
    """Its owner hears at once (notification and email, the "webhook" kind); if they can no
    longer manage webhooks (no longer a community manager, or gone), every community manager
    does, so that the endpoint is not forgotten."""
    owner = endpoint.owner
    if owner is not None and owner.is_active and owner.is_community_manager:
        recipients = [owner]
    else:
        recipients = list(
            User.objects.filter(
                Q(groups__name=COMMUNITY_MANAGERS_GROUP) | Q(is_superuser=True), is_active=True
            )
            .distinct()
            .values_list("pk", flat=True)
        )
    notify(
        recipients=recipients,
        kind=Kind.WEBHOOK,
        actor=None,
        text=f"The webhook endpoint {endpoint.url} was disabled: {endpoint.disabled_reason}. "
        f"{paused} deliveries wait; enable it again once it answers, and they resume.",
        url=reverse("console:webhook", kwargs={"pk": endpoint.pk}),
    )


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log (events no other endpoint received go too)."""
    allow_manage_webhooks(actor)
    endpoint = _locked(endpoint)
    audit.record(moderator=actor, action=DELETED, target=endpoint, before=_state(endpoint))
    event_ids = list(endpoint.deliveries.values_list("event_id", flat=True).distinct())
    endpoint.delete()
    Event.objects.filter(pk__in=event_ids, deliveries__isnull=True).delete()


# --- Deliveries -----------------------------------------------------------------------------------


def _allow_sending(endpoint: WebhookEndpoint) -> None:
    if not endpoint.active:
        raise ValidationError("This endpoint is disabled: enable it first.")


@transaction.atomic
def endpoint_ping(*, actor, endpoint: WebhookEndpoint) -> Delivery:
    """A `ping` event to this endpoint alone, sent at once like any delivery."""
    allow_manage_webhooks(actor)
    endpoint = _locked(endpoint)
    _allow_sending(endpoint)
    event = _event(PING, payloads.ping(endpoint, actor))
    [delivery] = _deliveries(event, [endpoint], requested_by=actor)
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor, delivery: Delivery) -> Delivery:
    """Send the delivery's event again, as a new delivery with the same event id (receivers that
    de-duplicate by Commonplace-Event-Id see it once), whatever became of the first."""
    allow_manage_webhooks(actor)
    endpoint = _locked(delivery.endpoint)
    _allow_sending(endpoint)
    [redelivery] = _deliveries(delivery.event, [endpoint], requested_by=actor, redelivery_of=delivery)
    return redelivery
