"""Endpoints registered through the service, and a real receiver on loopback for them."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Delivery, DeliveryStatus, EventType
from tests.factories import CommunityManagerFactory
from tests.integrations.receiver import running_receiver


@pytest.fixture
def receiver(settings):
    """Loopback is private, so the test allows private addresses
    (COMMONPLACE_OUTBOUND_ALLOW_PRIVATE), as an operator would for a receiver on their own
    network."""
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    with running_receiver() as running:
        yield running


@pytest.fixture
def manager(db):
    return CommunityManagerFactory(username="casey", display_name="Casey")


@pytest.fixture
def endpoint(receiver, manager):
    """An endpoint for every event type, its secret given to the receiver."""
    endpoint = services.endpoint_create(
        actor=manager, url=receiver.url, description="The CRM", event_types=EventType.values
    )
    receiver.secret = endpoint.secret
    return endpoint


def make_due() -> int:
    """Time travel: every pending delivery's next attempt has come (rather than sleeping)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    return Delivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=past)
