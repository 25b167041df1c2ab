"""Questions through the API: the site's lists, one question, asking and editing, with the
web's rules, messages, limits and holds."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from forum import services
from forum.models import Question, Revision, SuggestedEdit
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question, restrict

pytestmark = pytest.mark.django_db

ASK = {
    "title": "My card is declined when renewing",
    "body": "It says declined but the bank shows nothing at all.",
    "tags": ["billing", "cards"],
}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [question["title"] for question in response.json()["results"]]


def aged(question, days: float) -> Question:
    """As if asked `days` ago."""
    at = timezone.now() - dt.timedelta(days=days)
    Question.objects.filter(pk=question.pk).update(created_at=at, last_activity_at=at)
    return question


# --- Lists ------------------------------------------------------------------------------------


def test_newest_and_votes_sorts_order_as_the_web(api):
    old = aged(make_question(title="An old question about my router"), 3)
    new = aged(make_question(title="A new question about my router"), 1)
    Question.objects.filter(pk=old.pk).update(score=5)
    assert titles(api.get("/api/v1/questions/?sort=newest")) == [new.title, old.title]
    assert titles(api.get("/api/v1/questions/?sort=votes")) == [old.title, new.title]


def test_the_help_queues_are_longest_waiting_first_whoever_asked(api):
    staff_question = aged(make_question(author=StaffFactory(), title="Staff asked this one recently"), 1)
    waiting = aged(make_question(title="A customer has waited longest"), 5)
    answered = aged(make_question(title="This one has a helpful answer"), 9)
    helpful = make_answer(answered)
    services.vote_cast(voter=UserFactory(reputation=100), post=helpful, value=1)
    assert titles(api.get("/api/v1/questions/?sort=waiting")) == [waiting.title, staff_question.title]
    assert titles(api.get("/api/v1/questions/?sort=unanswered")) == [waiting.title, staff_question.title]
    queue = api.get("/api/v1/questions/?sort=waiting").json()["results"]
    assert queue[0]["me_too_count"] == 0  # the queues show "I have this too", as on the web


def test_lists_filter_by_tag_and_status(api):
    wifi = make_question(title="Wifi drops every evening", tags=["wifi"])
    billing = make_question(title="Billing twice for one month", tags=["billing"])
    answer = make_answer(billing)
    services.answer_accept_toggle(answer=answer, user=billing.author)
    closed = make_question(title="A closed question about wifi", tags=["wifi"])
    Question.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), close_reason="off_topic")

    assert sorted(titles(api.get("/api/v1/questions/?tag=wifi"))) == sorted([wifi.title, closed.title])
    assert titles(api.get("/api/v1/questions/?status=solved")) == [billing.title]
    assert titles(api.get("/api/v1/questions/?status=closed")) == [closed.title]
    assert sorted(titles(api.get("/api/v1/questions/?status=open"))) == sorted([wifi.title, billing.title])
    assert titles(api.get("/api/v1/questions/?status=unanswered")) == [wifi.title]
    assert titles(api.get("/api/v1/questions/?tag=wifi&status=open")) == [wifi.title]


def test_lists_leave_out_what_only_some_may_see(api):
    shown = make_question(title="A question everyone sees")
    deleted = make_question(title="A deleted question nobody lists")
    Question.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    assert titles(api.get("/api/v1/questions/", token=key_for(ModeratorFactory(), "read"))) == [shown.title]


def test_the_cursor_pages_through_every_question_once(api):
    made = [aged(make_question(title=f"Question number {n} about routers"), n) for n in range(7)]
    seen, url = [], "/api/v1/questions/?sort=newest&page_size=3"
    while url:
        page = api.get(url).json()
        seen += [question["id"] for question in page["results"]]
        url = page["next"]
    assert seen == [question.pk for question in made]
    previous = api.get(api.get("/api/v1/questions/?sort=newest&page_size=3").json()["next"]).json()[
        "previous"
    ]
    assert [q["id"] for q in api.get(previous).json()["results"]] == [q.pk for q in made[:3]]


@pytest.mark.parametrize("sort", ["active", "newest", "votes", "unanswered", "waiting"])
def test_a_list_costs_the_same_few_queries_however_long(api, django_assert_max_num_queries, sort):
    moderator = ModeratorFactory()
    for n in range(12):
        make_question(
            author=moderator if n % 2 else None, title=f"Question number {n} about routers", tags=["a", "b"]
        )
    token = key_for(UserFactory(), "read")
    # the key and its owner, the page, its tags and its authors' groups, the viewer's ignored tags
    with django_assert_max_num_queries(7):
        response = api.get(f"/api/v1/questions/?sort={sort}", token=token)
    assert len(response.json()["results"]) == 12
    flairs = {q["author"]["username"]: q["author"]["flairs"] for q in response.json()["results"]}
    assert flairs[moderator.username] == ["moderator"]


# --- One question -----------------------------------------------------------------------------


def test_a_question_shows_its_author_with_flairs_and_both_bodies(api):
    question = make_question(
        author=StaffFactory(username="sam", reputation=40), body="Has **bold** text in it, see."
    )
    data = api.get(f"/api/v1/questions/{question.pk}/").json()
    assert data["author"] == {
        "id": question.author.pk,
        "username": "sam",
        "name": question.author.name,
        "reputation": 40,
        "flairs": ["staff"],
        "url": "http://testserver/users/sam/",
    }
    assert data["body"] == "Has **bold** text in it, see."
    assert "<strong>bold</strong>" in data["body_html"]
    assert data["url"] == f"http://testserver{question.get_absolute_url()}"
    assert data["tags"] == ["wifi"]


def test_a_deleted_question_is_404_to_others_and_shown_to_moderators(api):
    question = make_question()
    Question.objects.filter(pk=question.pk).update(deleted_at=timezone.now())
    assert api.get(f"/api/v1/questions/{question.pk}/").status_code == 404
    assert (
        api.get(f"/api/v1/questions/{question.pk}/", token=key_for(UserFactory(), "read")).status_code == 404
    )
    seen = api.get(f"/api/v1/questions/{question.pk}/", token=key_for(ModeratorFactory(), "read"))
    assert seen.json()["state"] == "deleted"


# --- Asking -----------------------------------------------------------------------------------


def test_asking_with_a_key_posts_as_the_key_owner(api):
    owner = UserFactory()
    response = api.post("/api/v1/questions/", ASK, token=key_for(owner, "read", "write"))
    assert response.status_code == 201, response.content
    question = Question.objects.get()
    assert question.author == owner
    assert response.json()["tags"] == ["billing", "cards"]
    assert response["Location"] == f"/api/v1/questions/{question.pk}/"
    assert Revision.objects.filter(question=question, number=1).exists()


def test_tags_may_be_one_string_as_the_web_form_takes_them(api):
    response = api.post("/api/v1/questions/", {**ASK, "tags": "billing, cards"}, token=key_for(UserFactory()))
    assert response.json()["tags"] == ["billing", "cards"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Too short", "Ensure this value has at least 15 characters (it has 9)."),
        ("body", "short", "Ensure this value has at least 20 characters (it has 5)."),
        ("tags", [], "This field is required."),
        ("tags", ["a", "b", "c", "d", "e", "f"], "Use at most 5 tags; you gave 6."),
        ("tags", ["bad!tag"], "Tags use letters, digits and . + # _ - only, up to 35 characters: bad!tag"),
    ],
)
def test_a_bad_field_is_a_400_with_the_web_forms_message(api, field, value, message):
    response = api.post("/api/v1/questions/", {**ASK, field: value}, token=key_for(UserFactory()))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert not Question.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.post("/api/v1/questions/", ["not", "an", "object"], token=key_for(UserFactory()))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Send a JSON object."


def test_asking_anonymously_is_a_401_with_the_webs_sentence(api):
    response = api.post("/api/v1/questions/", ASK)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Log in to ask a question."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_suspended_member_is_refused_with_the_webs_sentence(api):
    member = UserFactory()
    token = key_for(member)
    restrict(member, reason="Posting links to a shop")
    response = api.post("/api/v1/questions/", ASK, token=token)
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("Your account is suspended until ")
    assert response.json()["error"]["message"].endswith(": Posting links to a shop.")


def test_the_same_submission_token_posts_once(api):
    token, once = key_for(UserFactory()), str(uuid.uuid4())
    first = api.post("/api/v1/questions/", {**ASK, "submission_token": once}, token=token)
    again = api.post("/api/v1/questions/", {**ASK, "submission_token": once}, token=token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Question.objects.count() == 1


def test_a_first_post_held_for_review_is_held_through_the_api_too(api, settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    owner = UserFactory()
    response = api.post("/api/v1/questions/", ASK, token=key_for(owner))
    assert response.json()["state"] == "held"
    assert api.get(f"/api/v1/questions/{response.json()['id']}/").status_code == 404
    assert titles(api.get("/api/v1/questions/")) == []


@pytest.mark.post_limits
def test_the_webs_posting_limits_answer_429_with_retry_after(api):
    token = key_for(UserFactory())
    assert api.post("/api/v1/questions/", ASK, token=token).status_code == 201
    again = api.post(
        "/api/v1/questions/", {**ASK, "title": "Another card question, right after"}, token=token
    )
    assert again.status_code == 429
    error = again.json()["error"]
    assert error["code"] == "post_limited"
    assert error["message"].startswith("Please wait 15 seconds between posts; you can post again in ")
    assert 0 < int(again["Retry-After"]) <= 15


@pytest.mark.post_limits
def test_a_new_accounts_link_limit_is_the_webs(api):
    body = "See https://a.example, https://b.example and https://c.example for the details."
    response = api.post("/api/v1/questions/", {**ASK, "body": body}, token=key_for(UserFactory()))
    assert response.status_code == 429
    assert (
        response.json()["error"]["message"]
        == "New accounts can include at most 2 links per post; this one has 3."
    )
    assert "Retry-After" not in response


# --- Editing ----------------------------------------------------------------------------------


def test_the_author_edits_only_the_fields_sent_and_a_revision_is_kept(api):
    question = make_question()
    response = api.patch(
        f"/api/v1/questions/{question.pk}/",
        {"title": "How do I reset my router without losing settings?", "summary": "clearer title"},
        token=key_for(question.author),
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "How do I reset my router without losing settings?"
    assert response.json()["body"] == question.body
    latest = Revision.objects.filter(question=question).order_by("-number").first()
    assert (latest.number, latest.summary) == (2, "clearer title")


def test_put_needs_every_field(api):
    question = make_question()
    response = api.put(
        f"/api/v1/questions/{question.pk}/",
        {"title": "A whole new title here"},
        token=key_for(question.author),
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"body", "tags"}


def test_below_the_edit_privilege_an_edit_of_someone_elses_question_is_a_suggestion(api):
    question = make_question()
    editor = UserFactory(reputation=1)
    response = api.patch(
        f"/api/v1/questions/{question.pk}/",
        {"body": "A clearer body for this question, please."},
        token=key_for(editor),
    )
    assert response.status_code == 202
    suggestion = SuggestedEdit.objects.get()
    assert response.json()["suggested_edit"]["id"] == suggestion.pk
    assert suggestion.editor == editor
    question.refresh_from_db()
    assert question.body != "A clearer body for this question, please."


def test_editing_a_locked_question_is_refused_with_the_webs_sentence(api):
    question = make_question()
    Question.objects.filter(pk=question.pk).update(locked_at=timezone.now())
    response = api.patch(
        f"/api/v1/questions/{question.pk}/",
        {"title": "Trying to change a locked one"},
        token=key_for(question.author),
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This question is locked: its posts can't be edited."


def test_a_silenced_members_question_waits_for_review_and_their_comments_are_refused(api):
    member = UserFactory()
    token = key_for(member)
    restrict(member, kind="silence", reason="Heated replies")
    asked = api.post("/api/v1/questions/", ASK, token=token)
    assert asked.status_code == 201
    assert asked.json()["state"] == "held"
    comment = api.post(f"/api/v1/questions/{make_question().pk}/comments/", {"body": "Me too!"}, token=token)
    assert comment.status_code == 403
    assert "Until then your questions and answers wait for a moderator" in comment.json()["error"]["message"]
