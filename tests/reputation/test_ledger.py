"""The ledger's rules, exactness and append-only guarantees (tasks run eagerly here)."""

import datetime as dt

import pytest
from django.utils import timezone

from forum import services
from forum.models import Answer, Question
from reputation import ledger
from reputation.models import AppendOnlyError, LedgerEntry, ReputationEvent
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def rep(user) -> int:
    user.refresh_from_db()
    return user.reputation


def entries(user):
    return list(LedgerEntry.objects.filter(user=user).order_by("pk").values_list("rule", "amount"))


def test_answer_voted_up_earns_10_and_question_voted_up_earns_5(commit):
    asker, helper, voter = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)

    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voter, post=question, value=1)

    assert rep(helper) == 11
    assert rep(asker) == 6
    assert entries(helper) == [("answer_upvoted", 10)]
    assert entries(asker) == [("question_upvoted", 5)]


def test_down_vote_costs_author_2_and_voter_1_on_answers_only(commit):
    asker, helper = UserFactory(reputation=50), UserFactory(reputation=50)
    voter = UserFactory(reputation=100)
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)

    commit(services.vote_cast, voter=voter, post=answer, value=-1)
    commit(services.vote_cast, voter=voter, post=question, value=-1)

    assert rep(helper) == 48
    assert rep(asker) == 48
    assert rep(voter) == 99  # only the answer down vote costs the voter
    assert entries(voter) == [("downvote_cast", -1)]


def test_changed_and_retracted_votes_are_reversed_exactly_as_new_lines(commit):
    helper, voter = UserFactory(reputation=50), UserFactory(reputation=100)
    answer = make_answer(make_question(), author=helper)

    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voter, post=answer, value=-1)
    commit(services.vote_cast, voter=voter, post=answer, value=0)

    assert rep(helper) == 50
    assert rep(voter) == 100
    lines = list(LedgerEntry.objects.filter(user=helper).order_by("pk"))
    assert [(e.rule, e.amount) for e in lines] == [
        ("answer_upvoted", 10),
        ("answer_upvoted", -10),
        ("post_downvoted", -2),
        ("post_downvoted", 2),
    ]
    assert lines[1].reverses == lines[0] and lines[1].reason == "vote changed"
    assert lines[3].reverses == lines[2] and lines[3].reason == "vote retracted"


def test_accept_earns_15_and_2_and_unaccept_reverses_both(commit):
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)

    commit(services.answer_accept_toggle, answer=answer, user=asker)
    assert (rep(helper), rep(asker)) == (16, 3)

    commit(services.answer_accept_toggle, answer=answer, user=asker)
    assert (rep(helper), rep(asker)) == (1, 1)
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 2


def test_moving_the_acceptance_moves_the_reputation(commit):
    asker, first, second = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker)
    a1, a2 = make_answer(question, author=first), make_answer(question, author=second)

    commit(services.answer_accept_toggle, answer=a1, user=asker)
    commit(services.answer_accept_toggle, answer=a2, user=asker)

    assert (rep(first), rep(second), rep(asker)) == (1, 16, 3)


def test_accepting_your_own_answer_earns_nothing(commit):
    asker = UserFactory()
    question = make_question(author=asker)
    own = make_answer(question, author=asker)

    commit(services.answer_accept_toggle, answer=own, user=asker)

    assert rep(asker) == 1
    assert LedgerEntry.objects.count() == 0


def test_daily_cap_writes_zero_amount_lines_that_say_daily_cap(commit):
    helper = UserFactory()
    question = make_question()
    answers = [
        make_answer(question, author=helper, body=f"Answer number {i} with enough text.") for i in range(3)
    ]
    voters = [UserFactory() for _ in range(8)]

    for answer in answers:
        for voter in voters:
            commit(services.vote_cast, voter=voter, post=answer, value=1)

    assert rep(helper) == 1 + 200
    capped = LedgerEntry.objects.filter(user=helper, reason__startswith="daily cap")
    assert capped.count() == 4
    assert sorted(capped.values_list("amount", flat=True)) == [0, 0, 0, 0]


def test_accepted_answers_are_exempt_from_the_daily_cap(commit):
    helper, asker = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answers = [
        make_answer(question, author=helper, body=f"Answer number {i} with enough text.") for i in range(3)
    ]
    for answer in answers:
        for _ in range(7):
            commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)

    commit(services.answer_accept_toggle, answer=answers[0], user=asker)

    assert rep(helper) == 1 + 200 + 15


def test_reputation_never_drops_below_1_and_the_line_says_so(commit):
    helper, voter = UserFactory(), UserFactory(reputation=100)
    answer = make_answer(make_question(), author=helper)

    commit(services.vote_cast, voter=voter, post=answer, value=-1)

    assert rep(helper) == 1
    line = LedgerEntry.objects.get(user=helper)
    assert (line.amount, line.reason) == (0, "reputation floor")


def test_good_neighbour_for_first_answer_to_a_question_that_waited_a_day(commit):
    asker, helper, voter = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker)
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - dt.timedelta(hours=30))
    answer = make_answer(question, author=helper)

    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.answer_accept_toggle, answer=answer, user=asker)

    assert sorted(entries(helper)) == [("answer_accepted", 15), ("answer_upvoted", 10), ("good_neighbour", 5)]


def test_no_good_neighbour_when_the_question_was_answered_quickly(commit):
    helper = UserFactory()
    question = make_question()
    answer = make_answer(question, author=helper)

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)

    assert entries(helper) == [("answer_upvoted", 10)]


def test_also_helped_earns_5_and_unmarking_reverses_it(commit):
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)

    commit(services.answer_also_helped_toggle, answer=answer, user=asker)
    assert rep(helper) == 6
    commit(services.answer_also_helped_toggle, answer=answer, user=asker)
    assert rep(helper) == 1


def test_staff_and_moderators_follow_exactly_the_same_rules(commit):
    """The same actions by customers, staff and moderators earn identical ledgers."""
    results = []
    for factory in (UserFactory, StaffFactory, ModeratorFactory):
        asker, helper, voter = factory(), factory(), factory()
        question = make_question(author=asker)
        answer = make_answer(question, author=helper)
        commit(services.vote_cast, voter=voter, post=answer, value=1)
        commit(services.vote_cast, voter=voter, post=question, value=1)
        commit(services.answer_accept_toggle, answer=answer, user=asker)
        results.append((rep(asker), rep(helper), rep(voter), entries(helper)))

    assert results[0] == results[1] == results[2]


def test_same_event_delivered_twice_writes_once(commit):
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)
    event = ReputationEvent.objects.get()

    assert ledger.apply_event(event.pk) is None
    assert ledger.apply_event(event.pk) is None
    assert rep(helper) == 11
    assert LedgerEntry.objects.count() == 1


def test_events_wait_in_the_outbox_until_applied_then_apply_in_order():
    """Without a commit hook (as when the broker is down), events stay pending; applying the
    newest first still replays the vote's history in order."""
    helper, voter = UserFactory(), UserFactory(reputation=100)
    answer = make_answer(make_question(), author=helper)
    services.vote_cast(voter=voter, post=answer, value=1)
    services.vote_cast(voter=voter, post=answer, value=-1)
    _first, second = ReputationEvent.objects.order_by("pk")
    assert ReputationEvent.objects.pending().count() == 2

    ledger.apply_event(second.pk)

    assert ReputationEvent.objects.pending().count() == 0
    assert rep(helper) == 1  # +10, reversed, then -2 held at the floor of 1
    assert [line.rule for line in LedgerEntry.objects.filter(user=helper).order_by("pk")] == [
        "answer_upvoted",
        "answer_upvoted",
        "post_downvoted",
    ]


def test_entries_are_never_updated_or_deleted(commit):
    answer = make_answer(make_question())
    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)
    line = LedgerEntry.objects.get()

    line.amount = 1000
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=line.pk).update(amount=1000)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == 10


def test_total_is_always_one_plus_the_sum_of_entries(commit):
    people = [UserFactory(reputation=100) for _ in range(4)]
    question = make_question(author=people[0])
    answers = [make_answer(question, author=p) for p in people[1:]]
    for voter in people:
        for answer in answers:
            if answer.author != voter:
                commit(services.vote_cast, voter=voter, post=answer, value=1 if voter.pk % 2 else -1)
    commit(services.answer_accept_toggle, answer=answers[1], user=people[0])

    for person in people:
        person.refresh_from_db()
        total = sum(LedgerEntry.objects.filter(user=person).values_list("amount", flat=True))
        assert person.reputation == 100 + total
    assert Answer.objects.count() == 3


def test_badges_first_answer_and_solution(commit):
    from reputation.models import BadgeAward

    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = commit(make_answer, question, author=helper)
    assert set(BadgeAward.objects.filter(user=helper).values_list("badge", flat=True)) == {"first_answer"}

    commit(services.answer_accept_toggle, answer=answer, user=asker)

    assert set(BadgeAward.objects.filter(user=helper).values_list("badge", flat=True)) == {
        "first_answer",
        "solution",
    }
    # Awarding again changes nothing.
    from reputation.badges import award_badges

    assert award_badges(helper.pk) == []


def test_beat_sweep_resends_events_pending_past_their_lease():
    from reputation.tasks import resend_pending

    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    services.vote_cast(voter=UserFactory(), post=answer, value=1)  # no commit hook ran: pending
    fresh = ReputationEvent.objects.get()

    assert resend_pending() == 0  # too young to re-send: its own task may still be on the way
    ReputationEvent.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert resend_pending() == 0  # published at commit: its message may still be queued
    ReputationEvent.objects.filter(pk=fresh.pk).update(
        sent_at=timezone.now() - dt.timedelta(minutes=5, seconds=1)
    )
    assert resend_pending() == 1

    assert ReputationEvent.objects.pending().count() == 0
    assert rep(helper) == 11


def test_a_broker_outage_never_fails_the_vote(commit, monkeypatch):
    from reputation import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.apply_event, "apply_async", broker_down)
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)

    answer.refresh_from_db()
    assert answer.score == 1
    assert ReputationEvent.objects.pending().count() == 1
    assert rep(helper) == 1


def test_accepting_an_also_helped_answer_replaces_its_plus_5_with_the_acceptance(commit):
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    commit(services.answer_also_helped_toggle, answer=answer, user=asker)
    assert rep(helper) == 6

    commit(services.answer_accept_toggle, answer=answer, user=asker)

    assert rep(helper) == 16  # +15 for the acceptance; the also-helped +5 reversed
