"""Sending webhook deliveries: claim, sign, POST, record, schedule the next attempt.

A delivery is claimed under a short lease (`sending_until`) in a transaction of its own, sent
with no transaction open (a slow receiver holds no lock), and its attempt recorded in a second
transaction. So a delivered row is never sent again, a row another worker holds (locked, or
leased) is skipped, and a worker that dies mid-request leaves a lease that runs out, after which
the sweep sends the delivery again: delivery is at least once, and receivers de-duplicate by the
event id, which every retry and redelivery repeats.
"""

import logging
import re
import time
from dataclasses import dataclass

import requests
from django.db import transaction
from django.utils import timezone

from integrations import outbound, services, signing
from integrations.models import Attempt, Delivery, DeliveryStatus, Event, WebhookEndpoint
from integrations.schedule import DISABLE_AFTER, LEASE, LOG_KEPT, TIMEOUT, retry_delay

log = logging.getLogger(__name__)

SWEEP_AT_MOST = 500  # deliveries queued by one sweep; the next one takes the rest
PRUNE_AT_MOST = 1000  # old deliveries forgotten by one sweep
ERROR_MAX = 500


@dataclass(frozen=True)
class Result:
    status: int | None  # the HTTP status, or None when no answer came
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        return f"HTTP {self.status}" if self.status is not None else self.error


def signature(endpoint: WebhookEndpoint, body: bytes, now) -> str:
    """`t=<seconds>,v1=<hex>`, with a second v1 made with the previous secret while a rotation's
    grace lasts (signing.verify accepts any one that matches)."""
    timestamp = int(now.timestamp())
    current, *previous = endpoint.signing_secrets(now)
    header = signing.signature_header(current, body, timestamp=timestamp)
    return ",".join([header, *(f"v1={signing.digest(secret, timestamp, body)}" for secret in previous)])


def headers(delivery: Delivery, body: bytes, now) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Commonplace-Event": delivery.event.type,
        "Commonplace-Event-Id": str(delivery.event_id),
        "Commonplace-Delivery-Id": str(delivery.pk),
        "Commonplace-Delivery-Attempt": str(delivery.attempts + 1),
        signing.SIGNATURE_HEADER: signature(delivery.endpoint, body, now),
    }


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due and nobody else is sending it. Returns what happened:
    "delivered", "failed" (an attempt that will be retried or was the last), or "skipped"."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    body = delivery.event.body.encode()
    started_at = timezone.now()
    clock = time.monotonic()
    try:
        sent = outbound.send(
            "POST",
            delivery.endpoint.url,
            body=body,
            headers=headers(delivery, body, started_at),
            timeout=TIMEOUT,
        )
    except outbound.OutboundRefused as refused:
        result = Result(None, error=f"Refused before sending: {refused}")
    except requests.ConnectTimeout:
        result = Result(None, error=f"Could not connect within {TIMEOUT[0]} seconds.")
    except requests.Timeout:
        result = Result(None, error=f"No answer within {TIMEOUT[1]} seconds of connecting.")
    except (requests.RequestException, OSError) as failure:
        result = Result(None, error=_reason(failure))
    else:
        result = Result(sent.status, excerpt=sent.body)
    result = Result(result.status, result.error[:ERROR_MAX], result.excerpt, _elapsed_ms(clock))
    return _record(delivery, started_at, result)


def _elapsed_ms(clock: float) -> int:
    return int((time.monotonic() - clock) * 1000)


def _reason(failure: Exception) -> str:
    """A network failure in a sentence: the innermost cause says the most (refused, reset...)."""
    cause, seen = failure, set()
    while id(cause) not in seen:
        seen.add(id(cause))
        inner = [cause.__cause__, getattr(cause, "reason", None), *cause.args[:1]]
        inner = [each for each in inner if isinstance(each, BaseException)]
        if not inner:
            break
        cause = inner[0]
    if isinstance(cause, outbound.OutboundRefused):
        return f"Refused before sending: {cause}"
    # urllib3 names its connection object first ("GuardedHTTPConnection(host=..., port=...): ...").
    text = re.sub(r"^\w+\(host=[^)]*\): (Failed to establish a new connection: )?", "", str(cause))
    return f"Could not connect: {text}"


def _claim(delivery_id: int) -> Delivery | None:
    """Take the delivery's lease, or None: delivered or given up, paused, not due yet (a stale
    message: an earlier one already tried it), locked by another worker, or leased to one."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None or delivery.next_attempt_at is None or delivery.next_attempt_at > now:
            return None
        if delivery.sending_until is not None and delivery.sending_until > now:
            return None
        if not delivery.endpoint.active:  # disabled while this waited in the queue
            delivery.status, delivery.enqueued_at = DeliveryStatus.PAUSED, None
            delivery.save(update_fields=["status", "enqueued_at"])
            return None
        delivery.sending_until, delivery.enqueued_at = now + LEASE, None
        delivery.save(update_fields=["sending_until", "enqueued_at"])
        return delivery


@transaction.atomic
def _record(claimed: Delivery, started_at, result: Result) -> str:
    """The attempt, the delivery's new state and the endpoint's health, in one transaction. The
    endpoint is locked before the delivery, in the order disabling takes them."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=claimed.endpoint_id).first()
    delivery = Delivery.objects.select_for_update().filter(pk=claimed.pk).first()
    if endpoint is None or delivery is None:  # deleted while the request was out
        return "skipped"
    now = timezone.now()
    delivery.attempts += 1
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=result.duration_ms,
        status_code=result.status,
        error=result.error,
        response_excerpt=result.excerpt,
        succeeded=result.succeeded,
    )
    delivery.last_attempt_at, delivery.last_status_code, delivery.sending_until = now, result.status, None
    if result.succeeded:
        # Delivered is delivered, even if the endpoint was disabled while the request was out.
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif delivery.status == DeliveryStatus.PENDING:
        delay = retry_delay(delivery.attempts)
        if delay is None:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + delay
    delivery.save()
    _endpoint_health(endpoint, result, now)
    return "delivered" if result.succeeded else "failed"


def _endpoint_health(endpoint: WebhookEndpoint, result: Result, now) -> None:
    """A success ends a failing spell; a failure starts one, and one that has lasted a day
    disables the endpoint and tells its owner."""
    if result.succeeded:
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    elif endpoint.active and now - endpoint.failing_since >= DISABLE_AFTER:
        services.disable(
            endpoint,
            reason=f"every delivery has failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC "
            f"(the last: {result.describe()})",
        )


def sweep(now=None) -> int:
    """Queue what is due and not on its way: retries whose time has come, and deliveries whose
    message never reached the queue (the broker was down at the commit) or was lost. Returns how
    many were queued."""
    now = now or timezone.now()
    due = Delivery.objects.due(now).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:SWEEP_AT_MOST])
    if ids:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        services.enqueue(ids)
        log.info("Queued %d webhook deliveries.", len(ids))
    return len(ids)


def prune(now=None) -> int:
    """Forget deliveries older than LOG_KEPT that are not pending (with their attempts), and the
    events no delivery names any more; a bounded batch per run. Returns how many went."""
    now = now or timezone.now()
    old = Delivery.objects.filter(created_at__lt=now - LOG_KEPT).exclude(status=DeliveryStatus.PENDING)
    ids = list(old.order_by("pk").values_list("pk", flat=True)[:PRUNE_AT_MOST])
    if not ids:
        return 0
    event_ids = set(Delivery.objects.filter(pk__in=ids).values_list("event_id", flat=True))
    Delivery.objects.filter(pk__in=ids).delete()
    Event.objects.filter(pk__in=event_ids, deliveries__isnull=True).delete()
    return len(ids)
