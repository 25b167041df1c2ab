"""Removing a spammer: one confirmed action that deletes every post of theirs, reverses what
those posts earned them through new ledger lines (never by editing one), settles flags and
suggestions, and suspends them indefinitely. The ledger stays reconcilable."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import INDEFINITELY, Restriction, User
from forum import services as forum_services
from forum.models import Answer, Comment, Question, SuggestedEdit
from moderation import closing, flags
from moderation.models import Flag, FlagStatus, ModerationAction
from notifications.models import Kind, Notification
from reputation import reconcile
from reputation.models import LedgerEntry
from reputation.selectors import earned_by_own_posts, own_posts_entries
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

REASON = "Posts nothing but links to a watch shop"


class Spam:
    """A spammer whose posts earned reputation every way a post can (votes up and down on a
    question and an answer, an acceptance, an "also helped" mark), with a comment, a flag on one
    post, a suggested edit waiting, someone else's answer on their question, and a down-vote
    they cast themselves (not part of the removal)."""

    def __init__(self, commit):
        self.spammer = UserFactory(username="spammy", display_name="Spammy", reputation=1)
        # Moderators hold every privilege at 1 reputation, so every total is the ledger's.
        self.asker = UserFactory()
        self.helper = UserFactory()
        voters = [ModeratorFactory() for _ in range(3)]
        self.spam_question = make_question(author=self.spammer, title="Cheap watches for everyone here")
        self.other_question = make_question(author=self.asker, title="My router drops every hour")
        self.spam_answer = make_answer(self.other_question, author=self.spammer)
        self.second_answer = make_answer(
            self.other_question, author=self.spammer, body="Buy a watch, it helps."
        )
        self.helpful = make_answer(self.spam_question, author=self.helper)
        self.comment, _ = forum_services.comment_create(
            post=self.other_question, author=self.spammer, body="Visit my shop for watches."
        )
        for voter in voters:
            commit(forum_services.vote_cast, voter=voter, post=self.spam_answer, value=1)
        commit(forum_services.vote_cast, voter=voters[0], post=self.spam_question, value=1)
        commit(forum_services.vote_cast, voter=voters[1], post=self.spam_question, value=-1)
        commit(forum_services.vote_cast, voter=voters[2], post=self.helpful, value=1)
        commit(forum_services.answer_accept_toggle, answer=self.spam_answer, user=self.asker)
        commit(forum_services.answer_also_helped_toggle, answer=self.second_answer, user=self.asker)
        commit(forum_services.vote_cast, voter=self.spammer, post=self.helpful, value=1)
        self.flag = flags.flag_create(flagger=voters[0], post=self.second_answer, reason="spam")
        self.suggestion = forum_services.suggested_edit_create(
            post=self.helpful, editor=self.spammer, body="Buy watches at my shop, the best ones around."
        )
        self.manager = CommunityManagerFactory(display_name="Casey")
        self.helper.refresh_from_db()
        self.spammer.refresh_from_db()


@pytest.fixture
def spam(commit):
    return Spam(commit)


def remove(spam, commit, client=None):
    from moderation.members import member_remove_spammer

    return commit(member_remove_spammer, member=spam.spammer, actor=spam.manager, reason=REASON)


def test_their_posts_earned_reputation_before(spam):
    # 3 up-votes (+30), acceptance (+15), also helped (+5), question up (+5) and down (-2).
    assert earned_by_own_posts(spam.spammer) == 30 + 15 + 5 + 5 - 2
    assert spam.spammer.reputation == 1 + 53


def test_the_confirmation_page_lists_what_will_go(client, spam):
    client.force_login(spam.manager)

    page = client.get("/manage/members/spammy/remove-spammer/").content.decode()

    assert "<h1>Remove Spammy as a spammer</h1>" in page
    assert "Deletes 1 question, 2 answers and 1 comment of theirs" in page
    assert "<strong>53</strong> reputation their posts earned them" in page
    assert "Rejects 1 suggested edit of theirs" in page
    assert not Question.objects.filter(deleted_at__isnull=False).exists()  # nothing happened yet


def test_a_reason_is_required_and_nothing_happens_without_one(client, spam):
    client.force_login(spam.manager)

    response = client.post("/manage/members/spammy/remove-spammer/", {"reason": " "})

    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not Restriction.objects.exists()
    assert Answer.objects.visible().filter(author=spam.spammer).count() == 2


def test_removal_deletes_every_post_and_suspends_indefinitely(
    client, spam, django_capture_on_commit_callbacks
):
    client.force_login(spam.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/members/spammy/remove-spammer/", {"reason": REASON}, follow=True)

    assert "Spammy is suspended indefinitely; 4 posts deleted and 53 reputation from them reversed" in (
        response.content.decode()
    )
    for model in (Question, Answer, Comment):
        assert not model.objects.filter(author=spam.spammer, deleted_at__isnull=True).exists()
    spammer = User.objects.get(pk=spam.spammer.pk)
    assert spammer.suspended_until == INDEFINITELY
    assert Restriction.objects.get(user=spammer).reason == REASON


def test_what_their_posts_earned_is_reversed_exactly_by_new_lines(spam, commit):
    lines_before = set(LedgerEntry.objects.values_list("pk", "amount", "user_id"))
    helper_before = spam.helper.reputation

    remove(spam, commit)

    spammer = User.objects.get(pk=spam.spammer.pk)
    assert earned_by_own_posts(spammer) == 0
    assert not own_posts_entries(spammer).active().exists()  # every line reversed, none edited
    assert lines_before <= set(LedgerEntry.objects.values_list("pk", "amount", "user_id"))
    # What is left is the start, 1: their own up-vote on someone else's answer earned them nothing.
    assert spammer.reputation == 1
    # Someone else's answer on the spammer's question keeps what it earned.
    assert User.objects.get(pk=spam.helper.pk).reputation == helper_before


def test_the_ledger_reconciles_after_a_removal(spam, commit):
    remove(spam, commit)

    report = reconcile.check()

    assert report.drift == 0, reconcile.describe(reconcile.Outcome(found=report))


def test_flags_are_accepted_suggestions_rejected_and_everything_logged(spam, commit):
    remove(spam, commit)

    flag = Flag.objects.get(pk=spam.flag.pk)
    assert (flag.status, flag.handled_by) == (FlagStatus.ACCEPTED, spam.manager)
    assert Notification.objects.filter(recipient=flag.flagger, kind=Kind.FLAG_HANDLED).exists()
    assert SuggestedEdit.objects.get(pk=spam.suggestion.pk).status == SuggestedEdit.Status.REJECTED
    actions = list(ModerationAction.objects.order_by("pk").values_list("action", "target_type"))
    assert sorted(actions[:-1]) == sorted(
        [("deleted", "question"), ("deleted", "answer"), ("deleted", "answer"), ("deleted", "comment")]
    )
    assert actions[-1] == ("spammer_removed", "user")
    summary = ModerationAction.objects.get(action="spammer_removed")
    assert summary.after["questions_deleted"] == 1 and summary.after["reputation_reversed"] == 53
    assert summary.after["suspended_until"] == "indefinitely"


def test_the_spammer_is_told_once(spam, commit):
    Notification.objects.filter(recipient=spam.spammer).delete()

    remove(spam, commit)

    [note] = Notification.objects.filter(recipient=spam.spammer)
    assert note.kind == Kind.ACCOUNT and note.text.startswith("You are suspended indefinitely.")


def test_a_moderator_restores_a_post_one_by_one_and_its_credit_comes_back(spam, commit):
    remove(spam, commit)
    moderator = ModeratorFactory()

    commit(closing.post_restore, post=Answer.objects.get(pk=spam.spam_answer.pk), moderator=moderator)

    assert earned_by_own_posts(User.objects.get(pk=spam.spammer.pk)) == 30 + 15
    assert reconcile.check().drift == 0


def test_only_community_managers_remove_spammers(client, spam):
    from moderation.members import member_remove_spammer

    moderator = ModeratorFactory()
    with pytest.raises(PermissionDenied, match="Only community managers can remove a spammer"):
        member_remove_spammer(member=spam.spammer, actor=moderator, reason=REASON)
    client.force_login(moderator)
    assert client.get("/manage/members/spammy/remove-spammer/").status_code == 403
    assert "Remove Spammy as a spammer" not in client.get("/manage/members/spammy/").content.decode()
    with pytest.raises(PermissionDenied):
        member_remove_spammer(member=spam.manager, actor=CommunityManagerFactory(), reason=REASON)
