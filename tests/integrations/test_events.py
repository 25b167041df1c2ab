"""Each event in the catalogue comes from doing the real thing through the services, and reaches
a real receiver on loopback as a signed JSON envelope with public fields only. Events are
recorded in the fact's own transaction: a fact rolled back leaves none."""

import json
from pathlib import Path

import pytest
from django.db import transaction

from forum import services as forum
from insights import services as insights
from integrations import services
from integrations.models import Delivery, Event, EventType
from moderation import flags
from moderation.review import post_release
from tests.factories import (
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_answer,
    make_question,
    restrict,
)

pytestmark = pytest.mark.django_db

SITE = "https://help.example.com"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.COMMONPLACE_SITE_URL = SITE


@pytest.fixture
def asker():
    return UserFactory(username="alice", display_name="Alice Liddell", email="alice@private.example")


@pytest.fixture
def helper():
    return UserFactory(username="bob", display_name="Bob Builder", email="bob@private.example")


def visible_ref(post) -> dict:
    """How an event names a visible post it does not carry."""
    return {"kind": post.kind, "id": post.pk, "url": f"{SITE}{post.anchor_url}", "visible": True}


def only(receiver, event_type: str) -> dict:
    [event] = receiver.events_of(event_type)
    return event


def test_question_created_carries_the_question_and_no_email(commit, endpoint, receiver, asker):
    question = commit(
        make_question,
        author=asker,
        title="Router drops wifi every hour",
        body="Since **Monday**.",
        tags=("wifi",),
    )

    event = only(receiver, "question.created")
    assert set(event) == {"id", "type", "created_at", "data"}
    assert event["type"] == "question.created"
    assert event["created_at"].endswith("Z")
    data = event["data"]["question"]
    assert data["id"] == question.pk
    assert data["title"] == "Router drops wifi every hour"
    assert data["body"] == "Since **Monday**."
    assert data["tags"] == ["wifi"]
    assert data["url"] == f"{SITE}/questions/{question.pk}/router-drops-wifi-every-hour/"
    assert data["author"] == {
        "id": asker.pk,
        "username": "alice",
        "name": "Alice Liddell",
        "url": f"{SITE}/users/alice/",
        "staff": False,
    }
    assert data["solved"] is False
    assert "private.example" not in receiver.requests[0].body.decode()
    assert receiver.requests[0].verified


def test_answer_created(commit, endpoint, receiver, asker, helper):
    question = make_question(author=asker)
    answer = commit(make_answer, question, author=helper, body="Update the firmware, then reboot.")

    data = only(receiver, "answer.created")["data"]
    assert data["answer"]["id"] == answer.pk
    assert data["answer"]["body"] == "Update the firmware, then reboot."
    assert data["answer"]["author"]["username"] == "bob"
    assert data["answer"]["url"].endswith(f"#answer-{answer.pk}")
    assert data["question"] == {
        "id": question.pk,
        "title": question.title,
        "url": f"{SITE}{question.get_absolute_url()}",
        "visible": True,
    }


def test_accepting_a_first_answer_is_answer_accepted_and_question_solved(
    commit, endpoint, receiver, asker, helper
):
    question = make_question(author=asker)
    first, second = make_answer(question, author=helper), make_answer(question, author=UserFactory())

    commit(forum.answer_accept_toggle, answer=first, user=asker)

    accepted = only(receiver, "answer.accepted")["data"]
    assert accepted["answer"]["id"] == first.pk and accepted["answer"]["accepted"] is True
    assert accepted["accepted_by"]["username"] == "alice"
    solved = only(receiver, "question.solved")["data"]
    assert solved["question"]["id"] == question.pk and solved["question"]["solved"] is True
    assert solved["accepted_answer"]["id"] == first.pk

    # Moving the acceptance to another answer: accepted again, but the question was solved already.
    commit(forum.answer_accept_toggle, answer=second, user=asker)
    assert [e["data"]["answer"]["id"] for e in receiver.events_of("answer.accepted")] == [first.pk, second.pk]
    assert len(receiver.events_of("question.solved")) == 1

    # Unaccepted (no longer solved), then accepted again: solved again.
    commit(forum.answer_accept_toggle, answer=second, user=asker)
    commit(forum.answer_accept_toggle, answer=second, user=asker)
    assert len(receiver.events_of("question.solved")) == 2


def test_comment_created(commit, endpoint, receiver, asker, helper):
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    comment, _ = commit(forum.comment_create, post=answer, author=asker, body="That fixed it, thanks!")

    data = only(receiver, "comment.created")["data"]
    assert data["comment"]["id"] == comment.pk
    assert data["comment"]["body"] == "That fixed it, thanks!"
    assert data["on"] == visible_ref(answer)
    assert data["question"]["id"] == question.pk


def test_escalation_opened_and_resolved(commit, endpoint, receiver, asker):
    question = make_question(author=asker)
    staff = StaffFactory(username="sam", display_name="Sam from Support")

    commit(insights.escalation_open, question=question, staff_user=staff, note="We are checking your line.")
    commit(
        insights.escalation_resolve, question=question, staff_user=staff, outcome="A faulty modem: replaced."
    )

    opened = only(receiver, "escalation.opened")["data"]
    assert opened["escalation"]["state"] == "open"
    assert opened["escalation"]["note"] == "We are checking your line."
    assert opened["escalation"]["opened_by"]["staff"] is True
    assert opened["question"]["id"] == question.pk
    resolved = only(receiver, "escalation.resolved")["data"]
    assert resolved["escalation"]["state"] == "resolved"
    assert resolved["escalation"]["outcome"] == "A faulty modem: replaced."
    assert resolved["escalation"]["outcome_by"]["username"] == "sam"


def test_flag_raised_names_the_reason_not_the_flagger(commit, endpoint, receiver, asker, helper):
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    flagger = UserFactory(username="fiona", reputation=1000)

    commit(
        flags.flag_create,
        flagger=flagger,
        post=answer,
        reason="needs_moderator",
        text="Links to a shop in DM",
    )

    data = only(receiver, "flag.raised")["data"]
    assert data["flag"]["reason"] == "needs_moderator"
    assert data["post"] == visible_ref(answer)
    body = receiver.requests[-1].body.decode()
    assert "fiona" not in body and "Links to a shop" not in body


def test_a_post_hidden_by_flags_is_named_without_its_content(commit, endpoint, receiver, asker):
    question = make_question(author=asker, title="Cheap watches here")
    for _ in range(3):
        commit(flags.flag_create, flagger=UserFactory(reputation=1000), post=question, reason="spam")

    last = receiver.events_of("flag.raised")[-1]["data"]
    assert last["post"]["visible"] is False
    assert "title" not in last["question"]
    assert "Cheap watches" not in receiver.requests[-1].body.decode()


def test_reputation_changed_for_each_ledger_line_with_the_total_after_it(
    commit, endpoint, receiver, asker, helper
):
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    voter = UserFactory(username="victor")

    commit(forum.vote_cast, voter=voter, post=answer, value=1)

    [line] = receiver.events_of("reputation.changed")
    data = line["data"]
    assert data["entry"]["amount"] == 10 and data["entry"]["rule"] == "answer_upvoted"
    assert data["member"]["username"] == "bob"
    assert data["member"]["reputation"] == 11
    assert data["ledger_url"] == f"{SITE}/users/bob/reputation/"
    assert data["post"]["kind"] == "answer" and data["post"]["id"] == answer.pk

    commit(forum.answer_accept_toggle, answer=answer, user=asker)
    lines = [e["data"] for e in receiver.events_of("reputation.changed")][1:]
    assert {(d["member"]["username"], d["entry"]["amount"], d["member"]["reputation"]) for d in lines} == {
        ("bob", 15, 26),
        ("alice", 2, 3),
    }


def test_member_suspended_without_the_reason(commit, endpoint, receiver, helper):
    commit(restrict, helper, days=7, reason="Posting links to a shop")

    data = only(receiver, "member.suspended")["data"]
    assert data["member"]["username"] == "bob"
    assert data["suspension"]["indefinite"] is False and data["suspension"]["ends_at"].endswith("Z")
    assert "links to a shop" not in receiver.requests[-1].body.decode().lower()


def test_a_silence_is_not_a_suspension(commit, endpoint, receiver, helper):
    commit(restrict, helper, kind="silence")
    assert receiver.events_of("member.suspended") == []


def test_a_held_first_post_is_news_only_when_released(commit, endpoint, receiver, settings, asker):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    question = commit(make_question, author=asker, title="Held until a moderator looks")
    assert receiver.requests == [] and not Event.objects.exists()

    commit(post_release, post=question, moderator=ModeratorFactory())

    assert only(receiver, "question.created")["data"]["question"]["title"] == "Held until a moderator looks"


def test_a_rolled_back_fact_leaves_no_event_and_sends_nothing(commit, endpoint, receiver, asker):
    question = make_question(author=asker)

    def answer_then_fail():
        with transaction.atomic():
            make_answer(question, author=UserFactory())
            assert Event.objects.filter(type="answer.created").exists()  # recorded with the fact...
            raise RuntimeError("the request failed after the answer")

    with pytest.raises(RuntimeError):
        commit(answer_then_fail)

    assert not Event.objects.filter(type="answer.created").exists()  # ...and rolled back with it
    assert not Delivery.objects.filter(event__type="answer.created").exists()
    assert receiver.events_of("answer.created") == []


def test_only_subscribed_active_endpoints_get_a_delivery(commit, receiver, manager, asker):
    answers_only = services.endpoint_create(actor=manager, url=receiver.url, event_types=["answer.created"])
    questions = services.endpoint_create(actor=manager, url=receiver.url, event_types=["question.created"])
    disabled = services.endpoint_create(actor=manager, url=receiver.url, event_types=["question.created"])
    services.endpoint_disable(actor=manager, endpoint=disabled)

    make_question(author=asker)

    event = Event.objects.get()
    assert event.type == "question.created"
    assert [d.endpoint for d in Delivery.objects.filter(event=event)] == [questions]
    assert not Delivery.objects.filter(endpoint__in=[answers_only, disabled]).exists()


def test_nothing_is_written_when_nobody_subscribes(asker):
    make_question(author=asker)
    assert not Event.objects.exists()


def test_every_event_type_in_the_catalogue_is_produced_by_these_tests():
    """A new type added to the catalogue needs a test above that produces it."""
    source = Path(__file__).read_text()
    for event_type in EventType.values:
        assert f'"{event_type}"' in source, event_type


def test_the_body_is_the_envelope_serialised_once(commit, endpoint, receiver, asker):
    commit(make_question, author=asker)
    event = Event.objects.get()
    assert receiver.requests[0].body == event.body.encode()
    assert (
        json.loads(event.body)["id"] == str(event.pk) == receiver.requests[0].headers["Commonplace-Event-Id"]
    )
