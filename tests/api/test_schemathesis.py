"""Schemathesis against the API's own OpenAPI schema: every operation, with generated input,
must never answer a 5xx, and every response must match the schema (errors included).

The schema is served by the app itself (/api/v1/schema/) and the requests go straight to the
WSGI application, inside this test's database transaction (so nothing after a commit runs: no
webhook or helpdesk request leaves the machine). A seeded world gives every kind of path
parameter real objects (SEEDED_IDS: questions, answers, comments, articles, the caller's own
notifications, escalations, webhook endpoints and their deliveries, copies of data, usernames,
tag slugs), so reads return real objects and writes meet real rules; the caller is a staff
member, moderator and community manager with a key of every scope, so every operation's success
path can be reached (and its refusals too, as the generated input varies).
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from forum import services
from helpdesk import services as helpdesk_services
from insights import services as insights_services
from integrations import services as webhook_services
from integrations.models import Attempt, EventType
from notifications.models import Notification
from privacy import export_services
from privacy.models import DataExport
from tests.api.conftest import any_scope_key
from tests.factories import CommunityManagerFactory, UserFactory, make_answer, make_question
from tests.kb.helpers import make_article

# Small: the whole run stays well under two minutes with every operation covered.
EXAMPLES = 12


@pytest.fixture
def seeded(db, settings):
    settings.COMMONPLACE_API_READ_RATE = ""  # thousands of calls in a minute: no throttling here
    settings.COMMONPLACE_API_WRITE_RATE = ""
    # Endpoints on loopback may be registered (nothing is ever sent: no commit happens here).
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    settings.COMMONPLACE_HELPDESK = "generic"
    settings.COMMONPLACE_HELPDESK_URL = "http://127.0.0.1:9/tickets"
    settings.COMMONPLACE_HELPDESK_SECRET = "whsec_schemathesis"
    caller = CommunityManagerFactory(reputation=5000, is_staff=True)
    asker = UserFactory(reputation=200)
    questions = [
        make_question(author=asker, title=f"Router question number {n} for testing") for n in range(3)
    ]
    mine = make_question(author=caller, title="The caller's own question about billing")
    answers = [make_answer(question) for question in questions] + [make_answer(mine)]
    comments = [
        services.comment_create(post=post, author=asker, body="Which model is it?")[0]
        for post in (questions[0], answers[0])
    ]
    article = make_article(title="Card declined when renewing my plan", tags=("billing",))
    escalations = [
        insights_services.escalation_open(question=question, staff_user=caller)[0]
        for question in questions[1:]
    ]
    helpdesk_services.ticket_request(escalation=escalations[0], staff_user=caller, note="Card 4242")
    endpoints = [
        webhook_services.endpoint_create(
            actor=caller, url=f"http://127.0.0.1:9/hooks/{n}", event_types=EventType.values
        )
        for n in range(2)
    ]
    deliveries = [webhook_services.endpoint_ping(actor=caller, endpoint=endpoint) for endpoint in endpoints]
    Attempt.objects.create(
        delivery=deliveries[0], number=1, started_at=timezone.now(), status_code=500, error=""
    )
    # A copy of the caller's data ready to download, and one of a member's still being prepared.
    ready = DataExport.objects.create(member=caller, requested_by=caller)
    export_services.export_build(export_id=ready.pk)
    pending = DataExport.objects.create(member=asker, requested_by=caller)
    SEEDED_IDS.clear()
    SEEDED_IDS.update(
        questions=[q.pk for q in [*questions, mine]],
        answers=[a.pk for a in answers],
        comments=[c.pk for c in comments],
        articles=[article.pk],
        notifications=list(Notification.objects.filter(recipient=caller).values_list("pk", flat=True)),
        escalations=[e.pk for e in escalations],
        webhooks=[e.pk for e in endpoints],
        deliveries=[{"id": d.endpoint_id, "delivery_id": d.pk} for d in deliveries],
        tags=["wifi", "billing"],
        users=[caller.username, asker.username],
        **{"data-exports": [ready.pk, pending.pk]},
    )
    assert all(SEEDED_IDS.values()), SEEDED_IDS
    return {"token": any_scope_key(caller)}


@pytest.fixture
def wsgi_requests_in_the_test_transaction():
    """Django's own test client does this too: a request must not close the connection that
    holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema as the app serves it (no database needed to build it). Generated cases are drawn
# when each test runs, after its fixtures: the hook below reads the ids seeded for that test.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
SEEDED_IDS: dict[str, list] = {}


def seeded_parameters(path: str) -> list[dict]:
    """Real values for the path's parameters: a delivery with the endpoint it belongs to, else
    the one parameter ({id}, {slug}, {username}) from the objects of the path's resource."""
    names = re.findall(r"{(\w+)}", path)
    if "delivery_id" in names:
        return SEEDED_IDS["deliveries"]
    [name] = names
    resource = path.split("/")[3]  # /api/v1/<resource>/...
    return [{name: value} for value in SEEDED_IDS[resource]]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Path parameters name seeded objects. Schemathesis (4.32.5) passes None, not {}, for an
    operation without any."""
    if not path_parameters:
        return st.just(path_parameters)
    seeded = seeded_parameters(context.operation.path)
    return st.sampled_from(seeded).map(lambda values: {**path_parameters, **values})


RECEIVER = "http://127.0.0.1:9/hooks/registered-by-schemathesis"


@schema.hook
def flatmap_body(context, body):
    """A webhook address that resolves is not something the fuzzer invents: half the bodies that
    register or edit an endpoint name a loopback one (allowed here), so those succeed too and
    their answers (the secret's included) are checked against the schema."""
    registering = context.operation.path.startswith("/api/v1/webhooks/") and "url" in (
        body if isinstance(body, dict) else {}
    )
    if not registering:
        return st.just(body)
    return st.sampled_from([body, {**body, "url": RECEIVER}])


def test_every_kind_of_path_parameter_is_seeded(seeded):
    operations = [result.ok() for result in schema.get_all_operations()]
    with_parameters = [operation.path for operation in operations if "{" in operation.path]
    assert len(with_parameters) > 30
    for path in with_parameters:
        values = seeded_parameters(path)
        assert values and set(values[0]) == set(re.findall(r"{(\w+)}", path)), path


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database written into the checkout
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_answers_without_a_server_error_and_as_its_schema_says(
    case, seeded, wsgi_requests_in_the_test_transaction
):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded['token']}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            status_code_conformance,
        ],
    )
