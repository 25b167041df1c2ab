"""A member with one of everything the export holds, someone else's private data beside it, and
reading a copy's ZIP back."""

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from taggit.models import Tag

from accounts.models import Restriction
from accounts.services import api_key_create
from forum import services as forum
from forum.models import SuggestedEdit
from insights import services as insights
from integrations import services as webhooks
from moderation import flags
from moderation.models import CloseVote
from notifications import services as notifications
from notifications.email import email_preferences_set
from privacy.models import DataExport
from reputation.models import BadgeAward
from tests.factories import CommunityManagerFactory, UserFactory, make_answer, make_question, restrict

# Words that belong to someone else and must never reach the member's copy.
BOB_EMAIL = "bob.private@example.org"
BOB_FLAG_WORDS = "Bob's own words about this post"
DELETED_TITLE = "Bob's question that moderators deleted later"
DELETED_BODY = "Private details Bob later regretted posting here."
HELD_TITLE = "Bob's first question still held for review"
SOCIAL_TOKEN = "oauth-token-that-must-stay-private"


@dataclass
class World:
    member: object
    bob: object
    own_question: object = None
    bobs_question: object = None
    own_answer: object = None
    deleted_question: object = None
    answer_to_deleted: object = None
    held_question: object = None
    api_key: object = None
    endpoint: object = None
    secrets: list = field(default_factory=list)


def everything(commit, *, member=None) -> World:
    """`member` (a staff community manager with 1,000 reputation, so every door is open to them)
    has a question (edited: two revisions), an accepted answer, a comment, a vote, a close vote,
    a flag, an "I have this too", a watch, badges, ledger lines, notifications, email and tag
    preferences, an API key, a webhook endpoint, an audit line, an escalation, a suggested edit,
    a social login, two addresses, and a past suspension. Bob, beside them, has a private
    address, a flag with words of his own on the member's question, a deleted question the member
    voted on, flagged and answered, and a held question the member watches."""
    member = member or CommunityManagerFactory(
        username="alice", email="alice@example.com", display_name="Alice A.", reputation=1000, is_staff=True
    )
    member.bio = "I fix routers for fun."
    member.save(update_fields=["bio"])
    bob = UserFactory(username="bob", email=BOB_EMAIL, reputation=1000)
    world = World(member=member, bob=bob)
    member.emailaddress_set.create(email="alice.old@example.com", verified=False, primary=False)
    SocialAccount.objects.create(
        user=member, provider="github", uid="4242", extra_data={"token": SOCIAL_TOKEN}
    )

    world.own_question = make_question(
        author=member, title="My router drops the connection hourly", tags=("wifi", "router")
    )
    commit(
        forum.question_edit,
        question=world.own_question,
        editor=member,
        title="My router drops the connection every hour",
        body="My router drops the connection every hour, on the hour. Firmware 2.1.",
        tags=["wifi", "router"],
        summary="Firmware version",
    )
    world.own_question.refresh_from_db()
    world.bobs_question = make_question(
        author=bob, title="Billing shows two charges this month", tags=("billing",)
    )
    world.own_answer = make_answer(
        world.bobs_question, author=member, body="Ask for a refund of the second charge: it is a known bug."
    )
    commit(forum.answer_accept_toggle, answer=world.own_answer, user=bob)
    commit(forum.comment_create, post=world.bobs_question, author=member, body="Which card did you use?")
    answer_of_bob = make_answer(
        world.own_question, author=bob, body="Reboot the router and wait ten minutes."
    )
    commit(
        forum.answer_edit,
        answer=answer_of_bob,
        editor=member,
        body="Reboot the router, then wait ten minutes.",
    )
    commit(forum.vote_cast, voter=member, post=world.bobs_question, value=1)
    commit(forum.vote_cast, voter=bob, post=world.own_question, value=1)
    CloseVote.objects.create(
        voter=member, question=world.bobs_question, kind=CloseVote.Kind.CLOSE, reason="off_topic"
    )
    commit(insights.me_too_toggle, user=member, question=world.bobs_question)
    SuggestedEdit.objects.create(
        question=world.bobs_question,
        editor=member,
        title=world.bobs_question.title,
        body="A clearer version of Bob's question, with the dates.",
        tags="billing",
        base_revision=1,
    )
    assert set(BadgeAward.objects.filter(user=member).values_list("badge", flat=True)) == {
        "first_answer",
        "solution",
    }

    # Bob's deleted question: the member voted on it, flagged it and answered it first.
    world.deleted_question = make_question(
        author=bob, title=DELETED_TITLE, body=DELETED_BODY, tags=("billing",)
    )
    commit(forum.vote_cast, voter=member, post=world.deleted_question, value=1)
    commit(
        forum.question_edit,
        question=world.deleted_question,
        editor=member,
        title=DELETED_TITLE,
        body=DELETED_BODY + " Edited for clarity by Alice.",
        tags=["billing"],
        summary="Clarity",
    )
    flag = commit(
        flags.flag_create,
        flagger=member,
        post=world.deleted_question,
        reason="spam",
        text="Looks like an ad.",
    )
    world.answer_to_deleted = make_answer(
        world.deleted_question, author=member, body="This is my answer to it, all mine."
    )
    commit(flags.flag_create, flagger=bob, post=world.own_question, reason="off_topic", text=BOB_FLAG_WORDS)
    commit(flags.flag_accept, flag=flag, moderator=CommunityManagerFactory(), outcome="delete")
    world.deleted_question.refresh_from_db()
    assert world.deleted_question.deleted_at is not None

    world.held_question = make_question(author=bob, title=HELD_TITLE, tags=("wifi",))
    world.held_question.held_at = timezone.now()
    world.held_question.save(update_fields=["held_at"])
    notifications.question_watch(user=member, question=world.held_question)

    email_preferences_set(user=member, frequencies={"answer": "daily"})
    notifications.tag_watch(user=member, tag=Tag.objects.get(name="wifi"))
    new_key = api_key_create(owner=member, name="My laptop script", scopes=["read", "write"], actor=member)
    world.api_key = new_key.key
    world.endpoint = webhooks.endpoint_create(
        actor=member,
        url="http://127.0.0.1:9/hooks/crm",
        event_types=["question.created"],
        description="Our CRM",
    )
    commit(
        insights.escalation_open,
        question=world.bobs_question,
        staff_user=member,
        note="Asked billing to look",
    )
    restrict(UserFactory(username="spammer"), by=member, reason="Links to a shop in every answer")
    # A suspension from before they were a community manager (nobody may suspend one now), lifted.
    now = timezone.now()
    Restriction.objects.create(
        user=member,
        kind=Restriction.Kind.SUSPEND,
        reason="Cooling off after a heated thread",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=23),
        imposed_by=bob,
        lifted_at=now - dt.timedelta(days=29),
    )
    member.refresh_from_db()
    world.secrets = [
        new_key.token,
        new_key.key.prefix,
        new_key.key.secret_hash,
        world.endpoint.secret,
        SOCIAL_TOKEN,
    ]
    return world


def archive_of(export: DataExport) -> dict[str, str]:
    """Every file of a copy's ZIP, by name, as text."""
    export.refresh_from_db()
    with zipfile.ZipFile(io.BytesIO(bytes(export.archive))) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def json_of(files: dict[str, str], name: str):
    return json.loads(files[name])
