"""Erasing an account (privacy/erasure.py): nothing personal survives anywhere in the database,
while every other member's reputation stays exact and the votes the member cast keep counting.

The world is made through the services, as people would make it: a staff member and community
manager with one of everything (profile, addresses, a social login with its token, an API key,
sessions, posts, an accepted answer, revisions, comments, votes, a flag with a note, "I have this
too", watches and preferences, a past suspension, an appeal, a private follow-up with its helpdesk
ticket, webhook endpoints with their events and deliveries, insights figures, an admin log line).
Runs on SQLite and, with DATABASE_URL=postgres://…, on PostgreSQL."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, Sum

from accounts.models import COMMUNITY_MANAGERS_GROUP, ApiKey, Restriction, User
from accounts.services import api_key_create
from branding.email import absolute
from forum import services as forum
from forum.models import Answer, Question, Revision, Vote
from helpdesk import services as helpdesk
from helpdesk.models import HelpdeskTicket
from insights import services as insights
from integrations import services as webhooks
from integrations.models import Delivery, Event, EventType
from moderation import appeals, members
from moderation.flags import flag_create
from moderation.models import Flag, ModerationAction, ReversalAppeal
from notifications import services as notifications
from notifications.models import EmailPreference, Notification, QuestionWatch, TagPreference
from privacy.erasure import DELETE, ERASED, RELATIONS, account_erase, relations_to_users
from privacy.export_services import export_request
from privacy.models import DataExport
from reputation import reconcile
from reputation.models import LedgerEntry
from tests.factories import (
    CommunityManagerFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_answer,
    make_question,
    restrict,
)
from tests.helpdesk import fakes
from tests.integrations.receiver import running_receiver
from tests.moderation.test_appeals import make_ring

pytestmark = pytest.mark.django_db

# What said who the member was. None of these is in a post, a title or a tag: posts stay by
# design, so whatever remains of them afterwards is a leak.
MARKERS = {
    "username": "zqxmember",
    "email": "zqx.address@example.org",
    "second email": "zqx.second@example.net",
    "display name": "Zqxina Quillfeather",
    "first name": "Zqxfirstname",
    "last name": "Zqxlastname",
    "bio": "Beekeeper zqxbio in the valley",
    "social uid": "zqx-social-uid-4242",
    "social extra data": "zqx-social-login",
    "social token": "zqx-token-secret",
    "API key name": "zqx laptop script",
    "flag note": "zqx-flag-note: looks like an ad",
    "appeal text": "zqx-appeal: we are flatmates",
}


def texts_holding(markers: dict[str, str]) -> list[str]:
    """Every text, char and JSON field of every row of every model, searched (in any case) for
    each marker: "<model>.<field> row <pk> holds the <marker name>"."""
    found = []
    for model in apps.get_models():
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        rows = model._base_manager.values_list("pk", *(field.attname for field in fields))
        for pk, *values in rows.iterator():
            for field, value in zip(fields, values, strict=True):
                text = json.dumps(value, ensure_ascii=False) if isinstance(field, models.JSONField) else value
                lowered = (text or "").lower()
                found += [
                    f"{model._meta.label}.{field.name} row {pk} holds the {name}"
                    for name, marker in markers.items()
                    if marker.lower() in lowered
                ]
    return found


def totals(exclude=()) -> dict[int, int]:
    return dict(User.objects.exclude(pk__in=[user.pk for user in exclude]).values_list("pk", "reputation"))


def ledger_sum(user) -> int:
    return LedgerEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"] or 0


# --- The world -----------------------------------------------------------------------------------


class World:
    def __init__(self, commit, client, settings, receiver):
        self.manager = CommunityManagerFactory(username="casey", display_name="Casey")
        self.alice = UserFactory(username="alice", display_name="Alice")
        self.bob = UserFactory(username="bob", display_name="Bob")
        self.subject = StaffFactory(
            username=MARKERS["username"],
            email=MARKERS["email"],
            display_name=MARKERS["display name"],
            first_name=MARKERS["first name"],
            last_name=MARKERS["last name"],
            bio=MARKERS["bio"],
        )
        subject = self.subject
        self.account(client)
        self.past_suspension()
        members.member_role_set(
            member=subject, group=COMMUNITY_MANAGERS_GROUP, grant=True, actor=self.manager
        )
        subject = self.subject = User.objects.get(pk=subject.pk)
        self.posts(commit)
        self.moderation(commit)
        self.follow_ups(commit, settings)
        self.webhooks(commit, receiver)
        self.exports(commit)
        insights.snapshot_refresh(period=30)
        LogEntry.objects.create(
            user=CommunityManagerFactory(username="root", is_superuser=True),
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(subject.pk),
            object_repr=str(subject),
            action_flag=CHANGE,
            change_message="[]",
        )

    def account(self, client):
        subject = self.subject
        EmailAddress.objects.create(user=subject, email=MARKERS["second email"], verified=False)
        app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="secret")
        account = SocialAccount.objects.create(
            user=subject,
            provider="github",
            uid=MARKERS["social uid"],
            extra_data={"login": MARKERS["social extra data"], "email": MARKERS["email"]},
        )
        SocialToken.objects.create(app=app, account=account, token=MARKERS["social token"], token_secret="s")
        api_key_create(owner=subject, name=MARKERS["API key name"], scopes=["read"], actor=subject)
        client.force_login(subject)  # a session row
        EmailPreference.objects.create(user=subject, kind="answer", frequency="daily")

    def past_suspension(self):
        restrict(self.subject, reason=f"{MARKERS['username']} posted a shop link", by=self.manager)
        members.member_lift(member=self.subject, kind="suspend", actor=self.manager)

    def posts(self, commit):
        subject, alice, bob = self.subject, self.alice, self.bob
        # Their question, answered by Alice, whose answer they accepted.
        self.question = make_question(author=subject, title="Router lights blink orange after the update")
        self.alices_answer = make_answer(self.question, author=alice, body="Hold reset for ten seconds.")
        commit(forum.answer_accept_toggle, answer=self.alices_answer, user=subject)
        # Their answer to Alice, which she accepted (it stays whatever they choose).
        self.alices_question = make_question(author=alice, title="Invoice shows a charge twice")
        self.accepted = make_answer(self.alices_question, author=subject, body="The second one is a hold.")
        commit(forum.answer_accept_toggle, answer=self.accepted, user=alice)
        forum.answer_edit(answer=self.accepted, editor=subject, body="The second one is a pending hold.")
        forum.comment_create(post=self.alices_question, author=subject, body="@alice does it show today?")
        # Their answer to Bob, which Bob voted up; and their up-votes on Alice's and Bob's posts.
        self.bobs_question = make_question(author=bob, title="Cannot log in on the tablet app")
        self.plain = make_answer(self.bobs_question, author=subject, body="Clear the app's cache first.")
        commit(forum.vote_cast, voter=bob, post=self.plain, value=Vote.UP)
        self.cast = [
            commit(forum.vote_cast, voter=subject, post=self.alices_answer, value=Vote.UP),
            commit(forum.vote_cast, voter=subject, post=self.bobs_question, value=Vote.UP),
        ]
        notifications.question_watch(user=subject, question=self.bobs_question)
        notifications.tag_watch(user=subject, tag=self.bobs_question.tags.first())
        insights.me_too_toggle(user=subject, question=self.bobs_question)

    def moderation(self, commit):
        subject = self.subject
        flag_create(flagger=subject, post=self.alices_answer, reason="spam", text=MARKERS["flag note"])
        _, _, reversal = make_ring(commit, author=subject)
        appeals.appeal_create(entry=reversal, member=subject, text=MARKERS["appeal text"])

    def follow_ups(self, commit, settings):
        self.helpdesk = fakes.connect_generic(settings)
        # They take Bob's thread to private follow-up (the helpdesk is told their name and address) ...
        commit(
            helpdesk.escalation_take,
            question=self.bobs_question,
            staff_user=self.subject,
            note="Looking into it",
            open_ticket=True,
            ticket_note=f"{MARKERS['display name']} will call Bob back",
        )
        # ... and a colleague takes theirs (the helpdesk is told of them as the asker).
        commit(
            helpdesk.escalation_take,
            question=self.question,
            staff_user=StaffFactory(username="sam"),
            open_ticket=True,
            ticket_note=f"Write to {MARKERS['email']}",
        )

    def webhooks(self, commit, receiver):
        subject = self.subject
        # Registered before the facts below, so their events are stored and delivered.
        self.endpoint = webhooks.endpoint_create(
            actor=subject, url=receiver.url, event_types=EventType.values, description="The CRM"
        )
        receiver.secret = self.endpoint.secret
        other = webhooks.endpoint_create(
            actor=self.manager, url=receiver.url, event_types=["member.suspended"]
        )
        webhooks.endpoint_disable(actor=subject, endpoint=other)  # "Disabled by <their name>"
        self.later = commit(
            forum.question_create, author=subject, title="Wifi drops at night", body="x" * 40, tags=["wifi"]
        )[0]
        commit(forum.vote_cast, voter=self.alice, post=self.later, value=Vote.UP)

    def exports(self, commit):
        # A copy of their own data (built: the archive holds every marker), and one they asked
        # for of Alice's as a community manager.
        commit(export_request, member=self.subject, actor=self.subject)
        commit(
            export_request,
            member=self.alice,
            actor=self.subject,
            reason=f"{MARKERS['display name']} was asked for it by Alice",
        )


@pytest.fixture
def receiver(settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    with running_receiver() as running:
        yield running


@pytest.fixture
def world(commit, client, settings, receiver):
    built = World(commit, client, settings, receiver)
    yield built
    built.helpdesk.stop()


def test_the_world_holds_every_marker_before_erasure(world):
    """The test below proves something only if the member's data was really there."""
    holding = texts_holding(MARKERS)
    assert {line.rsplit(" holds the ", 1)[1] for line in holding} == set(MARKERS)
    assert any(line.startswith("integrations.Event.body") for line in texts_holding(MARKERS))
    assert any(line.startswith("insights.InsightSnapshot.data") for line in holding)
    assert any(line.startswith("helpdesk.HelpdeskTicket.request") for line in holding)


@pytest.mark.parametrize("delete_posts", [False, True], ids=["posts kept", "posts deleted"])
def test_nothing_personal_survives_anywhere_in_the_database(world, commit, delete_posts):
    subject = world.subject

    commit(account_erase, member=subject, actor=subject, delete_posts=delete_posts)

    assert texts_holding(MARKERS) == []
    subject.refresh_from_db()
    assert (subject.username, subject.name) == (f"former-member-{subject.pk}", f"former member {subject.pk}")
    assert not subject.has_usable_password() and not subject.is_active and subject.erased_at
    assert (subject.is_staff, subject.is_superuser, subject.last_login) == (False, False, None)
    assert not subject.groups.exists()
    for gone in (EmailAddress, SocialAccount, ApiKey, QuestionWatch, TagPreference, EmailPreference):
        assert not gone.objects.filter(**{"owner" if gone is ApiKey else "user": subject}).exists()
    assert not SocialToken.objects.exists()
    assert not Notification.objects.filter(recipient=subject).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(subject.pk)]


def test_copies_of_data_they_asked_for_or_that_were_made_of_them_are_gone(world, commit):
    subject = world.subject
    assert DataExport.objects.filter(Q(member=subject) | Q(requested_by=subject)).count() == 2
    commit(account_erase, member=subject, actor=subject)
    assert not DataExport.objects.filter(Q(member=subject) | Q(requested_by=subject)).exists()


def test_what_others_were_told_names_the_anonymous_account(world, commit):
    subject = world.subject
    told = Notification.objects.filter(recipient=world.alice, actor=subject)
    assert told.filter(text__startswith=MARKERS["display name"]).exists()

    commit(account_erase, member=subject, actor=subject)

    assert told.filter(text__startswith=f"former member {subject.pk} answered").exists()
    assert told.filter(text__startswith=f"former member {subject.pk} commented on").exists()
    note = ModerationAction.objects.get(question=world.bobs_question, action="escalated")
    assert note.public_note == f"Taken to private follow-up by former member {subject.pk} (staff)"
    restriction = Restriction.objects.get(user=subject)
    assert restriction.reason == f"former-member-{subject.pk} posted a shop link"
    request = HelpdeskTicket.objects.get(escalation__question=world.question).request
    assert request["asker"] == {
        "username": f"former-member-{subject.pk}",
        "name": f"former member {subject.pk}",
        "url": absolute(f"/users/former-member-{subject.pk}/"),
    }
    assert request["private_note"] == "Write to (address erased)"
    assert Flag.objects.get(flagger=subject).text == ""
    assert ReversalAppeal.objects.get(member=subject).text.startswith("(The member erased their account")


def test_other_members_reputation_stays_exact_and_reconcile_finds_no_drift(world, commit):
    assert reconcile.check().drift == 0
    others = totals(exclude=[world.subject])

    commit(account_erase, member=world.subject, actor=world.subject)

    assert totals(exclude=[world.subject]) == others
    report = reconcile.check()
    assert (report.drift, report.totals, report.facts) == (0, [], [])
    subject = User.objects.get(pk=world.subject.pk)
    assert subject.reputation == 1 + ledger_sum(subject)  # their lines stay, under the anonymous name


def test_deleting_their_posts_keeps_what_others_built_on_and_the_ledger_exact(world, commit):
    others = totals(exclude=[world.subject])

    erased = commit(account_erase, member=world.subject, actor=world.subject, delete_posts=True)

    deleted = {post.pk for post in Answer.objects.filter(author=world.subject, deleted_at__isnull=False)}
    assert world.plain.pk in deleted  # answered Bob, voted up: an author may delete it
    assert Answer.objects.get(pk=world.accepted.pk).deleted_at is None  # accepted: it stays
    assert Question.objects.get(pk=world.question.pk).deleted_at is None  # Alice's accepted answer
    assert Question.objects.get(pk=world.later.pk).deleted_at is not None  # nobody answered it
    assert erased.posts_deleted == len(deleted) + 1
    assert ModerationAction.objects.filter(action="deleted", public_note="deleted by its author").count() == (
        erased.posts_deleted
    )
    # Up-votes cost their voters nothing, so deleting these changes nobody else's total.
    assert totals(exclude=[world.subject]) == others
    assert reconcile.check().drift == 0


def test_votes_they_cast_keep_counting(world, commit):
    alice_before = User.objects.get(pk=world.alice.pk).reputation

    commit(account_erase, member=world.subject, actor=world.subject, delete_posts=True)

    for vote in world.cast:
        assert Vote.objects.get(pk=vote.pk).value == Vote.UP
    assert Answer.objects.get(pk=world.alices_answer.pk).score == 1
    assert Question.objects.get(pk=world.bobs_question.pk).score == 1
    assert LedgerEntry.objects.active().filter(vote=world.cast[0], user=world.alice).exists()
    assert User.objects.get(pk=world.alice.pk).reputation == alice_before


def test_their_revisions_keep_the_text_under_the_anonymous_account(world, commit):
    commit(account_erase, member=world.subject, actor=world.subject)

    revision = Revision.objects.filter(answer=world.accepted).latest("pk")
    assert revision.body == "The second one is a pending hold."
    assert revision.editor.name == f"former member {world.subject.pk}"


def test_a_stored_event_sent_again_carries_the_anonymous_name(world, commit, receiver):
    """Events are built when their fact happens; one redelivered after the erasure must not
    carry the old name (what the receiver got before is its own)."""
    delivery = Delivery.objects.filter(endpoint=world.endpoint, event__type="question.created").latest("pk")
    commit(account_erase, member=world.subject, actor=world.subject)

    commit(webhooks.delivery_redeliver, actor=world.manager, delivery=delivery)

    sent = receiver.requests[-1]
    assert sent.verified and sent.headers["Commonplace-Event-Id"] == str(delivery.event_id)
    author = sent.event["data"]["question"]["author"]
    assert (author["username"], author["name"], author["staff"]) == (
        f"former-member-{world.subject.pk}",
        f"former member {world.subject.pk}",
        False,
    )
    assert MARKERS["username"] not in Event.objects.get(pk=delivery.event_id).body


def test_every_relation_to_a_member_is_decided():
    """A model that gains a foreign key to the user fails here until erasure.RELATIONS says
    whether its rows go, stay, or are rewritten."""
    assert relations_to_users() == set(RELATIONS)


def test_rows_that_go_are_the_persons_own():
    assert {relation for relation, decision in RELATIONS.items() if decision == DELETE} == {
        "account.EmailAddress.user",
        "socialaccount.SocialAccount.user",
        "accounts.ApiKey.owner",
        "notifications.Notification.recipient",
        "notifications.QuestionWatch.user",
        "notifications.TagPreference.user",
        "notifications.EmailPreference.user",
        "privacy.DataExport.member",
        "privacy.DataExport.requested_by",
    }


# --- Who, and the audit line ---------------------------------------------------------------------


def test_a_community_manager_erases_a_member_and_the_log_keeps_only_the_anonymous_name(commit):
    manager = CommunityManagerFactory()
    member = UserFactory(username="dana", display_name="Dana Scully", email="dana@example.com")

    commit(
        account_erase,
        member=member,
        actor=manager,
        reason="Dana Scully asked by email from dana@example.com",
    )

    line = ModerationAction.objects.get(action=ERASED)
    assert (line.moderator, line.target_type, line.target_id) == (manager, "user", member.pk)
    assert line.reason == f"former member {member.pk} asked by email from (address erased)"
    assert line.after == {"username": f"former-member-{member.pk}", "posts_deleted": 0}


def test_a_community_manager_must_say_why():
    with pytest.raises(ValidationError, match="Say why"):
        account_erase(member=UserFactory(), actor=CommunityManagerFactory(), reason="  ")


def test_erasing_yourself_is_logged_as_by_the_owner(commit):
    member = UserFactory()

    commit(account_erase, member=member, actor=member)

    line = ModerationAction.objects.get(action=ERASED)
    assert (line.moderator_id, line.reason) == (member.pk, "Erased by its owner")


def test_a_moderator_deletes_on_the_way_out_only_what_any_author_may(commit):
    moderator = ModeratorFactory()
    question = make_question()
    accepted = make_answer(question, author=moderator)
    commit(forum.answer_accept_toggle, answer=accepted, user=question.author)

    commit(account_erase, member=moderator, actor=moderator, delete_posts=True)

    assert Answer.objects.get(pk=accepted.pk).deleted_at is None


def test_a_suspended_member_may_erase_their_account_and_their_posts_stay():
    member = UserFactory()
    answer = make_answer(make_question(), author=member)
    restrict(member)
    member = User.objects.get(pk=member.pk)

    erased = account_erase(member=member, actor=member, delete_posts=True)

    assert (erased.posts_deleted, erased.posts_kept) == (0, 1)
    assert Answer.objects.get(pk=answer.pk).deleted_at is None


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("member", "Only community managers can erase someone else's account."),
        ("moderator", "Only community managers can erase someone else's account."),
        ("another manager", "is a community manager: remove that role before erasing their account."),
        ("superuser", "Nobody can erase a superuser's account here."),
    ],
)
def test_who_may_not_erase_someone_else(who, message):
    target = {
        "member": UserFactory,
        "moderator": UserFactory,
        "another manager": CommunityManagerFactory,
        "superuser": lambda: UserFactory(is_superuser=True),
    }[who]()
    actor = {"member": UserFactory, "moderator": ModeratorFactory}.get(who, CommunityManagerFactory)()

    with pytest.raises(PermissionDenied, match=message):
        account_erase(member=target, actor=actor, reason="Asked by email")


def test_the_last_community_manager_cannot_leave():
    manager = CommunityManagerFactory()

    with pytest.raises(PermissionDenied, match="You are the last community manager"):
        account_erase(member=manager, actor=manager)
    CommunityManagerFactory()
    account_erase(member=manager, actor=manager)


def test_an_erased_account_cannot_be_erased_again(commit):
    member = UserFactory()
    commit(account_erase, member=member, actor=member)

    with pytest.raises(PermissionDenied, match="already erased"):
        account_erase(member=User.objects.get(pk=member.pk), actor=CommunityManagerFactory(), reason="Again")


def test_a_username_of_the_anonymous_kind_held_from_before_gets_a_suffix(commit):
    member = UserFactory()
    UserFactory(username=f"former-member-{member.pk}")

    erased = commit(account_erase, member=member, actor=member)

    assert erased.member.username == f"former-member-{member.pk}-2"
