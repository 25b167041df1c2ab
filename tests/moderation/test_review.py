"""The review queue: suggested edits from members below the edit privilege, and new accounts'
first posts held by pre-moderation."""

import pytest

from forum import services
from forum.models import Answer, Question, SuggestedEdit
from moderation import review
from moderation.models import ModerationAction
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

EDITOR_REP = 500  # the edit privilege in the default ("new") preset
QUEUE = "/moderation/review/"
BETTER_BODY = "My router drops the Wi-Fi connection every hour, on both bands."


def suggest(post=None, editor=None, body=BETTER_BODY) -> SuggestedEdit:
    post = post or make_question()
    extra = {"title": post.title, "tags": list(post.tags.names())} if isinstance(post, Question) else {}
    return services.suggested_edit_create(
        post=post, editor=editor or UserFactory(), body=body, summary="Clearer symptoms", **extra
    )


@pytest.fixture
def premoderation(settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True


# --- Suggested edits ---------------------------------------------------------------------------


def test_queue_lists_pending_edits_with_a_diff_for_members_with_the_edit_privilege(client):
    suggestion = suggest()
    client.force_login(UserFactory(reputation=EDITOR_REP))

    page = client.get(QUEUE).content.decode()

    assert "<h1>Review queue</h1>" in page
    assert f'id="suggested-edit-{suggestion.pk}"' in page
    assert "My router <del>keeps dropping</del><ins>drops</ins> the<ins> Wi-Fi</ins> connection" in page
    assert f'action="/moderation/review/edits/{suggestion.pk}/approve/"' in page
    assert f'<label for="reject-{suggestion.pk}-reason">Why are you rejecting this edit?' in page
    assert "First posts" not in page  # that tab is for moderators


def test_queue_refuses_members_below_the_edit_privilege_staff_included(client):
    for person in (UserFactory(reputation=EDITOR_REP - 1), StaffFactory()):
        client.force_login(person)
        response = client.get(QUEUE)

        assert response.status_code == 403
        assert (
            "Reviewing suggested edits needs the edit privilege, 500 reputation" in response.content.decode()
        )


def test_first_posts_tab_is_for_moderators_only(client):
    client.force_login(UserFactory(reputation=100_000))
    assert client.get(f"{QUEUE}?tab=first-posts").status_code == 403
    client.force_login(ModeratorFactory())
    assert client.get(f"{QUEUE}?tab=first-posts").status_code == 200


def test_a_reviewer_does_not_see_their_own_suggestion(client):
    editor = UserFactory(reputation=EDITOR_REP - 1)
    suggestion = suggest(editor=editor)
    editor.reputation = EDITOR_REP  # promoted since: still may not review their own
    editor.save(update_fields=["reputation"])
    client.force_login(editor)

    page = client.get(QUEUE).content.decode()

    assert f'id="suggested-edit-{suggestion.pk}"' not in page
    assert client.post(f"/moderation/review/edits/{suggestion.pk}/approve/").status_code == 403


def test_approving_from_the_queue_publishes_the_edit_and_rewards_the_editor_through_the_ledger(
    client, django_capture_on_commit_callbacks
):
    question = make_question()
    editor = UserFactory()
    suggestion = suggest(question, editor=editor)
    client.force_login(ModeratorFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/moderation/review/edits/{suggestion.pk}/approve/", follow=True)

    assert response.redirect_chain[-1][0] == f"{QUEUE}?tab=edits"
    assert f"credited to {editor.name}" in response.content.decode()
    assert Question.objects.get(pk=question.pk).body == BETTER_BODY
    assert SuggestedEdit.objects.get().status == SuggestedEdit.Status.APPROVED
    line = LedgerEntry.objects.get(user=editor)
    assert (line.rule, line.amount) == ("edit_approved", 2)
    editor.refresh_from_db()
    assert editor.reputation == 3


def test_approval_rewards_stop_at_1000_in_all(client, django_capture_on_commit_callbacks):
    from django.utils import timezone

    editor = UserFactory()
    # 499 approvals' worth already earned (written directly: the ledger is append-only, not closed).
    LedgerEntry.objects.create(
        user=editor,
        amount=998,
        rule="edit_approved",
        rules_version=1,
        occurred_at=timezone.now(),
        idempotency_key="test:earlier-approvals",
    )
    client.force_login(ModeratorFactory())
    for number in (1, 2):
        suggestion = suggest(make_question(title=f"Router question number {number} drops"), editor=editor)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/moderation/review/edits/{suggestion.pk}/approve/")

    lines = LedgerEntry.objects.filter(user=editor, rule="edit_approved").order_by("pk")
    assert [(line.amount, line.reason) for line in lines] == [
        (998, ""),
        (2, ""),
        (0, "edit reward limit reached"),
    ]


def test_rejecting_needs_a_reason_shown_by_the_field(client):
    suggestion = suggest()
    client.force_login(UserFactory(reputation=EDITOR_REP))

    refused = client.post(f"/moderation/review/edits/{suggestion.pk}/reject/", {"reason": "   "})
    rejected = client.post(
        f"/moderation/review/edits/{suggestion.pk}/reject/",
        {"reason": "This changes the meaning."},
        follow=True,
    )

    assert refused.status_code == 400
    assert "Say why you are rejecting this edit" in refused.content.decode()
    assert "Edit rejected." in rejected.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestedEdit.Status.REJECTED
    assert suggestion.review_reason == "This changes the meaning."


def test_queue_diff_costs_the_same_queries_however_many_suggestions(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reviewer = UserFactory(reputation=EDITOR_REP)
    client.force_login(reviewer)
    counts = []
    for extra in (1, 10):
        for i in range(extra):
            question = make_question(title=f"Router question {len(counts)}-{i} drops")
            suggest(question)
            suggest(make_answer(question), body="Update the firmware from the admin page, then restart it.")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(QUEUE).status_code == 200
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]


# --- Pre-moderation of first posts ---------------------------------------------------------------


def test_first_question_is_held_and_only_its_author_sees_it(client, premoderation):
    newcomer = UserFactory()
    client.force_login(newcomer)

    response = client.post(
        "/questions/ask/",
        {"title": "How do I reset my router safely?", "body": BETTER_BODY, "tags": "wifi"},
        follow=True,
    )

    question = Question.objects.get()
    assert question.held_at is not None
    assert (
        "Your first post is waiting for a moderator; only you can see it for now."
        in response.content.decode()
    )
    client.force_login(UserFactory())
    assert client.get(question.get_absolute_url()).status_code == 404
    assert question.title not in client.get("/questions/").content.decode()


def test_only_the_first_post_is_held(premoderation):
    newcomer = UserFactory()
    first = make_question(author=newcomer)
    answer = make_answer(make_question(author=ModeratorFactory()), author=newcomer)

    assert first.held_at is not None and answer.held_at is None


def test_nothing_is_held_with_premoderation_off():
    assert make_question().held_at is None


def test_a_held_answer_is_not_counted_until_released(client, premoderation):
    question = make_question(author=ModeratorFactory())
    answer = make_answer(question)
    moderator = ModeratorFactory(display_name="Morgan Reyes")
    client.force_login(answer.author)
    own_view = client.get(question.get_absolute_url()).content.decode()
    client.force_login(moderator)
    queue = client.get(f"{QUEUE}?tab=first-posts").content.decode()

    assert Question.objects.get(pk=question.pk).answer_count == 0
    assert "Your first post is waiting for a moderator; only you can see it for now." in own_view
    assert f'action="/moderation/review/held/answer/{answer.pk}/release/"' in queue

    client.post(f"/moderation/review/held/answer/{answer.pk}/release/")

    assert Answer.objects.get(pk=answer.pk).held_at is None
    assert Question.objects.get(pk=question.pk).answer_count == 1
    line = ModerationAction.objects.get()
    assert (line.action, line.moderator, line.after["held_at"]) == ("released", moderator, None)
    assert review.post_release(post=answer, moderator=moderator) is False  # already released


def test_moderator_releases_a_held_question_for_everyone(client, premoderation):
    question = make_question()
    client.force_login(ModeratorFactory())

    response = client.post(f"/moderation/review/held/question/{question.pk}/release/", follow=True)

    assert "Released" in response.content.decode()
    client.logout()
    assert client.get(question.get_absolute_url()).status_code == 200


def test_moderator_deletes_a_held_first_post(client, premoderation):
    question = make_question()
    client.force_login(ModeratorFactory())

    client.post(f"/moderation/review/held/question/{question.pk}/delete/")
    queue = client.get(f"{QUEUE}?tab=first-posts").content.decode()

    assert Question.objects.get(pk=question.pk).deleted_at is not None
    assert f"held-question-{question.pk}" not in queue
    assert ModerationAction.objects.get().action == "deleted"
