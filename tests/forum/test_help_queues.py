"""The two help queues, "Unanswered" (no answer yet) and "Needs help" (no accepted or helpful
answer), and where questions settled elsewhere go: merged duplicates and threads whose private
follow-up has a public outcome leave both queues and the sitemap, and a merged duplicate's
canonical link points at the question it was merged into."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from forum import services
from forum.models import Question
from insights import services as insights_services
from insights.models import Escalation
from moderation import closing
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question
from tests.forum.test_findability import absolute, parse_head, parse_xml

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
UNANSWERED = "/questions/?sort=unanswered"
NEEDS_HELP = "/questions/?sort=waiting"


def listed(client, url: str) -> list[int]:
    body = client.get(url).content.decode()
    return [int(pk) for pk in re.findall(r'class="question-title"><a href="/questions/(\d+)/', body)]


def asked(question: Question, days_ago: float) -> Question:
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return question


def in_sitemap(client) -> set[str]:
    root = parse_xml(client.get("/sitemap.xml").content)
    return {url.findtext(f"{SITEMAP}loc") for url in root.iter(f"{SITEMAP}url")}


def outcome_posted(question: Question) -> Question:
    staff = StaffFactory()
    insights_services.escalation_open(question=question, staff_user=staff)
    insights_services.escalation_resolve(
        question=question, staff_user=staff, outcome="We fixed it on our side."
    )
    return question


# --- Two lists --------------------------------------------------------------------------------


def test_unanswered_and_needs_help_are_different_lists(client):
    nobody = asked(make_question(title="Nobody has answered this one yet"), 6)
    unhelpful = asked(make_question(title="Answered, but nobody found it useful"), 5)
    make_answer(unhelpful)
    gone = asked(make_question(title="Its only answer was deleted again"), 4)
    closing.post_delete(post=make_answer(gone), actor=ModeratorFactory())
    upvoted = asked(make_question(title="Answered with an up-voted answer"), 3)
    services.vote_cast(voter=UserFactory(), post=make_answer(upvoted), value=1)
    also_helped = asked(make_question(title="The asker marked an answer as also helped"), 2)
    services.answer_also_helped_toggle(answer=make_answer(also_helped), user=also_helped.author)
    solved = asked(make_question(title="The asker accepted an answer here"), 1)
    services.answer_accept_toggle(answer=make_answer(solved), user=solved.author)

    assert listed(client, UNANSWERED) == [nobody.pk, gone.pk]
    assert listed(client, NEEDS_HELP) == [nobody.pk, unhelpful.pk, gone.pk]
    assert set(Question.objects.unanswered()) == {nobody, gone}
    assert set(Question.objects.needs_help()) == {nobody, unhelpful, gone}


def test_each_list_says_what_it_holds(client):
    unanswered = client.get(UNANSWERED).content.decode()
    needs_help = client.get(NEEDS_HELP).content.decode()

    assert "<h1>Unanswered questions</h1>" in unanswered
    assert "Questions nobody has answered yet: be the first." in unanswered
    assert "<h1>Questions that need help</h1>" in needs_help
    assert "Questions without an accepted answer and without a helpful one" in needs_help
    assert "an answer scoring 1 or more, or one the asker marked as having also helped" in needs_help
    for page in (unanswered, needs_help):
        assert "Order is by when a question was asked, and nothing else" in page
        assert "duplicates merged into another question" in page
        assert "the outcome of a private follow-up are not listed" in page
    # Each points to the other, keeping the tag chosen.
    make_question(tags=["wifi"])
    tagged = client.get(UNANSWERED + "&tag=wifi").content.decode()
    assert 'href="?sort=waiting&amp;tag=wifi">Needs help</a>' in tagged


def test_both_queues_keep_the_order_of_asking_whoever_asked_and_however_many_have_it_too(client):
    oldest = asked(make_question(title="Oldest question from a newcomer"), 30)
    newest = asked(make_question(author=StaffFactory(), title="Newest question from a staff member"), 1)
    for _ in range(3):
        insights_services.me_too_toggle(user=UserFactory(), question=newest)
    Question.objects.filter(pk=newest.pk).update(score=40, view_count=9_000)

    assert listed(client, UNANSWERED) == [oldest.pk, newest.pk]
    assert listed(client, NEEDS_HELP) == [oldest.pk, newest.pk]
    assert "3 people have this too" in client.get(UNANSWERED).content.decode()


@pytest.mark.parametrize("url", [UNANSWERED, NEEDS_HELP, "/tags/wifi/?sort=unanswered"])
def test_queue_pages_stay_within_8_queries(client, django_assert_max_num_queries, url):
    client.force_login(UserFactory())
    for i in range(25):
        question = make_question(title=f"Waiting question number {i}", tags=["wifi", f"t{i}"])
        insights_services.me_too_toggle(user=UserFactory(), question=question)
    make_answer(question)

    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


# --- What leaves both lists -------------------------------------------------------------------


def test_merged_duplicates_and_followed_up_threads_leave_both_lists(client):
    target = asked(make_question(title="Wi-Fi drops every hour on my router"), 9)
    duplicate = asked(make_question(title="Router keeps dropping the connection"), 8)
    followed_up = asked(outcome_posted(make_question(title="My bill shows a charge I do not know")), 7)
    still_open = make_question(title="Charged twice for one month of service")
    insights_services.escalation_open(question=still_open, staff_user=StaffFactory())
    asked(still_open, 6)
    closed = asked(make_question(title="Something off-topic for this forum"), 5)
    closing.question_close(question=closed, moderator=ModeratorFactory(), reason="off_topic")
    locked = asked(make_question(title="A thread a moderator has locked"), 4)
    closing.question_lock(question=locked, moderator=ModeratorFactory())
    assert listed(client, UNANSWERED) == [target.pk, duplicate.pk, still_open.pk]

    closing.question_merge(source=duplicate, into=target, moderator=ModeratorFactory())

    # A thread with a private follow-up still waiting for its outcome stays in both.
    assert listed(client, UNANSWERED) == [target.pk, still_open.pk]
    assert listed(client, NEEDS_HELP) == [target.pk, still_open.pk]
    assert Question.objects.get(pk=followed_up.pk).outcome_at is not None


def test_an_outcome_takes_a_thread_with_unhelpful_answers_out_of_needs_help(client):
    question = make_question(title="Answered, but nobody found it useful")
    make_answer(question)
    assert listed(client, NEEDS_HELP) == [question.pk]

    outcome_posted(question)

    assert listed(client, NEEDS_HELP) == []
    assert client.get(question.get_absolute_url()).status_code == 200  # still public


def test_a_merge_brings_answers_so_the_target_leaves_unanswered(client):
    target = make_question(title="Wi-Fi drops every hour on my router")
    duplicate = make_question(title="Router keeps dropping the connection")
    make_answer(duplicate)

    closing.question_merge(source=duplicate, into=target, moderator=ModeratorFactory())

    assert listed(client, UNANSWERED) == []
    assert listed(client, NEEDS_HELP) == [target.pk]  # its moved answer has not helped anyone yet


def test_existing_outcomes_are_copied_onto_their_questions_by_the_migration():
    question = make_question(title="Charged twice for one month of service")
    other = make_question(title="A question whose follow-up is still open")
    staff = StaffFactory()
    at = timezone.now() - dt.timedelta(days=2)
    # As the rows stood before the migration: outcomes posted, the question not told.
    Escalation.objects.create(
        question=question,
        opened_by=staff,
        state=Escalation.State.RESOLVED,
        outcome="Fixed.",
        outcome_by=staff,
        outcome_at=at,
    )
    Escalation.objects.create(question=other, opened_by=staff)
    migration = importlib.import_module("insights.migrations.0002_backfill_question_outcome_at")

    migration.copy_outcome_times(apps, None)

    assert Question.objects.get(pk=question.pk).outcome_at == at
    assert Question.objects.get(pk=other.pk).outcome_at is None
    assert set(Question.objects.unanswered()) == {other}


# --- The sitemap and canonical links ------------------------------------------------------


def test_merged_duplicates_and_followed_up_threads_leave_the_sitemap(client):
    target = make_question(title="Wi-Fi drops every hour on my router")
    duplicate = make_question(title="Router keeps dropping the connection")
    followed_up = make_question(title="My bill shows a charge I do not know")
    escalated = make_question(title="Charged twice for one month of service")
    insights_services.escalation_open(question=escalated, staff_user=StaffFactory())
    closed = make_question(title="Closed, but still a signpost to the answer")
    closing.question_close(question=closed, moderator=ModeratorFactory(), reason="off_topic")
    everything = {absolute(q.get_absolute_url()) for q in (target, duplicate, followed_up, escalated, closed)}
    assert everything <= in_sitemap(client)

    outcome_posted(followed_up)
    closing.question_merge(source=duplicate, into=target, moderator=ModeratorFactory())

    assert everything & in_sitemap(client) == {
        absolute(q.get_absolute_url()) for q in (target, escalated, closed)
    }


def test_a_merged_duplicates_canonical_link_is_the_question_it_was_merged_into(client):
    target = make_question(title="Wi-Fi drops every hour on my router")
    duplicate = make_question(title="Router keeps dropping the connection")
    closing.question_merge(source=duplicate, into=target, moderator=ModeratorFactory())

    head = parse_head(client.get(duplicate.get_absolute_url()))

    assert head.canonical() == [absolute(target.get_absolute_url())]
    assert head.meta("og:url") == absolute(target.get_absolute_url())
    assert parse_head(client.get(target.get_absolute_url())).canonical() == [
        absolute(target.get_absolute_url())
    ]


def test_a_merged_duplicate_whose_target_was_deleted_points_at_itself_again(client):
    target = make_question(title="Wi-Fi drops every hour on my router")
    duplicate = make_question(title="Router keeps dropping the connection")
    moderator = ModeratorFactory()
    closing.question_merge(source=duplicate, into=target, moderator=moderator)
    closing.post_delete(post=target, actor=moderator)

    head = parse_head(client.get(duplicate.get_absolute_url()))

    assert head.canonical() == [absolute(duplicate.get_absolute_url())]


def test_a_followed_up_thread_keeps_its_own_canonical_link(client):
    question = outcome_posted(make_question(title="My bill shows a charge I do not know"))

    head = parse_head(client.get(question.get_absolute_url()))

    assert head.canonical() == [absolute(question.get_absolute_url())]


def test_posting_an_outcome_twice_keeps_the_first_time():
    question = make_question(title="My bill shows a charge I do not know")
    first = timezone.now() - dt.timedelta(hours=1)

    assert services.question_outcome_posted(question=question, at=first) is True
    assert services.question_outcome_posted(question=question, at=timezone.now()) is False

    assert Question.objects.get(pk=question.pk).outcome_at == first
