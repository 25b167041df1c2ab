"""`reputation_reconcile`: totals against the ledger, the ledger against the facts, stale events.

Runs on SQLite (make test) and PostgreSQL (make test-services). Facts are made through the forum's
services; drift is made the way it happens in life: a write that skipped the ledger.
"""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.models import AlsoHelped, Answer, Question, Vote
from reputation import events, ledger, reconcile
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def settle() -> None:
    """Apply every pending event, as the worker would (on_commit never fires inside `db` tests)."""
    for event_id in ReputationEvent.objects.pending().order_by("pk").values_list("pk", flat=True):
        ledger.apply_event(event_id)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reputation_reconcile", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def entries_snapshot() -> set[tuple]:
    return set(LedgerEntry.objects.values_list("pk", "user_id", "amount", "rule", "reverses_id"))


@pytest.fixture
def thread():
    """A question with three answers, voted up and down, one vote retracted, one answer accepted
    and one marked as also helped: every kind of fact the reconcile checks."""
    asker, helper, other = UserFactory(), UserFactory(), UserFactory()
    voters = [UserFactory() for _ in range(3)]
    moderator = ModeratorFactory()  # may vote down without reputation to spend
    question = make_question(author=asker)
    accepted = make_answer(question, author=helper)
    marked = make_answer(question, author=other)
    own = make_answer(question, author=asker)
    services.vote_cast(voter=voters[0], post=accepted, value=1)
    services.vote_cast(voter=voters[1], post=accepted, value=1)
    services.vote_cast(voter=voters[0], post=question, value=1)
    services.vote_cast(voter=moderator, post=marked, value=-1)
    services.vote_cast(voter=voters[2], post=marked, value=1)
    services.vote_cast(voter=voters[2], post=marked, value=0)
    services.answer_accept_toggle(answer=accepted, user=asker)
    services.answer_also_helped_toggle(answer=marked, user=asker)
    settle()
    return {
        "asker": asker,
        "helper": helper,
        "other": other,
        "voters": voters,
        "moderator": moderator,
        "question": question,
        "accepted": accepted,
        "marked": marked,
        "own": own,
    }


def test_a_consistent_ledger_reports_no_drift(thread):
    outcome = reconcile.reconcile()

    assert outcome.found.drift == 0
    assert outcome.found.members == User.objects.count()
    assert outcome.found.votes == 5
    assert (outcome.found.acceptances, outcome.found.marks) == (1, 1)
    out, _ = run()
    assert out.splitlines()[0] == f"Checked {User.objects.count()} members and 5 votes: 0 drift."
    thread["helper"].refresh_from_db()
    assert thread["helper"].reputation == 1 + 10 + 10 + 15


def test_a_tampered_total_is_reported_then_set_from_the_ledger(thread):
    helper = thread["helper"]
    User.objects.filter(pk=helper.pk).update(reputation=999)
    before = entries_snapshot()

    found = reconcile.check()
    assert found.totals == [reconcile.TotalDrift(helper.pk, helper.username, 999, 36)]
    assert found.facts == [] and found.stale_events == []
    with pytest.raises(CommandError, match="1 drift left unfixed"):
        run()

    out, _ = run("--fix")

    assert f"@{helper.username} (id {helper.pk}) has 999; the ledger says 36." in out
    assert "Nothing left." in out
    helper.refresh_from_db()
    assert helper.reputation == 36
    assert entries_snapshot() == before  # the ledger is the truth: nothing written to it
    assert reconcile.check().drift == 0


def test_a_vote_that_skipped_the_ledger_is_repaired_by_a_corrective_entry(thread):
    newcomer, author = UserFactory(), thread["other"]
    answer = thread["marked"]
    author_before = User.objects.get(pk=author.pk).reputation
    vote = Vote.objects.create(voter=newcomer, answer=answer, value=Vote.UP)  # no event recorded
    Answer.objects.filter(pk=answer.pk).update(score=F("score") + 1)
    before = entries_snapshot()

    found = reconcile.check()
    assert [(d.kind, d.object_id, d.missing, d.unexpected) for d in found.facts] == [
        ("vote", vote.pk, (("answer_upvoted", thread["other"].pk),), ())
    ]
    assert found.totals == []  # the column still matches the (incomplete) ledger

    out, _ = run("--fix")

    assert "Nothing left." in out
    after = entries_snapshot()
    assert before < after  # only added to: nothing updated or deleted
    added = LedgerEntry.objects.exclude(pk__in=[row[0] for row in before]).get()
    assert (added.user_id, added.rule, added.amount, added.vote_id) == (
        thread["other"].pk,
        "answer_upvoted",
        10,
        vote.pk,
    )
    score = Answer.objects.get(pk=answer.pk).score
    assert added.event.payload == {"value": 1, "score": score, "source": "reconcile"}
    assert added.event.applied_at is not None
    author.refresh_from_db()
    assert author.reputation == author_before + 10
    assert reconcile.check().drift == 0


def test_entries_of_a_vote_retracted_behind_the_ledgers_back_are_reversed_not_deleted(thread):
    vote = Vote.objects.get(voter=thread["voters"][0], answer=thread["accepted"])
    Vote.objects.filter(pk=vote.pk).update(value=Vote.RETRACTED)
    original = LedgerEntry.objects.get(vote=vote)

    found = reconcile.check()
    assert [(d.object_id, d.missing, d.unexpected) for d in found.facts] == [(vote.pk, (), (original.pk,))]

    run("--fix")

    reversal = LedgerEntry.objects.get(reverses=original)
    assert reversal.amount == -10 and reversal.reason == "vote retracted"
    assert LedgerEntry.objects.filter(pk=original.pk, amount=10).exists()
    thread["helper"].refresh_from_db()
    assert thread["helper"].reputation == 1 + 10 + 15
    assert reconcile.check().drift == 0


def test_a_vote_turned_down_behind_the_ledgers_back_gets_the_down_vote_entries(thread):
    voter = thread["voters"][1]
    vote = Vote.objects.get(voter=voter, answer=thread["accepted"])
    Vote.objects.filter(pk=vote.pk).update(value=Vote.DOWN)

    (drift,) = reconcile.check().facts
    assert drift.missing == (("downvote_cast", voter.pk), ("post_downvoted", thread["helper"].pk))
    assert len(drift.unexpected) == 1

    run("--fix")

    active = LedgerEntry.objects.active().filter(vote=vote)
    assert sorted(active.values_list("rule", "amount")) == [("downvote_cast", 0), ("post_downvoted", -2)]
    # The voter was at the floor of 1: the -1 for voting down was written as 0, with the reason.
    assert active.get(rule="downvote_cast").reason == "reputation floor"
    assert reconcile.check().drift == 0


def test_an_acceptance_moved_behind_the_ledgers_back_is_repaired_both_ways(thread):
    accepted, marked = thread["accepted"], thread["marked"]
    before = {key: User.objects.get(pk=thread[key].pk).reputation for key in ("helper", "other", "asker")}
    Question.objects.filter(pk=thread["question"].pk).update(accepted_answer=marked)
    AlsoHelped.objects.filter(answer=marked).delete()

    found = reconcile.check()
    by_kind = {(d.kind, d.object_id): d for d in found.facts}
    assert set(by_kind) == {("accept", accepted.pk), ("accept", marked.pk), ("also_helped", marked.pk)}
    assert by_kind["accept", marked.pk].missing == (
        ("accepted_an_answer", thread["asker"].pk),
        ("answer_accepted", thread["other"].pk),
    )
    assert len(by_kind["accept", accepted.pk].unexpected) == 2
    assert len(by_kind["also_helped", marked.pk].unexpected) == 1

    out, _ = run("--fix")

    assert "Nothing left." in out
    # The acceptance moved (-15, +15), the asker's +2 was reversed and written again, and the
    # mark that vanished took its +5 back.
    for key, change in [("helper", -15), ("other", 15 - 5), ("asker", 0)]:
        assert User.objects.get(pk=thread[key].pk).reputation == before[key] + change, key
    assert reconcile.check().drift == 0


def test_an_own_answer_accepted_earns_nothing_and_is_not_drift(thread):
    Question.objects.filter(pk=thread["question"].pk).update(accepted_answer=thread["own"])

    (drift,) = reconcile.check().facts  # only the answer that lost the acceptance
    assert (drift.kind, drift.object_id) == ("accept", thread["accepted"].pk)


def delete(post, moderator) -> None:
    """What moderation does when it deletes a post: mark it, and record the deletion event."""
    type(post).objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=moderator)
    events.record_post_deleted(post=post, actor=moderator)


def test_a_deleted_post_holds_no_credit_and_that_is_not_drift(thread):
    delete(thread["accepted"], thread["moderator"])
    delete(thread["question"], thread["moderator"])
    settle()

    assert reconcile.check().drift == 0
    thread["helper"].refresh_from_db()
    assert thread["helper"].reputation == 1  # two up-votes and the acceptance, all reversed


def test_credit_written_to_a_deleted_post_is_reversed_by_recording_the_deletion_again(thread):
    answer = thread["accepted"]
    Answer.objects.filter(pk=answer.pk).update(deleted_at=timezone.now())  # as if the deletion's
    # event had been applied before the votes' events: the votes' credit stayed active.

    found = reconcile.check()
    assert {(d.kind, d.object_id) for d in found.facts} == {
        ("vote", vote.pk) for vote in Vote.objects.filter(answer=answer)
    } | {("accept", answer.pk)}
    assert "deleted answer" in found.facts[0].summary

    out, _ = run("--fix")

    assert "Nothing left." in out
    corrective = ReputationEvent.objects.filter(payload__source="reconcile")
    assert set(corrective.values_list("kind", flat=True)) == {"post_deleted"}
    thread["helper"].refresh_from_db()
    assert thread["helper"].reputation == 1


def test_stale_pending_events_are_reported_apart_and_applied_with_fix(thread):
    voter = UserFactory()
    services.vote_cast(voter=voter, post=thread["own"], value=1)  # on_commit never fires: pending
    services.vote_cast(voter=voter, post=thread["question"], value=1)
    pending = list(ReputationEvent.objects.pending().values_list("pk", flat=True))
    ReputationEvent.objects.filter(pk__in=pending).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    found = reconcile.check()
    assert found.stale_events == sorted(pending)
    assert found.facts == []  # not yet applied, said once
    with pytest.raises(CommandError):
        run()

    out, _ = run("--fix")

    assert "2 pending events applied" in out and "Nothing left." in out
    assert not ReputationEvent.objects.pending().exists()
    thread["asker"].refresh_from_db()
    assert thread["asker"].reputation == 1 + 5 + 2 + 10 + 5


def test_events_pending_for_under_a_minute_are_in_flight_not_drift(thread):
    services.vote_cast(voter=UserFactory(), post=thread["own"], value=1)

    out, _ = run()  # no CommandError: exit status 0

    assert "0 drift." in out.splitlines()[0]
    assert "1 pending events are under a minute old (being applied): not drift." in out


def test_progress_bars_go_to_stderr_when_asked():
    UserFactory()

    out, err = run("--progress")

    assert "members" in err and "votes" in err and "%|" in err
    assert "%|" not in out


# --- What other parts of the site do to the ledger, which the reconcile must not undo ---------


@pytest.fixture
def ring():
    """A member (a moderator, so they may vote down too) up-voted five answers by one author in
    a day; the serial-voting task reversed what those votes earned."""
    from moderation.serial_voting import SERIAL_VOTES, detect_and_neutralise

    author, voter = UserFactory(), ModeratorFactory()
    answers = [make_answer(make_question(), author=author) for _ in range(SERIAL_VOTES)]
    for answer in answers:
        services.vote_cast(voter=voter, post=answer, value=Vote.UP)
    settle()
    assert detect_and_neutralise()
    settle()
    assert User.objects.get(pk=author.pk).reputation == 1
    return author, voter, answers


def test_votes_reversed_as_serial_voting_are_not_drift_and_fix_gives_nothing_back(ring):
    author, _, _ = ring
    before = entries_snapshot()

    assert reconcile.check().drift == 0
    out, _ = run("--fix")

    assert "0 drift." in out.splitlines()[0]
    assert entries_snapshot() == before  # the reversal stands: nothing re-credited
    assert User.objects.get(pk=author.pk).reputation == 1


def test_a_vote_changed_after_a_serial_voting_reversal_is_checked_by_the_rules_again(ring):
    author, voter, answers = ring
    services.vote_cast(voter=voter, post=answers[0], value=Vote.DOWN)  # a new fact, new lines
    settle()
    assert reconcile.check().drift == 0

    changed = Vote.objects.get(voter=voter, answer=answers[0])
    Vote.objects.filter(pk=changed.pk).update(value=Vote.UP)  # behind the ledger's back
    (drift,) = reconcile.check().facts
    assert drift.object_id == changed.pk and drift.missing == (("answer_upvoted", author.pk),)


def test_credit_reappearing_on_a_reversed_vote_is_reversed_again_not_regranted(ring):
    author, voter, answers = ring
    vote = Vote.objects.get(voter=voter, answer=answers[0])
    stray = LedgerEntry.objects.create(  # a write that skipped the rules
        user=author,
        amount=10,
        rule="answer_upvoted",
        rules_version=1,
        vote=vote,
        answer=answers[0],
        question_id=answers[0].question_id,
        occurred_at=timezone.now(),
        idempotency_key="stray",
    )
    User.objects.filter(pk=author.pk).update(reputation=F("reputation") + 10)

    (drift,) = reconcile.check().facts
    assert drift.unexpected == (stray.pk,) and "reversed as fraud" in drift.summary
    out, _ = run("--fix")

    assert "Nothing left." in out
    assert LedgerEntry.objects.get(reverses=stray).reason == "serial voting reversed"
    assert User.objects.get(pk=author.pk).reputation == 1


def test_an_acceptance_carried_by_a_merge_keeps_its_credit_and_is_not_drift(thread):
    from moderation.closing import question_merge

    target = make_question(title="Wi-Fi drops every hour on my router")
    target_answer = make_answer(target)
    services.answer_accept_toggle(answer=target_answer, user=target.author)
    settle()
    reputations = dict(User.objects.values_list("pk", "reputation"))

    question_merge(source=thread["question"], into=target, moderator=thread["moderator"])
    settle()

    assert reconcile.check().drift == 0
    out, _ = run("--fix")
    assert "0 drift." in out.splitlines()[0]
    assert dict(User.objects.values_list("pk", "reputation")) == reputations

    # The new question's asker accepting the moved answer credits nothing twice.
    services.answer_accept_toggle(answer=Answer.objects.get(pk=thread["accepted"].pk), user=target.author)
    settle()
    assert reconcile.check().drift == 0
    assert User.objects.get(pk=thread["asker"].pk).reputation == reputations[thread["asker"].pk]
