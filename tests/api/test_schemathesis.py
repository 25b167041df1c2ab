"""Schemathesis against the API's own OpenAPI schema: every operation, with generated input,
must never answer a 5xx, and every response must match the schema (errors included).

The schema is served by the app itself (/api/v1/schema/) and the requests go straight to the
WSGI application, inside this test's database transaction. A seeded world gives the ids in the
paths real questions, answers and comments, so reads return real objects and writes meet real
rules; the caller is a moderator and community manager with a key of every scope, so every
operation's success path can be reached (and its refusals too, as the generated input varies).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from forum import services
from tests.api.conftest import any_scope_key
from tests.factories import CommunityManagerFactory, UserFactory, make_answer, make_question

# Small: the whole run stays well under two minutes with every operation covered.
EXAMPLES = 12


@pytest.fixture
def seeded(db, settings):
    settings.COMMONPLACE_API_READ_RATE = ""  # thousands of calls in a minute: no throttling here
    settings.COMMONPLACE_API_WRITE_RATE = ""
    caller = CommunityManagerFactory(reputation=5000)
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
    SEEDED_IDS.update(
        questions=[q.pk for q in [*questions, mine]],
        answers=[a.pk for a in answers],
        comments=[c.pk for c in comments],
    )
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
SEEDED_IDS: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Ids in paths name the seeded objects of the path's resource."""
    if not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    resource = context.operation.path.split("/")[3]
    return st.sampled_from(SEEDED_IDS[resource]).map(lambda pk: {**path_parameters, "id": pk})


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
        checks=[not_a_server_error, response_schema_conformance],
    )
