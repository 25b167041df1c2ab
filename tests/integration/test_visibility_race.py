"""A vote (or an edit, an acceptance, a suggested edit) and a moderator's deletion of the same
answer, in real concurrent transactions on PostgreSQL: whichever commits first, no credit
survives on the deleted answer, and nothing lands on it."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction

from forum import services
from forum.models import Answer, SuggestedEdit, Vote
from moderation import closing
from reputation import reconcile
from reputation.ledger import apply_event
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(job, errors: list):
    def run():
        try:
            job()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def apply_pending() -> None:
    for event_id in ReputationEvent.objects.pending().order_by("pk").values_list("pk", flat=True):
        apply_event(event_id)


def while_a_deletion_waits_to_commit(answer, write) -> list:
    """A moderator deletes the answer and holds the commit; meanwhile `write(seen)` runs on the
    answer as read before the commit (not deleted yet) and waits for its lock; then the deletion
    commits. Returns the errors either raised."""
    assert connection.vendor == "postgresql"
    moderator = ModeratorFactory()
    deleted_uncommitted, commit_now = threading.Event(), threading.Event()
    errors: list = []

    def delete():
        with transaction.atomic():
            closing.post_delete(post=Answer.objects.get(pk=answer.pk), actor=moderator)
            deleted_uncommitted.set()
            commit_now.wait(timeout=20)

    def act():
        deleted_uncommitted.wait(timeout=20)
        seen = Answer.objects.select_related("question").get(pk=answer.pk)  # not committed: not deleted yet
        assert seen.deleted_at is None
        write(seen)

    threads = [in_thread(delete, errors), in_thread(act, errors)]
    deleted_uncommitted.wait(timeout=20)
    time.sleep(0.5)  # the write is now waiting for the lock
    commit_now.set()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_a_vote_that_read_the_answer_before_its_deletion_committed_is_refused():
    answer = make_answer(make_question())
    voter = UserFactory()

    errors = while_a_deletion_waits_to_commit(
        answer, lambda seen: services.vote_cast(voter=voter, post=seen, value=1)
    )

    assert [type(error) for error in errors] == [PermissionDenied]
    assert "deleted" in str(errors[0])
    assert not Vote.objects.filter(answer=answer, value=1).exists()
    apply_pending()
    assert not LedgerEntry.objects.active().filter(answer=answer).exists()
    assert reconcile.check().drift == 0


def test_a_vote_that_commits_first_is_reversed_by_the_deletion_that_waited_for_it():
    answer = make_answer(make_question())
    voter, moderator = UserFactory(), ModeratorFactory()
    voted_uncommitted, commit_now = threading.Event(), threading.Event()
    errors: list = []

    def vote():
        with transaction.atomic():
            services.vote_cast(voter=voter, post=Answer.objects.get(pk=answer.pk), value=1)
            voted_uncommitted.set()
            commit_now.wait(timeout=20)

    def delete():
        voted_uncommitted.wait(timeout=20)
        closing.post_delete(post=Answer.objects.get(pk=answer.pk), actor=moderator)

    threads = [in_thread(vote, errors), in_thread(delete, errors)]
    voted_uncommitted.wait(timeout=20)
    time.sleep(0.5)  # the deletion is now waiting for the answer's lock
    commit_now.set()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Vote.objects.get(answer=answer).value == 1
    apply_pending()
    author = answer.author
    author.refresh_from_db()
    assert author.reputation == 1
    assert not LedgerEntry.objects.active().filter(answer=answer).exists()
    assert reconcile.check().drift == 0


@pytest.mark.parametrize("write", ["edit", "accept", "suggest"])
def test_an_edit_acceptance_or_suggestion_that_read_the_answer_before_its_deletion_is_refused(write):
    """As votes do, edits, acceptances and suggestions lock the thread and then the post (the
    order a deletion locks them in, so neither deadlocks), then ask again: the one that waited
    for the deletion is refused, and the deleted answer is left as it was."""
    asker = UserFactory()
    answer = make_answer(make_question(author=asker), body="Update the firmware, then reboot.")
    body = "Update the firmware from the admin page, then reboot it twice."
    writes = {
        "edit": lambda seen: services.answer_edit(answer=seen, editor=seen.author, body=body),
        "accept": lambda seen: services.answer_accept_toggle(answer=seen, user=asker),
        "suggest": lambda seen: services.suggested_edit_create(post=seen, editor=UserFactory(), body=body),
    }

    errors = while_a_deletion_waits_to_commit(answer, writes[write])

    assert [type(error) for error in errors] == [PermissionDenied]
    assert "deleted" in str(errors[0])
    answer.refresh_from_db()
    answer.question.refresh_from_db()
    assert answer.body == "Update the firmware, then reboot."
    assert answer.question.accepted_answer_id is None
    assert not SuggestedEdit.objects.exists()
