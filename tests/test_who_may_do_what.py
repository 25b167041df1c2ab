"""The README's "who may do what" table, checked row by row against the permission functions.

A changed rule fails here until the table says so; a row without a check (or a check without a
row) fails too, so the table and the rules cannot drift apart."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from forum import permissions as forum
from forum.models import SuggestedEdit
from insights import permissions as insights
from kb import permissions as kb
from moderation import permissions as moderation
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = ["anonymous", "new member", "established member", "staff", "moderator"]


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

    def own_question(self, user):
        return make_question(author=user, title=f"My own question number {user.pk} here")

    def own_answer(self, user):
        return make_answer(self.question, author=user)


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
    "comment on someone else's post": lambda w, u: forum.can_comment(u, w.answer),
    "comment on a deleted post": lambda w, u: forum.can_comment(u, w.deleted),
    "vote up someone else's post": lambda w, u: forum.can_vote(u, w.answer, 1),
    "vote down someone else's post": lambda w, u: forum.can_vote(u, w.answer, -1),
    "vote on your own post": own(World.own_answer, lambda w, u, post: forum.can_vote(u, post, 1) and u.pk),
    "vote on a deleted post": lambda w, u: forum.can_vote(u, w.deleted, 1),
    "vote on a post in a locked thread": lambda w, u: forum.can_vote(u, w.locked, 1),
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
    "see insights (the default, public)": lambda w, u: insights.can_view_insights(u),
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
