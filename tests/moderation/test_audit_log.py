"""The audit log reads in names and links: members by name, questions by title, answers as
"answer by Alice in “title”", dates as dates. Ids are resolved when the page is shown, a fixed
number of queries for the whole page, so old entries read as well as new ones."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from forum import services
from forum.models import Answer, CloseReason, Vote
from moderation import audit_log, closing, flags
from moderation.models import FlagReason, ModerationAction
from moderation.serial_voting import AUDIT_ACTION, detect_and_neutralise
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

LOG = reverse("moderation:log")
# What a raw id looks like on the page: a snake_case key (voter_id, deleted_by), "User 4",
# "question 31", "answer #12", or a list of numbers.
RAW = re.compile(
    r"\b[a-z]+_[a-z_]+\b|\b(?:user|member|question|answer|comment|voter|article)s?\s*#?\d+|\[\s*\d",
    re.IGNORECASE,
)


@pytest.fixture
def morgan():
    return ModeratorFactory(username="morgan", display_name="Morgan Reyes")


@pytest.fixture
def log(client, morgan):
    """The log page's HTML, as a moderator sees it."""
    client.force_login(morgan)

    def get(**params) -> str:
        response = client.get(LOG, params)
        assert response.status_code == 200
        return response.text

    return get


def row(page: str, entry: ModerationAction) -> str:
    """The HTML of one entry's row."""
    match = re.search(rf'<tr id="action-{entry.pk}">(.*?)</tr>', page, re.S)
    assert match, f"entry {entry.pk} is not on the page"
    return match[1]


def text_of(html: str) -> str:
    """What a reader sees, dates left out (their digits are not ids)."""
    html = re.sub(r"<time [^>]*>.*?</time>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def assert_no_raw_ids(html: str) -> None:
    found = RAW.findall(text_of(html))
    assert not found, f"raw ids on the page: {found}"


def link(url: str, text: str) -> str:
    return f'<a href="{url}">{text}</a>'


def entry_for(action: str) -> ModerationAction:
    return ModerationAction.objects.filter(action=action).latest("pk")


# --- Each kind of action ---------------------------------------------------------------------------


def test_a_deleted_answer_reads_as_answer_by_its_author_in_the_thread(log, morgan, commit):
    alice = UserFactory(display_name="Alice Moreau")
    question = make_question(title="How do I reset my router safely?")
    answer = make_answer(question, author=alice)
    commit(closing.post_delete, post=answer, actor=morgan, reason="Spam link")

    html = row(log(), entry_for("deleted"))

    target = f"{question.get_absolute_url()}#answer-{answer.pk}"
    assert link(target, "Answer by Alice Moreau in “How do I reset my router safely?”") in html
    assert "Deleted by:" in html and link(morgan.get_absolute_url(), "Morgan Reyes") in html
    assert re.search(r"Deleted:</span>\s*no\s*<span aria-hidden=\"true\">→</span>", html)
    assert '<time datetime="' in html
    assert "Spam link" in html
    assert_no_raw_ids(html)


def test_a_merge_names_the_target_question_and_the_moved_answers(log, morgan):
    source = make_question(title="Router drops the connection every hour")
    into = make_question(title="Why does my router keep disconnecting?")
    first = make_answer(source, author=UserFactory(display_name="Bea Lindqvist"))
    second = make_answer(source, author=UserFactory(display_name="Chidi Okafor"))
    closing.question_merge(source=source, into=into, moderator=morgan)

    html = row(log(), entry_for("merged"))

    into_link = link(into.get_absolute_url(), "“Why does my router keep disconnecting?”")
    assert link(source.get_absolute_url(), "Question “Router drops the connection every hour”") in html
    assert f"Merged into {into_link}; moved 2 answers" in html  # the reason, rebuilt in words
    assert "Merged into:</span>" in html and "Closed as duplicate of:</span>" in html
    assert html.count(into_link) == 3  # reason, closed as duplicate of, merged into
    assert "Closed as:</span>" in html and "a duplicate" in html
    assert link(f"{into.get_absolute_url()}#answer-{first.pk}", "answer by Bea Lindqvist") in html
    assert link(f"{into.get_absolute_url()}#answer-{second.pk}", "answer by Chidi Okafor") in html
    assert_no_raw_ids(html)


def test_closing_as_a_duplicate_links_the_original(log, morgan):
    original = make_question(title="Which firmware fixes the hourly drop?")
    question = make_question(title="Firmware for the hourly connection drop")
    closing.question_close(
        question=question, moderator=morgan, reason=CloseReason.DUPLICATE, duplicate_of=original
    )

    html = row(log(), entry_for("closed"))

    assert "Closed as duplicate of:</span>" in html
    assert link(original.get_absolute_url(), "“Which firmware fixes the hourly drop?”") in html
    assert link(question.get_absolute_url(), "Question “Firmware for the hourly connection drop”") in html
    assert re.search(
        r"Closed:</span>\s*no\s*<span aria-hidden=\"true\">→</span>.*?<time datetime=", html, re.S
    )
    assert_no_raw_ids(html)


def test_an_automatic_hide_names_the_post_and_shows_when(log):
    author = UserFactory(display_name="Dana Whitfield")
    question = make_question(title="Cheap pills, visit my site today")
    answer = make_answer(question, author=author)
    for _ in range(flags.AUTO_HIDE_FLAGGERS):
        flags.flag_create(flagger=UserFactory(reputation=20), post=answer, reason=FlagReason.SPAM)

    html = row(log(), entry_for("auto_hidden"))

    assert "Automatic" in html
    assert "Answer by Dana Whitfield in “Cheap pills, visit my site today”" in html
    assert "3 members flagged it as spam or abuse" in html
    assert re.search(
        r"Hidden:</span>\s*no\s*<span aria-hidden=\"true\">→</span>.*?<time datetime=", html, re.S
    )
    assert_no_raw_ids(html)


def test_a_serial_voting_reversal_names_the_voter_and_the_author(log, commit):
    author = UserFactory(display_name="Erin Castillo")
    voter = UserFactory(display_name="Farid Haddad")
    for _ in range(5):
        commit(
            services.vote_cast, voter=voter, post=make_answer(make_question(), author=author), value=Vote.UP
        )
    commit(detect_and_neutralise)
    entry = entry_for(AUDIT_ACTION)

    html = row(log(), entry)

    assert (
        entry.reason == "5 up-votes by Farid Haddad on posts by Erin Castillo (serial voting within 24 hours)"
    )
    assert link(author.get_absolute_url(), "Member Erin Castillo") in html
    assert "Voter:</span>" in html and link(voter.get_absolute_url(), "Farid Haddad") in html
    assert "5 up-votes" in html
    ledger = reverse("reputation:user_ledger", kwargs={"username": author.username})
    assert link(ledger, "5 ledger entries") in html
    assert "Pattern:</span>" in html and "serial" in html
    assert_no_raw_ids(html)


# --- Old entries, and what is gone ----------------------------------------------------------------


def test_entries_written_with_ids_in_the_reason_read_in_names(log):
    """Reasons written before they named people (serial voting) or as closing.py still writes
    them (a merge) are rebuilt from the ids they hold."""
    author = UserFactory(display_name="Gita Rao")
    voter = UserFactory(display_name="Hugo Brandt")
    source = make_question(title="Old question that was merged away")
    into = make_question(title="Old question that took the answers")
    moved = make_answer(into, author=UserFactory(display_name="Ines Duarte"))
    serial = ModerationAction.objects.create(
        action=AUDIT_ACTION,
        target_type="user",
        target_id=author.pk,
        reason=f"5 up-votes by user {voter.pk} on posts by user {author.pk} (serial voting within 24 hours)",
        after={"voter_id": voter.pk, "vote_ids": [1, 2, 3, 4, 5], "entry_ids": [6, 7, 8, 9, 10]},
    )
    merged = ModerationAction.objects.create(
        moderator=ModeratorFactory(),
        action="merged",
        target_type="question",
        target_id=source.pk,
        question=source,
        reason=f"Merged into question {into.pk}; moved answers [{moved.pk}]",
        before={"merged_into": None},
        after={"merged_into": into.pk, "moved_answers": [moved.pk]},
    )

    page = log()

    serial_html, merged_html = row(page, serial), row(page, merged)
    assert (
        f"5 up-votes by {link(voter.get_absolute_url(), 'Hugo Brandt')} on posts by "
        f"{link(author.get_absolute_url(), 'Gita Rao')} (serial voting within 24 hours)"
    ) in serial_html
    into_link = link(into.get_absolute_url(), "“Old question that took the answers”")
    assert re.search(rf"Merged into {re.escape(into_link)}; moved 1 answer\s*</td>", merged_html)
    assert_no_raw_ids(serial_html)
    assert_no_raw_ids(merged_html)


def test_deleted_members_and_posts_read_as_such_and_do_not_break_the_page(log, morgan):
    question = make_question(title="A thread whose answer was purged")
    answer = make_answer(question)
    closing.post_delete(post=answer, actor=morgan)
    purged_pk = answer.pk
    Answer.objects.filter(pk=purged_pk).delete()  # gone from the database, not just soft-deleted
    gone_user = UserFactory()
    gone_user_pk = gone_user.pk
    User.objects.filter(pk=gone_user_pk).delete()
    orphan = ModerationAction.objects.create(
        moderator=morgan,
        action="merged",
        target_type="question",
        target_id=987654,
        reason="Merged into question 987653; moved answers [987652, 987651]",
        before={"deleted_by": None, "merged_into": None},
        after={"deleted_by": gone_user_pk, "merged_into": 987653, "moved_answers": [987652, 987651]},
    )
    serial = ModerationAction.objects.create(
        action=AUDIT_ACTION,
        target_type="user",
        target_id=gone_user_pk,
        reason=f"5 up-votes by user {gone_user_pk} on posts by user {gone_user_pk} (serial voting)",
        after={"voter_id": gone_user_pk, "entry_ids": [1, 2]},
    )

    page = log()

    deleted_html = row(page, entry_for("deleted"))
    url = f"{question.get_absolute_url()}#answer-{purged_pk}"
    assert link(url, f"Answer #{purged_pk} in “A thread whose answer was purged”") in deleted_html
    orphan_html = row(page, orphan)
    assert "Question #987654" in orphan_html
    assert "Merged into question #987653; moved 2 answers" in orphan_html
    assert "a deleted member" in orphan_html and "answer #987652, answer #987651" in orphan_html
    serial_html = row(page, serial)
    assert "A deleted member" in serial_html
    assert "5 up-votes by a deleted member on posts by a deleted member" in serial_html
    assert "2 ledger entries" in serial_html


def test_field_names_read_as_words():
    assert audit_log.field_label("deleted_by") == "Deleted by"
    assert audit_log.field_label("duplicate_of") == "Closed as duplicate of"
    assert audit_log.field_label("merged_into") == "Merged into"
    assert audit_log.field_label("some_new_thing_id") == "Some new thing"


# --- What the page costs -------------------------------------------------------------------------


def seed_entries(n: int, moderator) -> None:
    """n entries of mixed kinds, each naming members, questions and answers of its own."""
    for i in range(n):
        question = make_question(title=f"Question number {i} about a flaky router")
        other = make_question(title=f"Another question number {i} about routers")
        answer = make_answer(question)
        kind = i % 3
        if kind == 0:
            ModerationAction.objects.create(
                moderator=moderator,
                action="deleted",
                target_type="answer",
                target_id=answer.pk,
                question=question,
                before={"deleted_at": None, "deleted_by": None},
                after={"deleted_at": "2025-03-01T10:00:00+00:00", "deleted_by": UserFactory().pk},
            )
        elif kind == 1:
            ModerationAction.objects.create(
                moderator=moderator,
                action="merged",
                target_type="question",
                target_id=question.pk,
                question=question,
                reason=f"Merged into question {other.pk}; moved answers [{answer.pk}]",
                before={"duplicate_of": None, "merged_into": None},
                after={"duplicate_of": other.pk, "merged_into": other.pk, "moved_answers": [answer.pk]},
            )
        else:
            ModerationAction.objects.create(
                action=AUDIT_ACTION,
                target_type="user",
                target_id=question.author_id,
                reason=f"5 up-votes by user {answer.author_id} on posts by user {question.author_id} (x)",
                after={"voter_id": answer.author_id, "vote_ids": [1, 2, 3, 4, 5], "entry_ids": [1, 2]},
            )


def queries_for_log(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LOG).status_code == 200
    return len(captured)


def test_the_log_costs_the_same_queries_for_3_entries_as_for_30(
    client, morgan, django_assert_max_num_queries
):
    client.force_login(morgan)
    seed_entries(3, morgan)
    few = queries_for_log(client)
    seed_entries(27, morgan)
    assert ModerationAction.objects.count() == 30

    many = queries_for_log(client)

    assert many == few, (few, many)
    # Session, viewer and their groups; count and page of entries; members, questions and
    # answers named (comments and articles would add one each); the two filter lists.
    with django_assert_max_num_queries(10):
        client.get(LOG)
