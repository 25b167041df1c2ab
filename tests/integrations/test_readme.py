"""The README's webhook docs are run, not only read: its Python snippet verifies real
signatures, and its example payload has the shape real events have."""

import json
import re
import time
from pathlib import Path

import pytest

from integrations import signing
from integrations.models import Event
from tests.factories import make_answer, make_question

README = Path(__file__).resolve().parents[2] / "README.md"


def webhooks_section() -> str:
    text = README.read_text()
    section = text[text.index("## Webhooks") :]
    return section[: section.index("\n## ", 1)]


def block(language: str) -> str:
    return re.search(rf"```{language}\n(.*?)```", webhooks_section(), re.S).group(1)


def test_the_readme_snippet_verifies_real_signatures():
    namespace: dict = {}
    exec(block("python"), namespace)  # noqa: S102 (our own README)
    verify = namespace["verify"]
    secret, body = (
        signing.new_secret(),
        b'{"id":"x","type":"ping","created_at":"2026-11-27T18:50:03Z","data":{}}',
    )
    header = signing.signature_header(secret, body)
    assert verify(secret, header, body)
    assert not verify(secret, header, body + b" ")
    assert not verify(signing.new_secret(), header, body)
    assert not verify(secret, signing.signature_header(secret, body, timestamp=int(time.time()) - 3600), body)
    timestamp = int(header.split(",")[0].removeprefix("t="))
    rotating = f"{header},v1={signing.digest(signing.new_secret(), timestamp, body)}"
    assert verify(secret, rotating, body)


def keys(value):
    """The shape of a JSON value: its keys, all the way down."""
    if isinstance(value, dict):
        return {key: keys(item) for key, item in value.items()}
    return None


@pytest.mark.django_db
def test_the_readme_example_has_the_shape_of_a_real_answer_created(endpoint, receiver):
    make_answer(make_question())
    real = json.loads(Event.objects.get(type="answer.created").body)
    assert keys(json.loads(block("json"))) == keys(real)
