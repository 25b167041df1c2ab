"""Closing, reopening, locking, merging, deleting and restoring questions and answers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from forum import services
from forum.models import Answer, CloseReason, Question, Vote
from moderation import closing
from moderation.models import CloseVote, ModerationAction
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

CLOSER_REP = 1000  # the close privilege in the default ("new") preset
ANSWER_BODY = "Hold the reset button for ten seconds, then set it up again from the app."


def closers(n: int) -> list[User]:
    return [UserFactory(reputation=CLOSER_REP) for _ in range(n)]


def refreshed(question: Question) -> Question:
    return Question.objects.get(pk=question.pk)


def reputations(users) -> dict[int, int]:
    return dict(User.objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "reputation"))


# --- Voting to close and reopen ------------------------------------------------------------------


def test_three_privileged_votes_close_a_question_and_two_do_not():
    question = make_question()
    first, second, third = closers(3)

    one = closing.question_close_vote(question=question, voter=first, reason=CloseReason.OFF_TOPIC)
    two = closing.question_close_vote(question=question, voter=second, reason=CloseReason.OFF_TOPIC)
    assert (one.recorded, one.votes, two.votes, two.acted) == (True, 1, 2, False)
    assert not refreshed(question).is_closed

    three = closing.question_close_vote(question=question, voter=third, reason=CloseReason.NEEDS_DETAILS)

    question = refreshed(question)
    assert three.acted and question.is_closed
    assert question.close_reason == CloseReason.OFF_TOPIC  # two of three chose it
    assert not CloseVote.objects.filter(cleared_at__isnull=True).exists()  # the round is over
    line = ModerationAction.objects.get(action="closed")
    assert line.moderator == third
    assert line.before["closed_at"] is None and line.after["close_reason"] == "off_topic"
    assert line.public_note == f"closed as off-topic by {first.name}, {second.name} and {third.name}"


def test_a_second_vote_by_the_same_member_changes_nothing():
    question = make_question()
    voter = closers(1)[0]
    closing.question_close_vote(question=question, voter=voter, reason=CloseReason.OFF_TOPIC)

    again = closing.question_close_vote(question=question, voter=voter, reason=CloseReason.OFF_TOPIC)

    assert again.recorded is False and not again
    assert CloseVote.objects.count() == 1


def test_three_reopen_votes_reopen_and_a_new_close_round_starts_from_zero():
    question = make_question()
    for voter in closers(3):
        closing.question_close_vote(question=question, voter=voter, reason=CloseReason.NEEDS_DETAILS)
    reopeners = closers(3)

    closing.question_reopen_vote(question=question, voter=reopeners[0])
    closing.question_reopen_vote(question=question, voter=reopeners[1])
    assert refreshed(question).is_closed
    result = closing.question_reopen_vote(question=question, voter=reopeners[2])

    question = refreshed(question)
    assert result.acted and not question.is_closed and question.close_reason == ""
    vote = closing.question_close_vote(question=question, voter=reopeners[0], reason=CloseReason.OFF_TOPIC)
    assert vote.votes == 1
    assert ModerationAction.objects.get(action="reopened").public_note.startswith("reopened by ")


def test_members_below_the_close_privilege_cannot_vote_staff_included():
    question = make_question()
    for person in (UserFactory(reputation=CLOSER_REP - 1), StaffFactory()):
        with pytest.raises(PermissionDenied, match="needs 1000 reputation"):
            closing.question_close_vote(question=question, voter=person, reason=CloseReason.OFF_TOPIC)


def test_moderator_closes_alone_and_reopens_alone():
    question = make_question()
    moderator = ModeratorFactory(display_name="Morgan Reyes")

    assert closing.question_close(
        question=question, moderator=moderator, reason=CloseReason.RESOLVED_PRIVATELY
    )
    assert refreshed(question).close_reason == CloseReason.RESOLVED_PRIVATELY
    assert closing.question_reopen(question=question, moderator=moderator)

    notes = list(ModerationAction.objects.order_by("pk").values_list("action", "public_note"))
    assert notes == [
        ("closed", "closed as resolved privately by Morgan Reyes"),
        ("reopened", "reopened by Morgan Reyes"),
    ]


def test_a_moderators_vote_is_binding():
    question = make_question()

    result = closing.question_close_vote(
        question=question, voter=ModeratorFactory(), reason=CloseReason.OFF_TOPIC
    )

    assert result.acted and refreshed(question).is_closed


def test_members_cannot_use_the_moderators_close():
    with pytest.raises(PermissionDenied):
        closing.question_close(
            question=make_question(), moderator=closers(1)[0], reason=CloseReason.OFF_TOPIC
        )


def test_a_duplicate_needs_a_visible_different_original():
    question = make_question()
    gone = make_question(title="A question that was deleted later")
    moderator = ModeratorFactory()
    closing.post_delete(post=gone, actor=moderator)

    for original in (None, question.pk, gone.pk, 999_999):
        with pytest.raises(ValidationError):
            closing.question_close(
                question=question, moderator=moderator, reason=CloseReason.DUPLICATE, duplicate_of=original
            )
    assert not refreshed(question).is_closed


def test_voters_duplicate_target_is_the_most_voted_original():
    question = make_question()
    first = make_question(title="Router drops the connection every hour")
    second = make_question(title="Wi-Fi disconnects hourly on the new router")
    a, b, c = closers(3)

    closing.question_close_vote(
        question=question, voter=a, reason=CloseReason.DUPLICATE, duplicate_of=first.pk
    )
    closing.question_close_vote(
        question=question, voter=b, reason=CloseReason.DUPLICATE, duplicate_of=second.pk
    )
    closing.question_close_vote(question=question, voter=c, reason=CloseReason.DUPLICATE, duplicate_of=second)

    question = refreshed(question)
    assert question.close_reason == CloseReason.DUPLICATE and question.duplicate_of == second


# --- What people see ---------------------------------------------------------------------------


def test_duplicate_banner_links_to_the_original(client):
    original = make_question(title="Router drops the connection every hour")
    question = make_question()
    closing.question_close(
        question=question, moderator=ModeratorFactory(), reason=CloseReason.DUPLICATE, duplicate_of=original
    )

    page = client.get(question.get_absolute_url()).content.decode()

    banner = page[page.index('id="closed-banner"') :]
    assert (
        f'Closed as a duplicate of <a href="{original.get_absolute_url()}">{original.title}</a>'
        in banner[: banner.index("</aside>")]
    )
    assert page.index('id="closed-banner"') < page.index('id="question"')  # at the top of the thread


def test_other_reasons_show_in_the_banner(client):
    question = make_question()
    closing.question_close(question=question, moderator=ModeratorFactory(), reason=CloseReason.NEEDS_DETAILS)

    assert "Closed as needing details" in client.get(question.get_absolute_url()).content.decode()


def test_closed_question_replaces_the_answer_form_and_refuses_answers(client):
    question = make_question()
    answer = make_answer(question)
    closing.question_close(question=question, moderator=ModeratorFactory(), reason=CloseReason.OFF_TOPIC)
    member = UserFactory()
    client.force_login(member)

    page = client.get(question.get_absolute_url()).content.decode()
    response = client.post(f"/questions/{question.pk}/answers/", {"body": ANSWER_BODY})

    assert "This question is closed, so it takes no new answers." in page
    assert "Post your answer" not in page
    assert response.status_code == 403
    assert "This question is closed, so it takes no new answers." in response.content.decode()
    assert question.answers.count() == 1
    # Comments and votes still work on a closed question.
    assert client.post(f"/answers/{answer.pk}/comments/", {"body": "Thanks, this helped."}).status_code == 302
    assert client.post(f"/answers/{answer.pk}/vote/", {"value": "1"}).status_code == 302
    assert Vote.objects.filter(voter=member, value=1).exists()


def test_close_form_has_labelled_reasons_for_privileged_members_only(client):
    question = make_question()
    client.force_login(closers(1)[0])

    page = client.get(question.get_absolute_url()).content.decode()
    client.force_login(UserFactory(reputation=CLOSER_REP - 1))
    other = client.get(question.get_absolute_url()).content.decode()

    assert f'action="/moderation/questions/{question.pk}/close-vote/"' in page
    assert "<legend>Why should this question be closed?</legend>" in page
    assert 'id="close-reason_0"' in page and '<label for="close-reason_0">Duplicate' in page
    assert '<label for="close-duplicate_of">Original question (for a duplicate)' in page
    assert "close-vote" not in other


def test_voting_through_the_page_closes_on_the_third_vote(client):
    question = make_question()
    url = f"/moderation/questions/{question.pk}/close-vote/"

    for voter in closers(3):
        client.force_login(voter)
        response = client.post(url, {"reason": "off_topic"}, follow=True)

    assert "Your vote closed the question." in response.content.decode()
    assert "Closed as off-topic" in response.content.decode()


def test_staff_below_the_privilege_get_403_with_a_clear_message(client):
    question = make_question()
    client.force_login(StaffFactory())

    response = client.post(f"/moderation/questions/{question.pk}/close-vote/", {"reason": "off_topic"})

    assert response.status_code == 403
    assert "Voting to close or reopen questions needs 1000 reputation" in response.content.decode()
    assert not refreshed(question).is_closed


def test_a_duplicate_vote_without_an_original_shows_the_error_by_the_field(client):
    question = make_question()
    client.force_login(closers(1)[0])

    response = client.post(f"/moderation/questions/{question.pk}/close-vote/", {"reason": "duplicate"})

    assert response.status_code == 400
    assert "Give the link (or number) of the question this one duplicates." in response.content.decode()
    assert not CloseVote.objects.exists()


def test_moderator_closes_as_duplicate_by_pasting_the_originals_url(client):
    original = make_question(title="Router drops the connection every hour")
    question = make_question()
    client.force_login(ModeratorFactory())

    response = client.post(
        f"/moderation/questions/{question.pk}/close/",
        {"reason": "duplicate", "duplicate_of": f"http://testserver{original.get_absolute_url()}"},
    )

    assert response.status_code == 302
    assert refreshed(question).duplicate_of == original


# --- Lock --------------------------------------------------------------------------------------


def test_lock_blocks_answers_comments_votes_and_edits(client):
    author = UserFactory()
    question = make_question(author=author)
    answer = make_answer(question)
    moderator = ModeratorFactory()
    assert closing.question_lock(question=question, moderator=moderator)
    question = refreshed(question)
    member = UserFactory(reputation=CLOSER_REP)
    client.force_login(member)

    answered = client.post(f"/questions/{question.pk}/answers/", {"body": ANSWER_BODY})
    commented = client.post(f"/answers/{answer.pk}/comments/", {"body": "Did that work for you?"})
    voted = client.post(f"/answers/{answer.pk}/vote/", {"value": "1"})
    client.force_login(author)
    edited = client.get(f"/questions/{question.pk}/edit/")

    for response in (answered, commented, voted, edited):
        assert response.status_code == 403
        assert "This question is locked" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.comment_create(post=question, author=author, body="My own question, still locked.")
    with pytest.raises(PermissionDenied):
        services.vote_cast(voter=member, post=Answer.objects.get(pk=answer.pk), value=1)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Locked" in page and "Post your answer" not in page and "Add a comment" not in page


def test_unlocking_opens_the_thread_again():
    question = make_question()
    moderator = ModeratorFactory()
    closing.question_lock(question=question, moderator=moderator)

    assert closing.question_unlock(question=question, moderator=moderator)

    make_answer(refreshed(question))  # no PermissionDenied
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "locked",
        "unlocked",
    ]


# --- Merge -------------------------------------------------------------------------------------


def test_merge_moves_answers_and_keeps_every_authors_reputation(commit):
    source_asker, target_asker = UserFactory(), UserFactory()
    helpers = [UserFactory() for _ in range(3)]
    voters = [UserFactory(reputation=100) for _ in range(2)]
    source = commit(make_question, author=source_asker, title="Router keeps dropping the connection")
    target = commit(make_question, author=target_asker, title="Wi-Fi drops every hour on my router")
    moved = [commit(make_answer, source, author=helper) for helper in helpers[:2]]
    own = commit(make_answer, target, author=helpers[2])
    for voter in voters:
        commit(services.vote_cast, voter=voter, post=moved[0], value=1)
    commit(services.vote_cast, voter=voters[0], post=moved[1], value=-1)
    commit(services.answer_accept_toggle, answer=moved[0], user=source_asker)
    commit(services.answer_accept_toggle, answer=own, user=target_asker)
    everyone = [source_asker, target_asker, *helpers, *voters]
    before = reputations(everyone)
    entries_before = LedgerEntry.objects.count()

    assert commit(closing.question_merge, source=source, into=target, moderator=ModeratorFactory())

    source, target = refreshed(source), refreshed(target)
    assert reputations(everyone) == before
    assert LedgerEntry.objects.count() == entries_before
    assert set(target.answers.values_list("pk", flat=True)) == {moved[0].pk, moved[1].pk, own.pk}
    assert (source.answer_count, target.answer_count) == (0, 3)
    assert Vote.objects.filter(answer=moved[0], value=1).count() == 2  # the votes went with it
    assert target.accepted_answer == own  # the target keeps its own acceptance
    assert source.accepted_answer is None
    assert source.is_closed and source.close_reason == CloseReason.DUPLICATE
    assert source.duplicate_of == target and source.merged_into == target
    line = ModerationAction.objects.get(action="merged")
    assert line.after["moved_answers"] == sorted(a.pk for a in moved)
    assert line.public_note.startswith(f"merged into “{target.title}” by ")


def test_merge_accepts_nothing_for_a_target_without_an_accepted_answer():
    source, target = make_question(), make_question(title="Wi-Fi drops every hour on my router")
    answer = make_answer(source)
    services.answer_accept_toggle(answer=answer, user=source.author)

    closing.question_merge(source=source, into=target, moderator=ModeratorFactory())

    assert refreshed(target).accepted_answer is None
    assert Answer.objects.get(pk=answer.pk).question_id == target.pk


def test_merge_through_the_page_lands_on_the_target(client):
    source, target = make_question(), make_question(title="Wi-Fi drops every hour on my router")
    make_answer(source)
    client.force_login(ModeratorFactory())

    response = client.post(f"/moderation/questions/{source.pk}/merge/", {"into": str(target.pk)}, follow=True)
    invalid = client.post(f"/moderation/questions/{target.pk}/merge/", {"into": "not a question"})

    assert response.redirect_chain[-1][0] == target.get_absolute_url()
    assert refreshed(target).answer_count == 1
    assert invalid.status_code == 400
    assert "Paste the question&#x27;s link, or type its number." in invalid.content.decode()


def test_merged_question_banner_points_to_the_target(client):
    source, target = make_question(), make_question(title="Wi-Fi drops every hour on my router")
    closing.question_merge(source=source, into=target, moderator=ModeratorFactory())

    page = client.get(source.get_absolute_url()).content.decode()

    assert f'Merged into <a href="{target.get_absolute_url()}">{target.title}</a>' in page


# --- Delete and restore --------------------------------------------------------------------------


def test_deleting_an_answer_reverses_its_reputation_and_restoring_gives_it_back_exactly(commit):
    asker, helper = UserFactory(), UserFactory()
    voters = [UserFactory(reputation=100) for _ in range(3)]
    question = commit(make_question, author=asker)
    answer = commit(make_answer, question, author=helper)
    for voter in voters[:2]:
        commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voters[2], post=answer, value=-1)
    commit(services.answer_accept_toggle, answer=answer, user=asker)
    everyone = [asker, helper, *voters]
    before = reputations(everyone)
    original_ids = set(LedgerEntry.objects.values_list("pk", flat=True))
    assert before[helper.pk] == 1 + 10 + 10 - 2 + 15

    moderator = ModeratorFactory()
    assert commit(closing.post_delete, post=answer, actor=moderator)

    after_delete = reputations(everyone)
    assert after_delete[helper.pk] == 1 and after_delete[asker.pk] == 1
    assert after_delete[voters[2].pk] == before[voters[2].pk] + 1  # the down-vote's cost comes back
    reversals = LedgerEntry.objects.exclude(pk__in=original_ids)
    assert set(LedgerEntry.objects.values_list("pk", flat=True)) >= original_ids  # nothing deleted
    assert reversals.count() == len(original_ids)
    assert all(entry.reverses_id in original_ids and entry.reason == "post deleted" for entry in reversals)
    assert refreshed(question).answer_count == 0

    assert commit(closing.post_restore, post=answer, moderator=moderator)

    assert reputations(everyone) == before
    restored = LedgerEntry.objects.filter(reason="post restored")
    assert restored.count() == len(original_ids)
    assert set(LedgerEntry.objects.values_list("pk", flat=True)) >= original_ids | set(
        reversals.values_list("pk", flat=True)
    )
    assert refreshed(question).answer_count == 1
    assert [line.action for line in ModerationAction.objects.order_by("pk")] == ["deleted", "restored"]


def test_deleting_a_question_reverses_what_it_earned(commit):
    asker = UserFactory()
    question = commit(make_question, author=asker)
    commit(services.vote_cast, voter=UserFactory(), post=question, value=1)
    assert reputations([asker])[asker.pk] == 6

    commit(closing.post_delete, post=question, actor=ModeratorFactory())
    assert reputations([asker])[asker.pk] == 1
    commit(closing.post_restore, post=refreshed(question), moderator=ModeratorFactory())
    assert reputations([asker])[asker.pk] == 6


def test_authors_delete_their_own_answer_unless_it_is_accepted():
    question = make_question()
    mine, accepted = make_answer(question), make_answer(question)
    services.answer_accept_toggle(answer=accepted, user=question.author)

    assert closing.post_delete(post=mine, actor=mine.author)
    with pytest.raises(PermissionDenied, match="accepted answer"):
        closing.post_delete(post=accepted, actor=accepted.author)
    with pytest.raises(PermissionDenied, match="Only moderators"):
        closing.post_delete(post=accepted, actor=UserFactory(reputation=100_000))
    line = ModerationAction.objects.get()
    assert line.moderator == mine.author and line.public_note == "deleted by its author"


def test_authors_delete_their_own_question_unless_an_answer_is_upvoted_or_accepted():
    bare, helped = make_question(), make_question(title="Router drops the connection every hour")
    services.vote_cast(voter=UserFactory(), post=make_answer(helped), value=1)

    assert closing.post_delete(post=bare, actor=bare.author)
    with pytest.raises(PermissionDenied, match="up-voted answer"):
        closing.post_delete(post=helped, actor=helped.author)


def test_author_deletes_through_the_page_and_others_get_403(client):
    question = make_question()
    answer = make_answer(question)
    client.force_login(UserFactory(reputation=100_000))
    refused = client.post(f"/moderation/answers/{answer.pk}/delete/")
    client.force_login(answer.author)
    page = client.get(question.get_absolute_url()).content.decode()

    response = client.post(f"/moderation/answers/{answer.pk}/delete/", follow=True)

    assert refused.status_code == 403
    assert "Only moderators can delete other people&#x27;s posts." in refused.content.decode()
    assert f'action="/moderation/answers/{answer.pk}/delete/"' in page
    assert "The answer is deleted." in response.content.decode()
    assert Answer.objects.get(pk=answer.pk).deleted_by == answer.author


def test_deleted_posts_are_not_votable(client):
    answer = make_answer(make_question())
    closing.post_delete(post=answer, actor=ModeratorFactory())
    voter = UserFactory()

    with pytest.raises(PermissionDenied, match="deleted"):
        services.vote_cast(voter=voter, post=Answer.objects.get(pk=answer.pk), value=1)
    client.force_login(ModeratorFactory())
    assert client.post(f"/answers/{answer.pk}/vote/", {"value": "1"}).status_code == 403


def test_moderator_deletes_and_restores_through_the_page(client):
    question = make_question()
    answer = make_answer(question)
    client.force_login(ModeratorFactory())
    page = client.get(question.get_absolute_url()).content.decode()

    client.post(f"/moderation/answers/{answer.pk}/delete/")
    deleted_page = client.get(question.get_absolute_url()).content.decode()
    client.post(f"/moderation/answers/{answer.pk}/restore/")

    assert f'action="/moderation/answers/{answer.pk}/delete/"' in page
    assert f'action="/moderation/questions/{question.pk}/lock/"' in page
    assert f'action="/moderation/questions/{question.pk}/merge/"' in page
    assert f'action="/moderation/answers/{answer.pk}/restore/"' in deleted_page
    assert Answer.objects.get(pk=answer.pk).deleted_at is None


# --- Idempotence -------------------------------------------------------------------------------


def test_every_verb_returns_false_and_changes_nothing_when_already_done():
    moderator = ModeratorFactory()
    question, target = make_question(), make_question(title="Wi-Fi drops every hour on my router")
    answer = make_answer(question)

    assert closing.question_reopen(question=question, moderator=moderator) is False
    assert closing.question_unlock(question=question, moderator=moderator) is False
    assert closing.post_restore(post=answer, moderator=moderator) is False
    assert not ModerationAction.objects.exists()

    closing.question_close(question=question, moderator=moderator, reason=CloseReason.OFF_TOPIC)
    closing.question_lock(question=question, moderator=moderator)
    closing.post_delete(post=answer, actor=moderator)
    closing.question_merge(source=question, into=target, moderator=moderator)
    lines = ModerationAction.objects.count()
    state = Question.objects.filter(pk=question.pk).values().get()

    assert (
        closing.question_close(question=question, moderator=moderator, reason=CloseReason.NEEDS_DETAILS)
        is False
    )
    assert closing.question_lock(question=question, moderator=moderator) is False
    assert closing.post_delete(post=answer, actor=moderator) is False
    assert closing.question_merge(source=question, into=target, moderator=moderator) is False
    assert not closing.question_close_vote(
        question=question, voter=closers(1)[0], reason=CloseReason.OFF_TOPIC
    )
    assert ModerationAction.objects.count() == lines
    assert Question.objects.filter(pk=question.pk).values().get() == state
