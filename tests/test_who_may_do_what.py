"""The README's "who may do what" table, checked row by row against the permission functions.

A changed rule fails here until the table says so; a row without a check (or a check without a
row) fails too, so the table and the rules cannot drift apart."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from accounts import permissions as accounts
from accounts.models import MODERATORS_GROUP, Restriction, User
from console import permissions as console
from forum import permissions as forum
from forum.models import Answer, SuggestedEdit
from helpdesk import permissions as helpdesk
from insights import permissions as insights
from insights.models import Escalation
from integrations import permissions as integrations
from kb import permissions as kb
from moderation import permissions as moderation
from privacy import export_permissions as export
from tests.factories import (
    CommunityManagerFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_answer,
    make_question,
)

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = ["anonymous", "new member", "established member", "staff", "moderator", "community manager"]


def readme_table() -> dict[str, dict[str, bool]]:
    text = README.read_text()
    block = re.search(r"<!-- who-may-do-what:start -->(.*?)<!-- who-may-do-what:end -->", text, re.S)
    assert block, "README.md has no who-may-do-what table between its markers"
    lines = [line.strip() for line in block.group(1).strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["action", *COLUMNS]
    table = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert all(cell in ("yes", "no") for cell in cells[1:]), f"say yes or no: {line}"
        table[cells[0]] = dict(zip(COLUMNS, [cell == "yes" for cell in cells[1:]], strict=True))
    return table


def people() -> dict:
    return {
        "anonymous": AnonymousUser(),
        "new member": UserFactory(reputation=1),
        "established member": UserFactory(reputation=1000),
        "staff": StaffFactory(reputation=1),
        "moderator": ModeratorFactory(reputation=1),
        "community manager": CommunityManagerFactory(reputation=1),
    }


class World:
    """Someone else's posts in every state the table names, and the person's own."""

    def __init__(self):
        self.author = UserFactory(reputation=1000)
        self.question = make_question(author=self.author)
        self.answer = make_answer(self.question, author=UserFactory())
        now = timezone.now()
        self.deleted = make_answer(self.question, author=self.author)
        self.deleted.deleted_at = now
        self.held = make_question(author=UserFactory(), title="A held first question here")
        self.held.held_at = now
        self.closed = make_question(author=self.author, title="A closed question about the router")
        self.closed.closed_at, self.closed.close_reason = now, "off_topic"
        self.locked = make_question(author=self.author, title="A locked question about the router")
        self.locked.locked_at = now
        self.suggestion = SuggestedEdit(question=self.question, editor=UserFactory(), body="x" * 30)
        self.member = UserFactory()
        self.moderator = ModeratorFactory()

    def another_manager(self):
        return CommunityManagerFactory()

    def escalation(self):
        opened_by = {"opened_by": StaffFactory()}
        return Escalation.objects.get_or_create(question=self.question, defaults=opened_by)[0]

    def own_question(self, user):
        return make_question(author=user, title=f"My own question number {user.pk} here")

    def own_answer(self, user):
        return make_answer(self.question, author=user)

    def not_shown(self, user) -> list:
        """Answers deleted, hidden by flags and held for review: someone else's, and the
        person's own (a visitor has none)."""
        authors = [self.author] + ([user] if user.is_authenticated else [])
        posts = []
        for field in ("deleted_at", "hidden_at", "held_at"):
            for author in authors:
                answer = make_answer(self.question, author=author)
                Answer.objects.filter(pk=answer.pk).update(**{field: timezone.now()})
                posts.append(Answer.objects.select_related("question").get(pk=answer.pk))
        return posts


def restricted(user, kind: str):
    """The same person under a suspension (or silence) in force, however they got it: the rows
    are written directly, since the rules would not let anyone suspend a community manager."""
    if not user.is_authenticated:
        return user
    ends_at = timezone.now() + dt.timedelta(days=1)
    Restriction.objects.create(user=user, kind=kind, reason="Testing the table", ends_at=ends_at)
    field = {"suspend": "suspended_until", "silence": "silenced_until"}[kind]
    User.objects.filter(pk=user.pk).update(**{field: ends_at})
    return User.objects.get(pk=user.pk)


def while_suspended(world, user) -> bool:
    """True if a suspended person could still do any of the things that make a post, a vote,
    a flag or an edit."""
    own_question = world.own_question(user) if user.is_authenticated else world.question
    answer_to_own = make_answer(own_question, author=world.author)
    user = restricted(user, "suspend")
    return any(
        [
            forum.can_ask(user),
            forum.can_answer(user, world.question),
            forum.can_preview(user),
            forum.can_comment(user, world.answer),
            forum.can_vote(user, world.answer, 1),
            forum.can_accept(user, answer_to_own),
            forum.can_edit(user, own_question),
            forum.can_suggest_edit(user, world.answer),
            moderation.can_flag(user, world.answer),
            moderation.can_vote_to_close(user),
            moderation.can_moderate(user),
            insights.can_me_too(user, world.question),
            kb.can_curate(user),
            integrations.can_manage_webhooks(user),
        ]
    )


def on_posts_not_shown(world, user) -> bool:
    """True if the person could comment on, vote on, flag, edit or suggest an edit of any post
    that is deleted, hidden or held, theirs or not."""
    return any(
        forum.can_comment(user, post)
        or forum.can_vote(user, post, 1)
        or moderation.can_flag(user, post)
        or forum.can_edit(user, post)
        or forum.can_suggest_edit(user, post)
        for post in world.not_shown(user)
    )


def while_silenced(world, user) -> bool:
    """True if a silenced person could comment or edit (what cannot wait for review)."""
    user = restricted(user, "silence")
    return forum.can_comment(user, world.answer) or forum.can_edit(user, world.answer)


def with_a_helpdesk(check, *args) -> bool:
    """The check with a helpdesk connected (without one, nobody opens tickets)."""
    with override_settings(
        COMMONPLACE_HELPDESK="generic",
        COMMONPLACE_HELPDESK_URL="https://helpdesk.example.com/tickets",
        COMMONPLACE_HELPDESK_SECRET="whsec_table",
    ):
        return check(*args)


def own(make, check):
    """A check on the person's own post; a visitor has none, so theirs is on someone else's."""

    def run(world, user):
        return check(world, user, make(world, user if user.is_authenticated else world.author))

    return run


CHECKS = {
    "read a question and its revisions": lambda w, u: forum.can_see_post(u, w.question),
    "read a deleted post and its revisions": lambda w, u: forum.can_see_post(u, w.deleted),
    "read a post held for review": lambda w, u: forum.can_see_post(u, w.held),
    "ask a question": lambda w, u: forum.can_ask(u),
    "answer an open question": lambda w, u: forum.can_answer(u, w.question),
    "answer a closed question": lambda w, u: forum.can_answer(u, w.closed),
    "preview Markdown while writing (`/preview/`)": lambda w, u: forum.can_preview(u),
    "comment on someone else's post": lambda w, u: forum.can_comment(u, w.answer),
    "comment on a deleted post": lambda w, u: forum.can_comment(u, w.deleted),
    "vote up someone else's post": lambda w, u: forum.can_vote(u, w.answer, 1),
    "vote down someone else's post": lambda w, u: forum.can_vote(u, w.answer, -1),
    "vote on your own post": own(World.own_answer, lambda w, u, post: forum.can_vote(u, post, 1) and u.pk),
    "vote on a deleted post": lambda w, u: forum.can_vote(u, w.deleted, 1),
    "vote on a post in a locked thread": lambda w, u: forum.can_vote(u, w.locked, 1),
    "comment on, vote on, flag or edit a deleted, hidden or held post, even your own": on_posts_not_shown,
    "accept an answer to your own question": own(
        World.own_question,
        lambda w, u, question: forum.can_accept(u, make_answer(question, author=w.author)),
    ),
    "edit your own post": own(World.own_answer, lambda w, u, post: forum.can_edit(u, post) and bool(u.pk)),
    "edit someone else's post directly": lambda w, u: forum.can_edit(u, w.answer),
    "suggest an edit of someone else's post": lambda w, u: forum.can_suggest_edit(u, w.answer),
    "edit a post in a locked thread": lambda w, u: forum.can_edit(u, w.locked),
    "review suggested edits": lambda w, u: (
        forum.can_review_edits(u) and forum.can_review_suggested_edit(u, w.suggestion)
    ),
    "flag someone else's post": lambda w, u: moderation.can_flag(u, w.answer),
    "vote to close or reopen a question": lambda w, u: moderation.can_vote_to_close(u),
    "close, reopen, lock, merge or restore alone": lambda w, u: moderation.can_moderate(u),
    "delete your own answer": own(
        World.own_answer, lambda w, u, post: moderation.can_delete(u, post) and bool(u.pk)
    ),
    "delete someone else's post": lambda w, u: moderation.can_delete(u, w.answer),
    "handle flags": lambda w, u: moderation.can_handle_flags(u),
    "release a held first post": lambda w, u: moderation.can_release(u),
    "decide an appeal of a serial-voting reversal": lambda w, u: moderation.can_decide_appeal(u),
    "curate the knowledge base": lambda w, u: kb.can_curate(u),
    'say "I have this too"': lambda w, u: insights.can_me_too(u, w.question),
    "take a thread to private follow-up": lambda w, u: insights.can_escalate(u),
    "open a helpdesk ticket for a private follow-up, and see its id and status": lambda w, u: (
        with_a_helpdesk(helpdesk.can_open_ticket, u, w.escalation()) and helpdesk.can_see_ticket(u)
    ),
    "see insights (the default, public)": lambda w, u: insights.can_view_insights(u),
    "open the console (/manage/)": lambda w, u: console.can_open_console(u),
    "change the site's branding": lambda w, u: console.can_edit_branding(u),
    "appoint or remove moderators and community managers": lambda w, u: accounts.can_change_role(
        u, w.member, MODERATORS_GROUP, grant=True
    ),
    "suspend or silence a member": lambda w, u: accounts.can_restrict(u, w.member),
    "suspend or silence a moderator": lambda w, u: accounts.can_restrict(u, w.moderator),
    "remove a spammer (delete all their posts, suspend them)": lambda w, u: accounts.can_remove_spammer(
        u, w.member
    ),
    "manage webhooks (register endpoints, read their delivery log, redeliver)": lambda w, u: (
        integrations.can_manage_webhooks(u)
    ),
    "create API keys for yourself (read and write)": lambda w, u: accounts.can_create_api_key(
        u, u, ["read", "write"]
    ),
    "create integration accounts and their API keys": lambda w, u: accounts.can_create_integration_account(u),
    "ask for a copy of your own data, and download it (even while suspended)": lambda w, u: (
        export.can_request_export(u, u) and export.can_request_export(restricted(u, "suspend"), u)
    ),
    "export a member's data (the copy opens only for whoever asked)": lambda w, u: export.can_request_export(
        u, w.member
    ),
    # With another community manager about: the last one may not leave (a rule of its own).
    "erase your own account": lambda w, u: w.another_manager() and accounts.can_erase_account(u, u),
    "erase someone else's account": lambda w, u: accounts.can_erase_account(u, w.member),
    "post, edit, vote, accept, flag or curate while suspended": while_suspended,
    "comment or edit while silenced (questions and answers wait for review)": while_silenced,
}


def test_every_row_of_the_table_has_a_check_and_every_check_a_row():
    assert sorted(readme_table()) == sorted(CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(CHECKS))
def test_the_table_row_matches_the_rules(action):
    expected = readme_table()[action]
    world = World()
    actual = {column: bool(CHECKS[action](world, user)) for column, user in people().items()}
    assert actual == expected, f"README says {expected}, the rules say {actual}"


@pytest.mark.django_db
def test_a_refusal_is_the_sentence_the_person_sees():
    """The boolean and the message come from one function: the message is never blank."""
    world = World()
    newcomer = UserFactory(reputation=1)
    with pytest.raises(PermissionDenied, match=re.escape("Voting down needs 50 reputation; you have 1.")):
        forum.allow_vote(newcomer, world.answer, -1)
    with pytest.raises(PermissionDenied, match=re.escape("This post was deleted, so it can't be voted on.")):
        forum.allow_vote(newcomer, world.deleted, 1)
    with pytest.raises(PermissionDenied, match=re.escape("Only moderators can delete other people's posts.")):
        moderation.allow_delete(newcomer, world.answer)
