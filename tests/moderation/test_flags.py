"""Flags: the rules for raising one, hiding at three, and what moderators' decisions do."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Answer, Question
from moderation import flags, selectors
from moderation.models import Flag, FlagReason, FlagStatus, ModerationAction
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

HIDDEN_NOTICE = "This post is hidden pending moderator review because members flagged it."


def flagger(**kwargs):
    return UserFactory(reputation=20, **kwargs)


def flag(post, reason=FlagReason.SPAM, by=None, **kwargs) -> Flag:
    return flags.flag_create(flagger=by or flagger(), post=post, reason=reason, **kwargs)


def messages_of(error) -> str:
    return " ".join(error.value.messages)


# --- Raising a flag -------------------------------------------------------------------------


def test_flagging_below_the_privilege_is_refused_with_the_reputation_needed():
    question = make_question()

    with pytest.raises(PermissionDenied, match=re.escape("Flagging needs 15 reputation")):
        flags.flag_create(flagger=UserFactory(reputation=14), post=question, reason=FlagReason.SPAM)
    assert not Flag.objects.exists()


def test_a_moderator_may_flag_whatever_their_reputation():
    created = flags.flag_create(flagger=ModeratorFactory(), post=make_question(), reason=FlagReason.OFF_TOPIC)

    assert created.status == FlagStatus.PENDING


def test_own_post_cannot_be_flagged():
    author = flagger()
    question = make_question(author=author)

    with pytest.raises(PermissionDenied, match=re.escape("You can't flag your own post.")):
        flag(question, by=author)


def test_one_flag_per_member_per_post():
    member = flagger()
    answer = make_answer(make_question())
    flag(answer, by=member)

    with pytest.raises(ValidationError) as error:
        flag(answer, FlagReason.ABUSE, by=member)
    assert "already flagged" in messages_of(error)
    assert Flag.objects.filter(flagger=member).count() == 1


def test_daily_flag_limit_counts_only_todays_flags(settings):
    settings.COMMONPLACE_FLAGS_PER_DAY = 2
    member = flagger()
    question = make_question()
    earlier = flag(make_answer(question), by=member)
    Flag.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    flag(make_answer(question), by=member)
    flag(make_answer(question), by=member)

    with pytest.raises(ValidationError) as error:
        flag(make_answer(question), by=member)
    assert "You can raise 2 flags a day" in messages_of(error)


def test_duplicate_flag_needs_another_existing_question():
    question, other = make_question(), make_question(title="How do I change my billing address?")

    for duplicate_of_id, message in [
        (None, "Give the number or the link"),
        (question.pk, "can't be a duplicate of itself"),
        (other.pk + 1000, f"There is no question number {other.pk + 1000}"),
    ]:
        with pytest.raises(ValidationError) as error:
            flag(question, FlagReason.DUPLICATE, duplicate_of_id=duplicate_of_id)
        assert message in messages_of(error)

    created = flag(question, FlagReason.DUPLICATE, duplicate_of_id=other.pk)
    assert created.duplicate_of == other


def test_only_a_question_can_be_flagged_as_a_duplicate():
    question = make_question()
    other = make_question(title="How do I change my billing address?")

    with pytest.raises(ValidationError) as error:
        flag(make_answer(question), FlagReason.DUPLICATE, duplicate_of_id=other.pk)
    assert "Only a question" in messages_of(error)


def test_needs_moderator_flag_needs_text():
    answer = make_answer(make_question())

    with pytest.raises(ValidationError) as error:
        flag(answer, FlagReason.NEEDS_MODERATOR, text="   ")
    assert "Tell moderators what needs their attention." in messages_of(error)

    created = flag(answer, FlagReason.NEEDS_MODERATOR, text="Shares a customer's phone number.")
    assert created.text == "Shares a customer's phone number."


def test_a_comment_can_be_flagged():
    question = make_question()
    comment, _ = services.comment_create(post=question, author=question.author, body="Buy cheap watches!!")

    assert flag(comment).comment == comment


# --- Hiding at three ------------------------------------------------------------------------


def test_three_spam_or_abuse_flags_from_different_members_hide_the_post_at_once():
    answer = make_answer(make_question())
    flag(answer, FlagReason.SPAM)
    flag(answer, FlagReason.ABUSE)
    answer.refresh_from_db()
    assert answer.hidden_at is None

    flag(answer, FlagReason.SPAM)

    answer.refresh_from_db()
    assert answer.hidden_at is not None
    line = ModerationAction.objects.get(action="auto_hidden")
    assert line.moderator is None
    assert (line.target_type, line.target_id, line.question_id) == ("answer", answer.pk, answer.question_id)
    assert line.before["hidden_at"] is None
    assert line.after["hidden_at"] == answer.hidden_at.isoformat()
    assert "hidden pending moderator review" in line.public_note


def test_other_reasons_never_hide_a_post():
    question = make_question()
    for reason in (FlagReason.OFF_TOPIC, FlagReason.SPAM, FlagReason.OFF_TOPIC):
        flag(question, reason)
    flag(question, FlagReason.NEEDS_MODERATOR, text="Please look")

    question.refresh_from_db()
    assert question.hidden_at is None
    assert not ModerationAction.objects.exists()


def test_declined_flags_do_not_count_towards_hiding():
    answer = make_answer(make_question())
    flag(answer)
    flag(answer)
    flags.flag_decline(flag=Flag.objects.first(), moderator=ModeratorFactory())

    flag(answer)

    answer.refresh_from_db()
    assert answer.hidden_at is None


def _hide(post):
    for _ in range(3):
        flag(post)
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_hidden_question_is_404_for_others_but_its_author_and_moderators_see_it_with_a_notice(client):
    question = make_question()
    _hide(question)
    url = question.get_absolute_url()

    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    for viewer in (question.author, ModeratorFactory()):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert HIDDEN_NOTICE in response.text
    assert question not in Question.objects.visible()


def test_hidden_answer_disappears_for_others_and_its_author_sees_a_notice(client):
    question = make_question()
    answer = make_answer(question, body="Visit my shop for cheap router parts right now.")
    _hide(answer)

    response = client.get(question.get_absolute_url())
    assert "cheap router parts" not in response.text
    client.force_login(answer.author)
    response = client.get(question.get_absolute_url())
    assert "cheap router parts" in response.text
    assert HIDDEN_NOTICE in response.text


# --- Moderators' decisions ------------------------------------------------------------------


def test_accepting_with_delete_removes_the_post_reverses_its_reputation_and_notes_it(client, commit):
    question = make_question()
    answer = make_answer(question, body="Visit my shop for cheap router parts right now.")
    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)
    answer.author.refresh_from_db()
    earned = answer.author.reputation
    assert earned > 1
    first = flag(answer)
    flag(answer, FlagReason.ABUSE)
    moderator = ModeratorFactory(display_name="Morgan")

    accepted = commit(flags.flag_accept, flag=first, moderator=moderator, outcome="delete")

    assert accepted == 2
    answer.refresh_from_db()
    assert answer.deleted_at is not None and answer.deleted_by == moderator
    question.refresh_from_db()
    assert question.answer_count == 0
    answer.author.refresh_from_db()
    assert answer.author.reputation == 1
    assert LedgerEntry.objects.filter(user=answer.author, answer=answer, reverses__isnull=False).exists()
    assert set(Flag.objects.values_list("status", "handled_by", "outcome")) == {
        (FlagStatus.ACCEPTED, moderator.pk, "deleted")
    }
    line = ModerationAction.objects.get(action="deleted")
    assert line.moderator == moderator
    assert line.before["deleted_at"] is None
    assert line.after["deleted_at"] == answer.deleted_at.isoformat()
    assert line.after["deleted_by"] == moderator.pk
    assert line.public_note == "removed as spam by Morgan"

    assert "cheap router parts" not in client.get(question.get_absolute_url()).text
    client.force_login(moderator)
    page = client.get(question.get_absolute_url()).text
    assert "This post has been deleted." in page
    assert "Removed as spam by Morgan" in page


def test_accepting_with_hide_hides_the_post_and_every_pending_flag_is_accepted():
    question = make_question()
    flag(question, FlagReason.OFF_TOPIC)
    flag(question, FlagReason.OFF_TOPIC)

    flags.flag_accept(
        flag=Flag.objects.first(), moderator=ModeratorFactory(display_name="Morgan"), outcome="hide"
    )

    question.refresh_from_db()
    assert question.hidden_at is not None and question.deleted_at is None
    assert not Flag.objects.filter(status=FlagStatus.PENDING).exists()
    assert ModerationAction.objects.get(action="hidden").public_note == "hidden as off-topic by Morgan"


def test_flags_handled_once_cannot_be_handled_again():
    first = flag(make_question())
    flags.flag_decline(flag=first, moderator=ModeratorFactory())

    with pytest.raises(ValidationError, match=re.escape("already been handled")):
        flags.flag_accept(flag=first, moderator=ModeratorFactory(), outcome="delete")


def test_only_moderators_handle_flags():
    first = flag(make_question())

    with pytest.raises(PermissionDenied):
        flags.flag_accept(flag=first, moderator=UserFactory(reputation=5000), outcome="hide")
    with pytest.raises(PermissionDenied):
        flags.flag_decline(flag=first, moderator=UserFactory(reputation=5000))


def test_declining_shows_a_post_the_flags_hid_again(client):
    question = make_question()
    answer = make_answer(question, body="A perfectly fine answer about firmware updates.")
    _hide(answer)

    declined = flags.flag_decline(
        flag=Flag.objects.first(), moderator=ModeratorFactory(display_name="Morgan")
    )

    assert declined == 3
    answer.refresh_from_db()
    assert answer.hidden_at is None
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.DECLINED}
    line = ModerationAction.objects.get(action="flags_declined")
    assert line.before["hidden_at"] is not None and line.after["hidden_at"] is None
    assert "perfectly fine answer" in client.get(question.get_absolute_url()).text


def test_declining_leaves_a_post_a_moderator_hid_hidden():
    answer = make_answer(make_question())
    flags.flag_accept(flag=flag(answer, FlagReason.OFF_TOPIC), moderator=ModeratorFactory(), outcome="hide")
    # A hidden post takes no new flags (forum.permissions.allow_touch_post); this one is a row
    # from before that rule held under the post's lock.
    later = Flag.objects.create(flagger=flagger(), answer=answer, reason=FlagReason.SPAM)

    flags.flag_decline(flag=later, moderator=ModeratorFactory())

    answer.refresh_from_db()
    assert answer.hidden_at is not None


def test_deleting_a_comment_lowers_its_posts_comment_count():
    question = make_question()
    comment, _ = services.comment_create(post=question, author=question.author, body="Buy cheap watches!!")

    flags.flag_accept(flag=flag(comment), moderator=ModeratorFactory(), outcome="delete")

    question.refresh_from_db()
    assert question.comment_count == 0


# --- Accuracy and the queue -----------------------------------------------------------------


def test_accuracy_is_accepted_over_handled_flags_per_flagger():
    sharp, new = flagger(), flagger()
    moderator = ModeratorFactory()
    question = make_question()
    posts = [make_answer(question) for _ in range(3)]
    for post in posts[:2]:
        flags.flag_accept(flag=flag(post, by=sharp), moderator=moderator, outcome="hide")
    flags.flag_decline(flag=flag(posts[2], by=sharp), moderator=moderator)
    flag(make_answer(question), by=sharp)  # pending: not counted
    flag(make_answer(question), by=new)

    accuracy = selectors.flagger_accuracy([sharp.pk, new.pk])

    assert (accuracy[sharp.pk].accepted, accuracy[sharp.pk].declined) == (2, 1)
    assert accuracy[sharp.pk].percent == 67
    assert str(accuracy[sharp.pk]) == "67% accurate (2 of 3 accepted)"
    assert accuracy[new.pk].ratio is None
    assert str(accuracy[new.pk]) == "no flags handled yet"


def test_flagger_accuracy_is_one_query(django_assert_num_queries):
    members = [flagger() for _ in range(5)]
    question = make_question()
    for member in members:
        flag(question, FlagReason.OFF_TOPIC, by=member)

    with django_assert_num_queries(1):
        selectors.flagger_accuracy([member.pk for member in members])


def test_queue_groups_flags_by_post_with_counts_reasons_and_accuracy(client):
    question = make_question(title="Where is my refund for order 1234?")
    answer = make_answer(question)
    flag(answer, FlagReason.SPAM, by=flagger(display_name="Fran Flagger"))
    flag(answer, FlagReason.SPAM)
    flag(question, FlagReason.OFF_TOPIC)
    client.force_login(ModeratorFactory())

    response = client.get(reverse("moderation:queue"))

    assert response.status_code == 200
    items = response.context["page"].object_list
    assert [(item.kind, len(item.flags)) for item in items] == [("answer", 2), ("question", 1)]
    assert items[0].reasons == [("Spam", 2)]
    assert "Fran Flagger" in response.text
    assert "no flags handled yet" in response.text
    assert "Spam \u00d72" in response.text


def test_queue_queries_do_not_grow_with_flags(client, django_assert_max_num_queries):
    question = make_question()
    client.force_login(ModeratorFactory())

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("moderation:queue")).status_code == 200
        return len(ctx.captured_queries)

    flag(make_answer(question))
    small = queries()
    for _ in range(6):
        answer = make_answer(question)
        comment, _ = services.comment_create(post=answer, author=answer.author, body="Some comment text")
        for _ in range(2):
            flag(answer, FlagReason.OFF_TOPIC)
            flag(comment, FlagReason.OFF_TOPIC)
    assert queries() == small


def test_moderator_accepts_and_declines_from_the_queue(client):
    question = make_question()
    spam = make_answer(question)
    fine = make_answer(question)
    flag(spam)
    flag(fine, FlagReason.OFF_TOPIC)
    client.force_login(ModeratorFactory(display_name="Morgan"))

    response = client.post(
        reverse("moderation:flag_accept", args=["answer", spam.pk]), {"outcome": "delete"}, follow=True
    )
    assert "The answer is deleted; 1 flag accepted." in response.text
    response = client.post(reverse("moderation:flag_decline", args=["answer", fine.pk]), follow=True)
    assert "1 flag on the answer declined." in response.text
    assert "No flags are waiting." in response.text
    assert Answer.objects.get(pk=spam.pk).deleted_at is not None

    again = client.post(reverse("moderation:flag_decline", args=["answer", fine.pk]), follow=True)
    assert "already been handled" in again.text


# --- The flag form --------------------------------------------------------------------------


def test_flag_link_shows_for_members_with_the_privilege_but_not_on_their_own_posts(client):
    question = make_question()
    answer = make_answer(question)
    flag_answer = reverse("moderation:flag", args=["answer", answer.pk])
    flag_question = reverse("moderation:flag", args=["question", question.pk])

    assert flag_answer not in client.get(question.get_absolute_url()).text
    client.force_login(UserFactory(reputation=5))
    assert flag_answer not in client.get(question.get_absolute_url()).text
    client.force_login(answer.author)
    page = client.get(question.get_absolute_url()).text
    assert flag_answer not in page
    assert flag_question not in page  # 1 reputation
    client.force_login(flagger())
    page = client.get(question.get_absolute_url()).text
    assert flag_answer in page and flag_question in page


def test_flag_form_has_labelled_reasons_and_thanks_the_flagger(client):
    question = make_question()
    client.force_login(flagger())
    url = reverse("moderation:flag", args=["question", question.pk])

    page = client.get(url).text
    assert "<legend>Why should moderators look at this?" in page
    assert '<label for="id_reason_0">Spam</label>' in page
    assert "Duplicate of (question number or link)" in page
    assert "Details for moderators" in page

    response = client.post(url, {"reason": "off_topic", "text": ""}, follow=True)
    assert response.redirect_chain[-1][0] == question.anchor_url
    assert "Thanks — moderators will review your flag." in response.text
    assert Flag.objects.get().reason == FlagReason.OFF_TOPIC


def test_flag_form_takes_a_link_to_the_duplicate(client):
    question = make_question()
    other = make_question(title="How do I change my billing address?")
    client.force_login(flagger())

    client.post(
        reverse("moderation:flag", args=["question", question.pk]),
        {"reason": "duplicate", "duplicate_of": f"http://testserver{other.get_absolute_url()}"},
    )

    assert Flag.objects.get().duplicate_of == other


def test_flag_form_errors_keep_what_was_typed(client):
    question = make_question()
    client.force_login(flagger())
    url = reverse("moderation:flag", args=["question", question.pk])

    response = client.post(
        url, {"reason": "duplicate", "duplicate_of": "999999", "text": "Same as the other"}
    )

    assert response.status_code == 400
    assert "There is no question number 999999." in response.text
    assert 'value="999999"' in response.text
    assert "Same as the other" in response.text
    assert 'value="duplicate" id="id_reason_3"' in response.text.replace("\n", " ").replace("  ", " ")
    assert not Flag.objects.exists()


def test_answer_and_comment_flag_forms_offer_no_duplicate_reason(client):
    answer = make_answer(make_question())
    client.force_login(flagger())

    page = client.get(reverse("moderation:flag", args=["answer", answer.pk])).text

    assert "Duplicate of another question" not in page
    assert "Duplicate of (question number or link)" not in page


def test_flag_form_refuses_without_the_privilege_and_on_own_posts(client):
    question = make_question()
    url = reverse("moderation:flag", args=["question", question.pk])

    assert client.get(url).status_code == 302  # to log in
    client.force_login(UserFactory(reputation=3))
    response = client.get(url)
    assert response.status_code == 403
    assert "Flagging needs 15 reputation" in response.text
    client.force_login(question.author)
    assert client.post(url, {"reason": "spam"}).status_code == 403
    assert client.get(reverse("moderation:flag", args=["video", question.pk])).status_code == 404


def test_a_third_flag_that_hides_a_question_sends_its_flagger_to_the_question_list(client):
    question = make_question()
    flag(question)
    flag(question)
    client.force_login(flagger())

    response = client.post(reverse("moderation:flag", args=["question", question.pk]), {"reason": "spam"})

    assert response.url == reverse("forum:question_list")


# --- The audit log --------------------------------------------------------------------------


def test_audit_log_lists_actions_and_filters_by_action_and_moderator(client):
    morgan = ModeratorFactory(username="morgan", display_name="Morgan")
    other = ModeratorFactory(username="riley", display_name="Riley")
    question = make_question(title="Why was I charged twice this month?")
    hidden = make_answer(question)
    _hide(hidden)
    flags.flag_accept(flag=Flag.objects.first(), moderator=morgan, outcome="delete")
    flags.flag_decline(flag=flag(make_answer(question), FlagReason.OFF_TOPIC), moderator=other)
    client.force_login(morgan)
    url = reverse("moderation:log")

    page = client.get(url).text
    assert "Hidden automatically by flags" in page and "Deleted" in page and "Flags declined" in page
    assert "removed as spam by Morgan" in page
    assert "Why was I charged twice this month?" in page
    assert f"#answer-{hidden.pk}" in page

    deleted = client.get(url, {"action": "deleted"}).context["page"].object_list
    assert [entry.action for entry in deleted] == ["deleted"]
    by_riley = client.get(url, {"moderator": "riley"}).context["page"].object_list
    assert [entry.action for entry in by_riley] == ["flags_declined"]
    automatic = client.get(url, {"moderator": "automatic"}).context["page"].object_list
    assert [entry.action for entry in automatic] == ["auto_hidden"]


def test_nav_shows_moderation_to_moderators_only(client):
    client.force_login(UserFactory(reputation=5000))
    assert ">Moderation</a>" not in client.get("/").text
    client.force_login(ModeratorFactory())
    assert ">Moderation</a>" in client.get("/").text
