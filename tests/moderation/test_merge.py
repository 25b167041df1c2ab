"""What a merge cannot carry as it was: the duplicate's acceptance (the target accepts nothing it
did not choose) and "also helped" marks beyond 3 in one thread. The askers concerned are told,
and the ledger stays exact."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.models import AlsoHelped, Answer, Question
from moderation import closing
from notifications.email import email_preferences_set
from notifications.models import Frequency, Kind, Notification
from reputation import reconcile, selectors
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def reputation_of(user) -> int:
    return User.objects.get(pk=user.pk).reputation


def ledger_lines(user) -> list[LedgerEntry]:
    """The member's ledger as their ledger page reads it, newest first."""
    return list(selectors.ledger_page(user).object_list)


def merge_notifications(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.MODERATION).order_by("pk"))


@pytest.fixture
def duplicate(commit):
    """A duplicate whose asker accepted an answer, and the question it duplicates."""
    asker = UserFactory(display_name="Dana Duplicate")
    source = commit(make_question, author=asker, title="Router keeps dropping the connection")
    target = commit(make_question, title="Wi-Fi drops every hour on my router")
    accepted = commit(make_answer, source, author=UserFactory())
    commit(services.answer_accept_toggle, answer=accepted, user=asker)
    mail.outbox.clear()
    return {"asker": asker, "source": source, "target": target, "accepted": accepted}


# --- The duplicate's acceptance -------------------------------------------------------------


def test_merge_into_a_question_with_its_own_accepted_answer_tells_the_asker_where_their_answer_went(
    commit, duplicate
):
    asker, source, target, accepted = (duplicate[k] for k in ("asker", "source", "target", "accepted"))
    own = commit(make_answer, target)
    commit(services.answer_accept_toggle, answer=own, user=target.author)
    moderator = ModeratorFactory(display_name="Morgan Moderator")
    before = {person.pk: reputation_of(person) for person in (asker, accepted.author, own.author)}
    lines_before = LedgerEntry.objects.count()

    assert commit(closing.question_merge, source=source, into=target, moderator=moderator)

    target = Question.objects.get(pk=target.pk)
    assert target.accepted_answer_id == own.pk  # the target keeps its own acceptance
    [told] = merge_notifications(asker)  # one notification for the merge, not two
    assert told.text == (
        "Morgan Moderator merged your question “Router keeps dropping the connection” into "
        "“Wi-Fi drops every hour on my router”. The answer you accepted is there, no longer marked "
        "accepted: that question has its own accepted answer."
    )
    assert told.url == f"{target.get_absolute_url()}#answer-{accepted.pk}"
    assert told.question_id == target.pk and told.answer_id == accepted.pk
    # Emailed at once, as the asker's preferences (the default for moderation) say.
    [email] = [message for message in mail.outbox if asker.email in message.to]
    assert "no longer marked accepted" in email.body
    assert f"{target.get_absolute_url()}#answer-{accepted.pk}" in email.body
    # The acceptance keeps its credit: no line is written and nobody's total moves.
    assert LedgerEntry.objects.count() == lines_before
    assert {person.pk: reputation_of(person) for person in (asker, accepted.author, own.author)} == before
    assert [line.rule for line in ledger_lines(asker)] == ["accepted_an_answer"]
    assert reconcile.check().drift == 0


def test_merge_into_a_question_without_an_accepted_answer_says_only_its_asker_accepts_there(
    commit, duplicate
):
    asker, source, target, accepted = (duplicate[k] for k in ("asker", "source", "target", "accepted"))

    commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())

    assert Question.objects.get(pk=target.pk).accepted_answer_id is None
    [told] = merge_notifications(asker)
    assert told.text.endswith(
        "The answer you accepted is there, no longer marked accepted: only that question's asker "
        "accepts answers there."
    )
    assert reputation_of(accepted.author) == 1 + 15
    assert reconcile.check().drift == 0


def test_the_email_follows_the_askers_preferences(commit, duplicate):
    asker, source, target = duplicate["asker"], duplicate["source"], duplicate["target"]
    email_preferences_set(user=asker, frequencies={Kind.MODERATION: Frequency.OFF})

    commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())

    assert len(merge_notifications(asker)) == 1  # still in the inbox
    assert not [message for message in mail.outbox if asker.email in message.to]


def test_a_merge_that_takes_nothing_off_tells_the_asker_as_any_moderator_action_does(commit):
    source, target = make_question(), make_question(title="Wi-Fi drops every hour on my router")
    make_answer(source)
    moderator = ModeratorFactory()

    commit(closing.question_merge, source=source, into=target, moderator=moderator)

    [told] = merge_notifications(source.author)
    assert told.text.endswith(f"merged into “{target.title}” by {moderator.name}")


def test_a_moderator_merging_their_own_duplicate_is_not_told(commit):
    moderator = ModeratorFactory()
    source = commit(make_question, author=moderator, title="Router keeps dropping the connection")
    target = commit(make_question, title="Wi-Fi drops every hour on my router")
    commit(services.answer_accept_toggle, answer=commit(make_answer, source), user=moderator)

    commit(closing.question_merge, source=source, into=target, moderator=moderator)

    assert merge_notifications(moderator) == []


# --- "Also helped" marks --------------------------------------------------------------------


def _marked(commit, question, minutes_ago: int) -> Answer:
    answer = commit(make_answer, question)
    commit(services.answer_also_helped_toggle, answer=answer, user=question.author)
    AlsoHelped.objects.filter(answer=answer).update(
        created_at=timezone.now() - timezone.timedelta(minutes=minutes_ago)
    )
    return answer


@pytest.fixture
def two_and_two(commit):
    """A duplicate and its target, each with 2 answers marked as also helped. The duplicate's
    marks are the oldest of all four."""
    source = commit(
        make_question,
        author=UserFactory(display_name="Sam Source"),
        title="Router keeps dropping the connection",
    )
    target = commit(make_question, title="Wi-Fi drops every hour on my router")
    return {
        "source": source,
        "target": target,
        "source_marks": [_marked(commit, source, 40), _marked(commit, source, 30)],
        "target_marks": [_marked(commit, target, 20), _marked(commit, target, 10)],
    }


def test_a_merge_bringing_2_and_2_marks_keeps_3_and_reverses_the_fourth(commit, two_and_two):
    source, target = two_and_two["source"], two_and_two["target"]
    older, newer = two_and_two["source_marks"]
    assert reputation_of(newer.author) == 1 + 5

    commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())

    # The target's own marks stay; the duplicate's fill the one place left, oldest first.
    kept = set(AlsoHelped.objects.filter(answer__question=target).values_list("answer_id", flat=True))
    assert kept == {older.pk, *(answer.pk for answer in two_and_two["target_marks"])}
    # The reversed mark's +5 comes off through a new line pointing at the one it reverses.
    assert reputation_of(newer.author) == 1
    reversal, credit = ledger_lines(newer.author)
    assert (credit.rule, credit.amount) == ("also_helped", 5)
    assert (reversal.rule, reversal.amount, reversal.reverses_id) == ("also_helped", -5, credit.pk)
    assert reversal.reason == closing.MARK_DROPPED_REASON
    assert reputation_of(older.author) == 1 + 5  # the kept one keeps its credit
    assert reconcile.check().drift == 0
    # The duplicate's asker is told, once, with a link to the answer that lost its mark.
    [told] = merge_notifications(source.author)
    assert told.text.endswith("One of your “also helped” marks came off: 3 at most per question.")
    assert told.url == f"{Question.objects.get(pk=target.pk).get_absolute_url()}#answer-{newer.pk}"
    # Nobody else lost a mark, so nobody else hears of it.
    assert merge_notifications(target.author) == []


def test_the_merged_thread_shows_3_marks_and_its_asker_cannot_add_a_fourth(commit, two_and_two, client):
    source, target = two_and_two["source"], two_and_two["target"]
    commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())
    unmarked = commit(make_answer, target)

    page = client.get(Question.objects.get(pk=target.pk).get_absolute_url()).content.decode()
    with pytest.raises(ValidationError, match="at most 3"):
        services.answer_also_helped_toggle(answer=unmarked, user=target.author)

    assert page.count("✓ Also helped") == 3
    # Taking one off makes room again.
    moved = Answer.objects.get(pk=two_and_two["source_marks"][0].pk)
    assert services.answer_also_helped_toggle(answer=moved, user=target.author) is False
    assert services.answer_also_helped_toggle(answer=unmarked, user=target.author) is True


def test_merge_with_room_for_every_mark_takes_none_off(commit):
    source = commit(make_question, title="Router keeps dropping the connection")
    target = commit(make_question, title="Wi-Fi drops every hour on my router")
    moved = _marked(commit, source, 5)
    _marked(commit, target, 4)

    commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())

    assert AlsoHelped.objects.filter(answer__question=target).count() == 2
    assert reputation_of(moved.author) == 1 + 5
    assert not any("also helped" in row.text for row in merge_notifications(source.author))


def test_losing_an_acceptance_and_marks_in_one_merge_makes_one_notification_that_says_it_all(
    commit, two_and_two
):
    source, target = two_and_two["source"], two_and_two["target"]
    accepted = commit(make_answer, source)
    commit(services.answer_accept_toggle, answer=accepted, user=source.author)
    own = commit(make_answer, target)
    commit(services.answer_accept_toggle, answer=own, user=target.author)
    # The longest titles and name there can be: the titles are cut, never the explanation.
    Question.objects.filter(pk__in=[source.pk, target.pk]).update(title="Why " + "very " * 28 + "slow?")
    moderator = ModeratorFactory(display_name="M" * 60)

    commit(closing.question_merge, source=source, into=target, moderator=moderator)

    [told] = merge_notifications(source.author)
    assert told.text.startswith(f"{'M' * 60} merged your question “Why very very")
    assert "The answer you accepted is there, no longer marked accepted" in told.text
    assert told.text.endswith("One of your “also helped” marks came off: 3 at most per question.")
    assert len(told.text) <= 300
    assert told.url.endswith(f"#answer-{accepted.pk}")
    assert reconcile.check().drift == 0


def test_the_audit_log_names_what_the_merge_took_off(commit, two_and_two, client):
    source, target = two_and_two["source"], two_and_two["target"]
    moderator = ModeratorFactory()
    commit(closing.question_merge, source=source, into=target, moderator=moderator)
    client.force_login(moderator)

    html = client.get("/moderation/log/").content.decode()

    assert "“Also helped” marks taken off" in html
