import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from forum.models import Answer, Comment, Question, Vote
from forum.tasks import flush_view_counts
from tests.factories import StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

ASK = {
    "title": "Invoice PDF is blank when I download it",
    "body": "Every invoice I download since Monday opens as a blank page.",
    "tags": "billing, invoices",
}


def login(client, user=None):
    user = user or UserFactory()
    client.force_login(user)
    return user


# --- Asking ---------------------------------------------------------------------------------


def test_ask_requires_login(client):
    response = client.get("/questions/ask/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_ask_creates_question_and_redirects_to_canonical_url(client):
    login(client)

    response = client.post("/questions/ask/", {**ASK, "submission_token": str(uuid.uuid4())})

    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/questions/{question.pk}/invoice-pdf-is-blank-when-i-download-it/"
    assert sorted(question.tags.names()) == ["billing", "invoices"]


def test_space_separated_tags_work_too(client):
    login(client)

    client.post("/questions/ask/", {**ASK, "tags": "billing   Invoices"})

    assert sorted(Question.objects.get().tags.names()) == ["billing", "invoices"]


def test_double_submitted_ask_form_creates_one_question(client):
    login(client)
    data = {**ASK, "submission_token": str(uuid.uuid4())}

    first = client.post("/questions/ask/", data)
    second = client.post("/questions/ask/", data)

    assert Question.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Too short", "at least 15 characters"),
        ("body", "short", "at least 20 characters"),
        ("tags", "", "This field is required"),
        ("tags", "a b c d e f", "at most 5 tags"),
        ("tags", "bad!tag", "Tags use letters"),
    ],
)
def test_ask_errors_show_next_to_the_field_and_keep_the_text(client, field, value, message):
    login(client)

    response = client.post("/questions/ask/", {**ASK, field: value})

    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert Question.objects.count() == 0
    for kept in (ASK["title"], ASK["body"]):
        if kept != ASK[field]:
            assert kept in body


def test_preview_button_renders_markdown_without_saving(client):
    login(client)

    response = client.post(
        "/questions/ask/", {**ASK, "body": "Has **bold** text and more words", "preview": "1"}
    )

    assert "<strong>bold</strong>" in response.content.decode()
    assert Question.objects.count() == 0


def test_htmx_preview_endpoint_returns_rendered_fragment(client):
    login(client)

    response = client.post("/preview/", {"body": "# Heading\n\n<script>x</script>"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in body
    assert "&lt;script&gt;" in body


# --- The thread -----------------------------------------------------------------------------


def test_wrong_or_missing_slug_answers_301_to_canonical(client):
    question = make_question()

    for path in (f"/questions/{question.pk}/", f"/questions/{question.pk}/wrong-slug/"):
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == question.get_absolute_url()


def test_missing_question_is_404(client):
    assert client.get("/questions/999/anything/").status_code == 404
    assert client.post("/questions/999/vote/", {"value": 1}).status_code == 404


def test_view_count_counts_once_per_visitor_and_reaches_the_page_after_the_flush(client):
    question = make_question()
    member = UserFactory()

    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url(), HTTP_USER_AGENT="another browser")
    login(client, member)
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())

    question.refresh_from_db()
    assert question.view_count == 0  # waiting in the cache
    assert flush_view_counts() == 3
    assert flush_view_counts() == 0  # idempotent
    question.refresh_from_db()
    assert question.view_count == 3


def test_anonymous_readers_write_nothing(client):
    question = make_question(title="Why does my printer print blank pages?", tags=("printers",))
    pages = [
        "/",
        "/questions/",
        question.get_absolute_url(),
        "/tags/",
        "/tags/printers/",
        "/search/?q=printer",
    ]
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        writes = [
            q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == [], url
    assert not Session.objects.exists()
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value
    assert flush_view_counts() == 1


def test_answers_ordered_accepted_then_score_then_oldest_and_staff_gets_no_boost(client):
    question = make_question()
    staff_answer = make_answer(question, author=StaffFactory(), body="Staff answer, posted first of all.")
    older = make_answer(question, body="Older customer answer with one vote.")
    newer = make_answer(question, body="Newer customer answer with one vote.")
    accepted = make_answer(question, body="Accepted answer with no votes at all.")
    services.vote_cast(voter=UserFactory(), post=older, value=1)
    services.vote_cast(voter=UserFactory(), post=newer, value=1)
    services.answer_accept_toggle(answer=accepted, user=question.author)

    body = client.get(question.get_absolute_url()).content.decode()

    positions = [body.index(f'id="answer-{a.pk}"') for a in (accepted, older, newer, staff_answer)]
    assert positions == sorted(positions)
    assert ">Staff<" in body


def test_answer_post_redirects_to_the_new_answer(client):
    question = make_question()
    login(client)

    response = client.post(
        f"/questions/{question.pk}/answers/", {"body": "Turn it off and on again, then wait a minute."}
    )

    answer = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-{answer.pk}"


def test_invalid_answer_keeps_the_text_and_shows_the_error(client):
    question = make_question()
    login(client)

    response = client.post(f"/questions/{question.pk}/answers/", {"body": "too short"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "at least 20 characters" in body
    assert "too short" in body
    assert Answer.objects.count() == 0


def test_answer_get_is_405(client):
    question = make_question()
    login(client)

    assert client.get(f"/questions/{question.pk}/answers/").status_code == 405


def test_anonymous_vote_redirects_to_login(client):
    question = make_question()

    response = client.post(f"/questions/{question.pk}/vote/", {"value": 1})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Vote.objects.count() == 0


def test_vote_without_js_redirects_back_to_the_post(client):
    answer = make_answer(make_question())
    login(client)

    response = client.post(f"/answers/{answer.pk}/vote/", {"value": 1})

    assert response.status_code == 302
    assert response["Location"] == f"{answer.question.get_absolute_url()}#answer-{answer.pk}"
    answer.refresh_from_db()
    assert answer.score == 1


def test_vote_with_htmx_returns_the_updated_widget(client):
    answer = make_answer(make_question())
    login(client)

    response = client.post(f"/answers/{answer.pk}/vote/", {"value": 1}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="score" aria-label="Score 1"' in body
    assert 'aria-pressed="true"' in body
    assert "<html" not in body


def test_vote_on_own_post_is_403_and_bad_value_is_400(client):
    question = make_question()
    login(client, question.author)

    assert client.post(f"/questions/{question.pk}/vote/", {"value": 1}).status_code == 403

    login(client)
    assert client.post(f"/questions/{question.pk}/vote/", {"value": 5}).status_code == 400
    assert client.get(f"/questions/{question.pk}/vote/").status_code == 405


def test_accept_toggle_by_asker_and_403_for_others(client):
    question = make_question()
    answer = make_answer(question)

    login(client, answer.author)
    assert client.post(f"/answers/{answer.pk}/accept/").status_code == 403

    login(client, question.author)
    response = client.post(f"/answers/{answer.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    question.refresh_from_db()
    assert question.accepted_answer == answer

    response = client.post(f"/answers/{answer.pk}/accept/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="answers"' in response.content.decode()
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_comment_without_js_redirects_and_with_htmx_returns_the_list(client):
    question = make_question()
    answer = make_answer(question)
    login(client)

    response = client.post(f"/questions/{question.pk}/comments/", {"body": "Which router model?"})
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#question"

    response = client.post(
        f"/answers/{answer.pk}/comments/", {"body": "This fixed it."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "This fixed it." in response.content.decode()
    assert Comment.objects.count() == 2


def test_each_comment_form_on_a_thread_has_its_own_token(client):
    """With htmx, commenting on one post leaves the page's other comment forms as drawn: had they
    shared one token, a comment on a second post would have come back as the first one."""
    import re

    question = make_question()
    answers = [make_answer(question), make_answer(question)]
    login(client)
    page = client.get(question.get_absolute_url()).content.decode()
    tokens = re.findall(r'<input type="hidden" name="submission_token" value="([0-9a-f-]{36})">', page)
    assert len(tokens) == 4  # the question's and two answers' comment forms, and the answer form
    assert len(set(tokens)) == 4
    assert 'id="id_submission_token"' not in page

    for post_path, token, body in [
        (f"/questions/{question.pk}/comments/", tokens[0], "Which router model?"),
        (f"/answers/{answers[0].pk}/comments/", tokens[1], "This fixed it for me too."),
    ]:
        response = client.post(post_path, {"body": body, "submission_token": token}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert body in response.content.decode()
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "This fixed it for me too.",
        "Which router model?",
    ]


def test_a_comment_that_comes_back_keeps_its_token(client):
    question = make_question()
    login(client)
    token = str(uuid.uuid4())

    response = client.post(
        f"/questions/{question.pk}/comments/", {"body": "x" * 601, "submission_token": token}
    )

    assert response.status_code == 400
    assert f'name="submission_token" value="{token}"' in response.content.decode()


def test_invalid_comment_keeps_text_under_the_right_post(client):
    question = make_question()
    answer = make_answer(question)
    login(client)

    response = client.post(f"/answers/{answer.pk}/comments/", {"body": "x" * 601})

    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 600 characters" in body
    assert "x" * 601 in body
    assert Comment.objects.count() == 0


# --- Editing --------------------------------------------------------------------------------


def test_author_edits_question_and_revisions_page_shows_the_diff(client):
    question = make_question(title="How do I reset my router safely?")
    login(client, question.author)

    response = client.post(
        f"/questions/{question.pk}/edit/",
        {
            "title": "How do I factory reset my router safely?",
            "body": question.body,
            "tags": "wifi",
            "summary": "x",
        },
    )
    assert response.status_code == 302

    body = client.get(f"/questions/{question.pk}/revisions/").content.decode()
    assert "<ins> factory</ins>" in body
    assert "Revision 2" in body


def test_staff_below_the_edit_threshold_can_only_suggest_edits_of_others_posts(client):
    # Staff status grants nothing: the edit page takes a suggestion for review, as for anyone.
    question = make_question()
    answer = make_answer(question)
    login(client, StaffFactory())

    for url in (f"/questions/{question.pk}/edit/", f"/answers/{answer.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Suggest an edit" in response.content.decode()


def test_author_rolls_back_an_answer(client):
    answer = make_answer(make_question(), body="Original answer text, quite helpful.")
    services.answer_edit(answer=answer, editor=answer.author, body="Edited answer text, less helpful.")
    login(client, answer.author)
    first = answer.revisions.get(number=1)

    response = client.post(f"/revisions/{first.pk}/rollback/")

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.body == "Original answer text, quite helpful."


def test_rollback_by_someone_else_is_403(client):
    answer = make_answer(make_question())
    login(client)

    assert client.post(f"/revisions/{answer.revisions.get().pk}/rollback/").status_code == 403


# --- Lists and query budgets ----------------------------------------------------------------


def test_unanswered_is_longest_waiting_first_whoever_asked(client):
    from django.utils import timezone

    newcomer_q = make_question(title="Question from a brand-new customer")
    staff_q = make_question(title="Question from a staff member here", author=StaffFactory())
    popular_q = make_question(title="Question with lots of votes on it")
    services.vote_cast(voter=UserFactory(), post=popular_q, value=1)
    now = timezone.now()
    Question.objects.filter(pk=newcomer_q.pk).update(created_at=now - timezone.timedelta(days=3))
    Question.objects.filter(pk=staff_q.pk).update(created_at=now - timezone.timedelta(days=1))
    Question.objects.filter(pk=popular_q.pk).update(created_at=now - timezone.timedelta(days=2))

    body = client.get("/questions/?sort=unanswered").content.decode()

    order = [body.index(q.title) for q in (newcomer_q, popular_q, staff_q)]
    assert order == sorted(order)


def test_list_filters_by_tag_and_unknown_tag_404(client):
    make_question(title="A billing question about refunds", tags=["billing"])
    make_question(title="A wifi question about the router", tags=["wifi"])

    body = client.get("/questions/?tag=billing").content.decode()
    assert "A billing question about refunds" in body
    assert "A wifi question about the router" not in body
    assert client.get("/questions/?tag=nope").status_code == 404
    assert "A billing question about refunds" in client.get("/tags/billing/").content.decode()
    assert client.get("/tags/nope/").status_code == 404


def test_tags_page_lists_tags_with_counts(client):
    make_question(tags=["billing", "invoices"])
    make_question(title="Another billing question here", tags=["billing"])

    body = client.get("/tags/").content.decode()

    assert "billing" in body and "2 questions" in body
    assert "invoices" in body and "1 question" in body


@pytest.mark.parametrize("sort", ["active", "newest", "votes", "unanswered", "waiting"])
def test_list_pages_stay_within_8_queries(client, django_assert_max_num_queries, sort):
    login(client, UserFactory())
    for i in range(25):
        make_question(
            title=f"Question number {i} about something", tags=["billing", f"t{i}"], author=UserFactory()
        )

    with django_assert_max_num_queries(8):
        response = client.get(f"/questions/?sort={sort}")
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/tags/billing/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/tags/").status_code == 200


def _thread_queries(client, django_assert_max_num_queries, answers: int, comments: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    question = make_question()
    for i in range(answers):
        answer = make_answer(question, author=UserFactory(is_staff=i % 5 == 0))
        services.vote_cast(voter=question.author, post=answer, value=1)
    all_answers = list(question.answers.all())
    for i in range(comments):
        post = all_answers[i % len(all_answers)] if i % 4 else question
        services.comment_create(post=post, author=UserFactory(), body=f"Comment number {i}")
    services.answer_accept_toggle(answer=all_answers[0], user=question.author)
    client.force_login(question.author)
    client.get(question.get_absolute_url())  # count the view once, outside the measurement
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(12):
        assert client.get(question.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_question_page_queries_constant_and_at_most_12(client, django_assert_max_num_queries):
    # One answer, one comment on the question and one on the answer: every kind of row present.
    small = _thread_queries(client, django_assert_max_num_queries, answers=1, comments=2)
    large = _thread_queries(client, django_assert_max_num_queries, answers=100, comments=300)

    assert small == large


@pytest.mark.parametrize(
    "query, current",
    [
        ("", "Questions"),
        ("?sort=newest", "Questions"),
        ("?sort=unanswered", "Unanswered"),
        ("?sort=waiting", "Unanswered"),
    ],
)
def test_the_nav_marks_the_list_being_shown(client, query, current):
    import re

    page = client.get(reverse("forum:question_list") + query).content.decode()

    nav = page[page.index("<nav") : page.index("</nav>")]
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == [current]
