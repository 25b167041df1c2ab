import base64
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest

from forum import services as forum_services
from integrations import signing
from tests.factories import StaffFactory, UserFactory, make_answer, make_question
from tests.helpdesk import fakes

CALLBACK = "/integrations/helpdesk/callback/"


@pytest.fixture
def helpdesk(settings):
    """The generic adapter, pointed at a fake helpdesk on loopback."""
    fake = fakes.connect_generic(settings)
    yield fake
    fake.stop()


@pytest.fixture
def zendesk(settings):
    """The Zendesk adapter, pointed at a fake Zendesk on loopback."""
    fake = fakes.FakeZendesk().start()
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    settings.COMMONPLACE_HELPDESK = "zendesk"
    settings.COMMONPLACE_HELPDESK_NAME = ""
    settings.COMMONPLACE_ZENDESK_URL = fake.url
    settings.COMMONPLACE_ZENDESK_EMAIL = fakes.ZENDESK_EMAIL
    settings.COMMONPLACE_ZENDESK_API_TOKEN = fakes.ZENDESK_TOKEN
    settings.COMMONPLACE_ZENDESK_WEBHOOK_SECRET = fakes.ZENDESK_WEBHOOK_SECRET
    yield fake
    fake.stop()


@pytest.fixture
def sam(db):
    return StaffFactory(username="sam", display_name="Sam")


@pytest.fixture
def thread(db, django_capture_on_commit_callbacks):
    """A question with an up-voted, accepted answer, its reputation applied to the ledger."""
    asker = UserFactory(username="alice", display_name="Alice")
    question = make_question(author=asker, title="Charged twice for one month of service")
    answer = make_answer(question, body="Check the invoices page: a pending charge drops off in 3 days.")
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.vote_cast(voter=UserFactory(), post=answer, value=1)
        forum_services.answer_accept_toggle(answer=answer, user=question.author)
    return question, answer


def generic_callback(client, payload, *, secret=fakes.GENERIC_SECRET, timestamp=None, header=None):
    """POST a status callback signed as the generic contract says."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if header is None:
        header = signing.signature_header(secret, body, timestamp=timestamp)
    return client.post(
        CALLBACK, body, content_type="application/json", headers={signing.SIGNATURE_HEADER: header}
    )


def zendesk_callback(client, payload, *, secret=fakes.ZENDESK_WEBHOOK_SECRET, signed_at=None):
    """POST a webhook signed as Zendesk signs them: base64(HMAC-SHA256(secret, timestamp + body))."""
    body = json.dumps(payload).encode()
    signed_at = signed_at or dt.datetime.fromtimestamp(int(time.time()), tz=dt.UTC)
    timestamp = signed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return client.post(
        CALLBACK,
        body,
        content_type="application/json",
        headers={
            "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        },
    )
