"""The ledger applies pending events in batches: one transaction claims them oldest first and
applies them in id order, with each member's total, daily earnings and active lines kept in
memory. What a member sees must be exactly what applying them one at a time gave."""

import datetime as dt

import pytest
from django.utils import timezone

from forum import services
from reputation import ledger, reconcile, rules, tasks
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def rep(user) -> int:
    user.refresh_from_db()
    return user.reputation


def lines(user) -> list[tuple[str, int, str]]:
    return list(LedgerEntry.objects.filter(user=user).order_by("pk").values_list("rule", "amount", "reason"))


def test_one_batch_with_many_votes_for_one_member_stops_exactly_at_the_daily_cap():
    helper = UserFactory()
    question = make_question(author=helper)
    answers = [make_answer(make_question(), author=helper) for _ in range(22)]
    # Every vote recorded (the broker was down), none applied: they wait for one batch.
    for answer in answers[:19]:
        services.vote_cast(voter=UserFactory(), post=answer, value=1)  # 190
    services.vote_cast(voter=UserFactory(), post=question, value=1)  # 195
    for answer in answers[19:]:
        services.vote_cast(voter=UserFactory(), post=answer, value=1)  # 5 of 10, then 0, 0
    last = ReputationEvent.objects.latest("pk")
    assert ReputationEvent.objects.pending().count() == 23

    applied = ledger.apply_event(last.pk)

    assert len(applied.event_ids) == 23  # one call, one batch
    assert not ReputationEvent.objects.pending().exists()
    assert rep(helper) == 1 + rules.DAILY_VOTE_CAP
    assert lines(helper)[-5:] == [
        ("answer_upvoted", 10, ""),
        ("question_upvoted", 5, ""),
        ("answer_upvoted", 5, "daily cap (5 of 10)"),
        ("answer_upvoted", 0, "daily cap"),
        ("answer_upvoted", 0, "daily cap"),
    ]
    assert reconcile.check().drift == 0


def test_the_cap_counts_what_the_member_earned_earlier_that_day_and_only_that_day():
    helper = UserFactory()
    answers = [make_answer(make_question(), author=helper) for _ in range(4)]
    services.vote_cast(voter=UserFactory(), post=answers[0], value=1)
    ledger.apply_event(ReputationEvent.objects.get().pk)  # +10 today
    for answer in answers[1:]:
        services.vote_cast(voter=UserFactory(), post=answer, value=1)
    later = list(ReputationEvent.objects.pending().order_by("pk"))
    # Yesterday it earned 190 already (applied long ago); today it has earned 10 of 200.
    yesterday = timezone.now() - dt.timedelta(days=1)
    ReputationEvent.objects.filter(pk=later[0].pk).update(created_at=yesterday)
    other = make_answer(make_question(), author=helper)
    for _ in range(19):
        LedgerEntry.objects.create(
            user=helper,
            amount=10,
            rule="answer_upvoted",
            rules_version=rules.RULES_VERSION,
            answer=other,
            occurred_at=yesterday,
            idempotency_key=f"seeded:{_}",
        )
    from accounts.models import User

    User.objects.filter(pk=helper.pk).update(reputation=1 + 10 + 190)

    ledger.apply_event(later[-1].pk)

    assert lines(helper)[-3:] == [
        ("answer_upvoted", 10, ""),  # yesterday's 191st to 200th
        ("answer_upvoted", 10, ""),
        ("answer_upvoted", 10, ""),
    ]
    assert rep(helper) == 1 + 10 + 190 + 30
    assert reconcile.check().drift == 0


def test_the_floor_holds_across_down_votes_applied_in_one_batch():
    helper = UserFactory(reputation=4)
    answers = [make_answer(make_question(), author=helper) for _ in range(3)]
    voters = [UserFactory(reputation=1000) for _ in range(3)]
    for voter, answer in zip(voters, answers, strict=True):
        services.vote_cast(voter=voter, post=answer, value=-1)

    ledger.apply_event(ReputationEvent.objects.latest("pk").pk)

    assert lines(helper) == [
        ("post_downvoted", -2, ""),
        ("post_downvoted", -1, "reputation floor"),
        ("post_downvoted", 0, "reputation floor"),
    ]
    assert rep(helper) == 1
    assert [rep(voter) for voter in voters] == [999, 999, 999]


def test_a_vote_cast_changed_and_retracted_within_one_batch_replays_in_order():
    helper, voter = UserFactory(reputation=50), UserFactory(reputation=100)
    answer = make_answer(make_question(), author=helper)
    for value in (1, -1, 1, 0):
        services.vote_cast(voter=voter, post=answer, value=value)

    applied = ledger.apply_event(ReputationEvent.objects.latest("pk").pk)

    assert len(applied.event_ids) == 4
    assert [(rule, amount) for rule, amount, _ in lines(helper)] == [
        ("answer_upvoted", 10),
        ("answer_upvoted", -10),
        ("post_downvoted", -2),
        ("post_downvoted", 2),
        ("answer_upvoted", 10),
        ("answer_upvoted", -10),
    ]
    reversals = LedgerEntry.objects.filter(reverses__isnull=False).select_related("reverses")
    assert all(line.amount == -line.reverses.amount for line in reversals)
    assert rep(helper) == 50 and rep(voter) == 100


@pytest.mark.parametrize("batch_size", [1, ledger.BATCH_SIZE], ids=["one at a time", "one batch"])
def test_a_batch_mixing_kinds_gives_what_applying_one_at_a_time_gives(monkeypatch, batch_size):
    monkeypatch.setattr(ledger, "BATCH_SIZE", batch_size)
    asker, helper, third = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer, other = make_answer(question, author=helper), make_answer(question, author=third)
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        services.vote_cast(voter=voter, post=answer, value=1)
    services.answer_accept_toggle(answer=answer, user=asker)
    services.vote_cast(voter=voters[0], post=answer, value=0)
    services.answer_accept_toggle(answer=other, user=asker)  # moves the acceptance
    services.vote_cast(voter=voters[1], post=other, value=1)
    count = ReputationEvent.objects.count()

    applied = ledger.apply_event(ReputationEvent.objects.latest("pk").pk)

    assert len(applied.event_ids) == count
    assert ReputationEvent.objects.filter(attempts=1).count() == count
    assert [(rule, amount) for rule, amount, _ in lines(helper)] == [
        ("answer_upvoted", 10),
        ("answer_upvoted", 10),
        ("answer_upvoted", 10),
        ("answer_accepted", 15),
        ("answer_upvoted", -10),
        ("answer_accepted", -15),
    ]
    assert [(rule, amount) for rule, amount, _ in lines(asker)] == [
        ("accepted_an_answer", 2),
        ("accepted_an_answer", -2),
        ("accepted_an_answer", 2),
    ]
    assert (rep(asker), rep(helper), rep(third)) == (3, 21, 26)
    assert reconcile.check().drift == 0


def test_an_event_delivered_twice_is_applied_once_and_the_second_delivery_returns_at_once(
    django_assert_max_num_queries,
):
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    event = ReputationEvent.objects.get()

    assert tasks.apply_event(event.pk) == 1
    with django_assert_max_num_queries(2):  # is it pending? is a backlog waiting? no: done
        assert tasks.apply_event(event.pk) == 0

    assert rep(helper) == 11
    assert LedgerEntry.objects.count() == 1
    assert ReputationEvent.objects.get().attempts == 1


def test_a_delivery_whose_event_is_applied_drains_a_waiting_backlog():
    """After an outage the queue holds mostly messages for events an earlier batch applied:
    they must not each wait their turn to apply the rest."""
    helper = UserFactory()
    answers = [make_answer(make_question(), author=helper) for _ in range(3)]
    services.vote_cast(voter=UserFactory(), post=answers[0], value=1)
    first = ReputationEvent.objects.get()
    ledger.apply_event(first.pk)
    for answer in answers[1:]:
        services.vote_cast(voter=UserFactory(), post=answer, value=1)
    rest = list(ReputationEvent.objects.pending())
    ReputationEvent.objects.filter(pk__in=[e.pk for e in rest]).update(
        created_at=timezone.now() - ledger.BACKLOG_AGE - dt.timedelta(seconds=1)
    )

    assert tasks.apply_event(first.pk) == 2  # its own was applied before; the two others now

    assert not ReputationEvent.objects.pending().exists()
    assert rep(helper) == 31


def test_a_wake_up_applies_the_fresh_events_that_counted_on_it():
    """An event committed while a wake-up was queued may have published nothing (one wake-up
    queued at a time, reputation.events): the wake-up applies it, however fresh."""
    helper = UserFactory()
    answers = [make_answer(make_question(), author=helper) for _ in range(2)]
    services.vote_cast(voter=UserFactory(), post=answers[0], value=1)
    first = ReputationEvent.objects.get()
    ledger.apply_event(first.pk)
    services.vote_cast(voter=UserFactory(), post=answers[1], value=1)

    assert tasks.apply_event(first.pk) == 1

    assert not ReputationEvent.objects.pending().exists()
    assert rep(helper) == 21


def test_an_event_that_cannot_be_applied_holds_back_only_its_members(monkeypatch):
    """A broken event stays pending (and reported); the batch finds it one at a time and goes on
    without it, but the later events of its members wait: they must not overtake it."""
    stuck, other = UserFactory(), UserFactory()
    stuck_answers = [make_answer(make_question(), author=stuck) for _ in range(2)]
    other_answer = make_answer(make_question(), author=other)
    services.vote_cast(voter=UserFactory(), post=stuck_answers[0], value=1)
    services.vote_cast(voter=UserFactory(), post=other_answer, value=1)
    services.vote_cast(voter=UserFactory(), post=stuck_answers[1], value=1)
    broken, fine, held = ReputationEvent.objects.order_by("pk")
    ReputationEvent.objects.filter(pk=broken.pk).update(payload={"score": 1})  # no "value"

    with pytest.raises(KeyError):  # it, and the one it holds back, cannot be applied now
        ledger.apply_event(held.pk)

    assert set(ReputationEvent.objects.pending()) == {broken, held}
    assert rep(other) == 11 and rep(stuck) == 1
    assert ledger.apply_event(fine.pk) is None
    with pytest.raises(KeyError):
        ledger.apply_event(broken.pk)
