"""Who is notified of what: each fact notifies the right people once, and nobody of their own act."""

import pytest
from django.contrib.auth import get_user_model

from forum import services
from moderation import closing, flags, review
from moderation.models import FlagReason
from notifications import services as notification_services
from notifications.mentions import mentioned_names
from notifications.models import Kind, Notification, QuestionWatch, TagPreference
from reputation import ledger
from reputation.badges import award_badges
from reputation.models import ReputationEvent
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def inbox(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def texts(user, kind=None) -> list[str]:
    return [row.text for row in inbox(user, kind)]


def watch_tag(user, name, mode=TagPreference.Mode.WATCH):
    from taggit.models import Tag

    tag, _ = Tag.objects.get_or_create(name=name, defaults={"slug": name})
    TagPreference.objects.create(user=user, tag=tag, mode=mode)
    return tag


# --- notify ---------------------------------------------------------------------------------


def test_notify_drops_the_actor_inactive_members_and_duplicates(django_capture_on_commit_callbacks):
    actor, reader, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)

    with django_capture_on_commit_callbacks() as callbacks:
        made = notification_services.notify(
            recipients=[reader, actor, gone, reader.pk, reader],
            kind=Kind.ANSWER,
            actor=actor,
            text="Someone answered",
            url="/questions/1/",
        )

    assert [row.recipient for row in made] == [reader]
    assert Notification.objects.count() == 1
    assert callbacks, "the email side is handed the new notifications after commit"


def test_notify_hands_the_new_ids_to_email_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    handed = []
    monkeypatch.setattr("notifications.email.deliver_later", handed.append)

    with django_capture_on_commit_callbacks(execute=True):
        made = notification_services.notify(
            recipients=[UserFactory(), UserFactory()], kind=Kind.COMMENT, actor=None, text="Hi", url="/"
        )

    assert handed == [[row.pk for row in made]]


# --- Questions and answers ------------------------------------------------------------------


def test_asking_and_answering_watch_the_question():
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    make_answer(question, author=helper)

    sources = dict(QuestionWatch.objects.filter(question=question).values_list("user_id", "source"))
    assert sources == {asker.pk: "asked", helper.pk: "answered"}


def test_a_new_answer_notifies_the_asker_and_watchers_once_and_not_the_answerer():
    asker, watcher, helper = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker, title="Router drops every hour")
    notification_services.question_watch(user=watcher, question=question)

    answer = make_answer(question, author=helper)

    for person in (asker, watcher):
        [note] = inbox(person)
        assert (note.kind, note.actor, note.answer) == (Kind.ANSWER, helper, answer)
        assert note.text == f"{helper.name} answered “Router drops every hour”"
        assert note.url == f"{question.get_absolute_url()}#answer-{answer.pk}"
    assert inbox(helper) == []


def test_answering_your_own_question_notifies_nobody():
    asker = UserFactory()
    question = make_question(author=asker)

    make_answer(question, author=asker)

    assert not Notification.objects.exists()


def test_earlier_answerers_hear_of_later_answers():
    question = make_question()
    first, second = UserFactory(), UserFactory()
    make_answer(question, author=first)

    make_answer(question, author=second)

    assert texts(first) == [f"{second.name} answered “{question.title}”"]


def test_unwatching_stops_news_of_a_question_you_watched():
    question = make_question()
    watcher = UserFactory()
    notification_services.question_watch(user=watcher, question=question)
    assert notification_services.question_watch_toggle(user=watcher, question=question) is False

    make_answer(question)

    assert inbox(watcher) == []
    assert notification_services.question_watch_toggle(user=watcher, question=question) is True
    make_answer(question)
    assert len(inbox(watcher, Kind.ANSWER)) == 1


def test_a_held_answer_notifies_only_when_a_moderator_releases_it(settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    asker = ModeratorFactory()  # moderators' posts are never held
    question = make_question(author=asker)
    newcomer = UserFactory()

    answer = make_answer(question, author=newcomer)
    assert answer.held_at is not None
    assert inbox(asker) == []

    review.post_release(post=answer, moderator=ModeratorFactory())

    assert [note.kind for note in inbox(asker)] == [Kind.ANSWER]


# --- Comments -------------------------------------------------------------------------------


def test_a_comment_on_an_answer_notifies_its_author_and_the_question_watchers_once():
    asker, helper, commenter = UserFactory(), UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)  # helper now watches too
    Notification.objects.all().delete()

    comment, _ = services.comment_create(post=answer, author=commenter, body="Did the reboot help?")

    for person in (asker, helper):
        [note] = inbox(person)
        assert (note.kind, note.comment, note.answer) == (Kind.COMMENT, comment, answer)
        assert note.url == f"{question.get_absolute_url()}#comment-{comment.pk}"
    assert inbox(commenter) == []


def test_commenting_on_your_own_question_that_nobody_else_watches_notifies_nobody():
    asker = UserFactory()
    question = make_question(author=asker)

    services.comment_create(post=question, author=asker, body="Adding: it happens on 5 GHz only.")

    assert not Notification.objects.exists()


# --- Accepting ------------------------------------------------------------------------------


def test_accepting_notifies_the_answerer_once_and_unaccepting_notifies_nobody():
    asker, helper = UserFactory(), UserFactory()
    answer = make_answer(make_question(author=asker), author=helper)

    services.answer_accept_toggle(answer=answer, user=asker)
    services.answer_accept_toggle(answer=answer, user=asker)  # unaccept

    assert texts(helper, Kind.ACCEPTED) == [f"{asker.name} accepted your answer to “{answer.question.title}”"]


def test_accepting_your_own_answer_notifies_nobody():
    asker = UserFactory()
    answer = make_answer(make_question(author=asker), author=asker)

    services.answer_accept_toggle(answer=answer, user=asker)

    assert not Notification.objects.filter(kind=Kind.ACCEPTED).exists()


def test_also_helped_notifies_the_answerer():
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    make_answer(question)
    answer = make_answer(question, author=helper)

    services.answer_also_helped_toggle(answer=answer, user=asker)

    [note] = inbox(helper, Kind.ACCEPTED)
    assert "as having also helped" in note.text and note.actor == asker


# --- Mentions -------------------------------------------------------------------------------


def test_a_mention_notifies_the_member_case_insensitively_but_not_inside_code():
    bob, carol = UserFactory(username="bob"), UserFactory(username="carol")
    author = UserFactory()

    make_question(author=author, body="Thanks @BOB for the tip. Config: `@carol` and\n\n    @carol\n")

    assert [note.recipient for note in Notification.objects.filter(kind=Kind.MENTION)] == [bob]
    assert texts(bob) == [f"{author.name} mentioned you in “How do I reset my router safely?”"]
    assert inbox(carol) == []


def test_mentions_name_only_existing_active_members_and_never_an_email_address():
    UserFactory(username="dora", is_active=False)
    UserFactory(username="example")
    question = make_question(body="Ask @nobody or @dora, or write to help@example.com please.")

    assert not Notification.objects.filter(kind=Kind.MENTION).exists()
    assert question.pk


def test_mentioning_yourself_notifies_nobody():
    me = UserFactory(username="selfie")

    make_question(author=me, body="Note to @selfie: check this again tomorrow.")

    assert not Notification.objects.exists()


def test_a_post_notifies_at_most_ten_mentioned_members_the_first_ten():
    people = [UserFactory(username=f"person{n:02d}") for n in range(12)]
    body = "Paging " + " ".join(f"@{person.username}" for person in people) + " for ideas."

    make_question(body=body)

    notified = set(Notification.objects.filter(kind=Kind.MENTION).values_list("recipient_id", flat=True))
    assert notified == {person.pk for person in people[:10]}


def test_a_mention_in_an_answer_does_not_notify_the_asker_twice():
    asker = UserFactory(username="asker")
    question = make_question(author=asker)

    make_answer(question, body="@asker try updating the firmware from the admin page.")

    assert [note.kind for note in inbox(asker)] == [Kind.ANSWER]


def test_a_comment_mention_notifies_the_mentioned_member():
    dan = UserFactory(username="dan")
    question = make_question()

    services.comment_create(post=question, author=UserFactory(), body="@dan had this last week.")

    assert [note.kind for note in inbox(dan)] == [Kind.MENTION]


def test_an_edit_notifies_only_the_newly_mentioned():
    erin, finn = UserFactory(username="erin"), UserFactory(username="finn")
    author = UserFactory()
    answer = make_answer(make_question(), author=author, body="As @erin said, update the firmware first.")

    services.answer_edit(answer=answer, editor=author, body="As @erin and @finn said, update the firmware.")

    assert len(inbox(erin, Kind.MENTION)) == 1
    assert len(inbox(finn, Kind.MENTION)) == 1


def test_mention_parsing_ignores_trailing_full_stops_and_code():
    html = "<p>Thanks @bob. And @Carol_1!</p><pre><code>@root</code></pre><p><code>@x</code></p>"

    assert "bob" in mentioned_names(html)
    assert "carol_1" in mentioned_names(html)
    assert "root" not in mentioned_names(html) and "x" not in mentioned_names(html)


# --- Tags -----------------------------------------------------------------------------------


def test_a_new_question_notifies_tag_watchers_once_each_unless_they_ignore_one_of_its_tags():
    both, one, ignorer, bystander = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    watch_tag(both, "billing"), watch_tag(both, "roaming")
    watch_tag(one, "roaming")
    watch_tag(ignorer, "billing"), watch_tag(ignorer, "roaming", TagPreference.Mode.IGNORE)
    asker = UserFactory()
    watch_tag(asker, "billing")

    question = make_question(author=asker, title="Roaming charges on my bill", tags=["billing", "roaming"])

    assert texts(both) == ["New question in billing: “Roaming charges on my bill”"]
    assert texts(one) == ["New question in roaming: “Roaming charges on my bill”"]
    assert [note.question for note in inbox(both, Kind.TAG_QUESTION)] == [question]
    assert inbox(ignorer) == [] and inbox(bystander) == [] and inbox(asker) == []


def test_a_held_question_tells_tag_watchers_only_once_released(settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    watcher = UserFactory()
    watch_tag(watcher, "wifi")

    question = make_question(author=UserFactory(), tags=["wifi"])
    assert question.held_at is not None and inbox(watcher) == []

    review.post_release(post=question, moderator=ModeratorFactory())

    assert [note.kind for note in inbox(watcher)] == [Kind.TAG_QUESTION]


# --- Achievements ---------------------------------------------------------------------------


def test_each_newly_awarded_badge_notifies_its_member_once():
    helper = UserFactory()
    make_answer(make_question(), author=helper)

    award_badges(helper.pk)
    award_badges(helper.pk)  # a second run awards nothing

    [note] = inbox(helper, Kind.ACHIEVEMENT)
    assert note.text.startswith("You earned the First answer badge")
    assert note.url == "/badges/#badge-first_answer"
    assert note.actor is None


def test_rising_past_a_privilege_threshold_notifies_once_ever(commit):
    helper = UserFactory(reputation=45)
    answer = make_answer(make_question(), author=helper)
    voter = UserFactory()

    commit(services.vote_cast, voter=voter, post=answer, value=1)  # 45 -> 55: vote down at 50

    helper.refresh_from_db()
    assert helper.reputation == 55
    [note] = [row for row in inbox(helper, Kind.ACHIEVEMENT) if "privilege" in row.url]
    assert note.text.startswith("New privilege: Vote down.")
    assert note.url == "/privileges/#privilege-vote_down"

    # A second delivery of the same event writes nothing, and a fall and a rise say nothing new.
    event = ReputationEvent.objects.filter(vote__answer=answer).latest("pk")
    assert ledger.apply_event(event.pk) is None
    commit(services.vote_cast, voter=voter, post=answer, value=0)
    commit(services.vote_cast, voter=voter, post=answer, value=1)
    assert len([row for row in inbox(helper, Kind.ACHIEVEMENT) if "privilege" in row.url]) == 1


def test_moderators_are_not_told_of_privileges_they_already_hold(commit):
    helper = ModeratorFactory(reputation=45)
    answer = make_answer(make_question(), author=helper)

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)

    assert not [row for row in inbox(helper, Kind.ACHIEVEMENT) if "privilege" in row.url]


# --- Moderation -----------------------------------------------------------------------------


def test_a_moderator_closing_a_question_tells_its_asker_with_the_public_note():
    asker, moderator = UserFactory(), ModeratorFactory(display_name="Morgan")
    question = make_question(author=asker, title="Which phone should I buy next?")

    closing.question_close(question=question, moderator=moderator, reason="off_topic")

    [note] = inbox(asker, Kind.MODERATION)
    assert note.text == "Your question “Which phone should I buy next?”: closed as off-topic by Morgan"
    assert note.actor == moderator


def test_deleting_your_own_answer_notifies_nobody():
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    Notification.objects.all().delete()

    closing.post_delete(post=answer, actor=helper)

    assert not Notification.objects.exists()


def test_a_moderator_acting_on_their_own_post_notifies_nobody():
    moderator = ModeratorFactory()
    question = make_question(author=moderator)

    closing.question_lock(question=question, moderator=moderator)

    assert not Notification.objects.exists()


def test_handling_flags_tells_each_flagger_and_the_author_once():
    author, moderator = UserFactory(), ModeratorFactory(display_name="Morgan")
    answer = make_answer(make_question(), author=author)
    flaggers = [UserFactory(reputation=20), UserFactory(reputation=20)]
    Notification.objects.all().delete()
    first = flags.flag_create(flagger=flaggers[0], post=answer, reason=FlagReason.SPAM)
    flags.flag_create(flagger=flaggers[1], post=answer, reason=FlagReason.OFF_TOPIC)

    flags.flag_accept(flag=first, moderator=moderator, outcome="delete")

    for person in flaggers:
        [note] = inbox(person)
        assert note.kind == Kind.FLAG_HANDLED
        assert "a moderator agreed and the post is removed" in note.text
    [note] = inbox(author)
    assert (note.kind, note.text) == (
        Kind.MODERATION,
        f"Your answer on “{answer.question.title}”: removed as spam by Morgan",
    )


def test_declined_flags_tell_the_flaggers_and_leave_the_author_undisturbed():
    author, moderator = UserFactory(), ModeratorFactory()
    question = make_question(author=author)
    person = UserFactory(reputation=20)
    flag = flags.flag_create(flagger=person, post=question, reason=FlagReason.OFF_TOPIC)

    flags.flag_decline(flag=flag, moderator=moderator)

    [note] = inbox(person)
    assert note.kind == Kind.FLAG_HANDLED and "left the post as it is" in note.text
    assert note.url == f"{question.get_absolute_url()}#question"
    assert inbox(author) == []


# --- Transactions ---------------------------------------------------------------------------


def test_a_rolled_back_answer_notifies_nobody():
    from django.db import transaction

    asker = UserFactory()
    question = make_question(author=asker)

    with pytest.raises(RuntimeError), transaction.atomic():
        make_answer(question)
        raise RuntimeError("the request failed after the answer was written")

    assert inbox(asker) == []
    assert get_user_model().objects.filter(pk=asker.pk).exists()
