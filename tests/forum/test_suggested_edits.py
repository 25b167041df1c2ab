"""Below the edit threshold, an edit of someone else's post becomes a suggestion awaiting review."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum import services
from forum.models import Revision, SuggestedEdit
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

ORIGINAL_BODY = "My router keeps dropping the connection every hour or so."
BETTER_BODY = "My router drops the Wi-Fi connection every hour, on both bands."


def question_form(question, **changes) -> dict:
    return {
        "title": question.title,
        "body": question.body,
        "tags": " ".join(sorted(question.tags.names())),
        "summary": "",
        **changes,
    }


def suggest(question, editor=None, body=BETTER_BODY) -> SuggestedEdit:
    return services.suggested_edit_create(
        post=question,
        editor=editor or UserFactory(),
        title=question.title,
        body=body,
        tags=list(question.tags.names()),
        summary="Clearer symptoms",
    )


# --- Suggesting -----------------------------------------------------------------------------


def test_low_reputation_edit_of_someone_elses_question_waits_for_review(client):
    question = make_question(body=ORIGINAL_BODY)
    newcomer = UserFactory()
    client.force_login(newcomer)

    page = client.get(f"/questions/{question.pk}/edit/").content.decode()
    response = client.post(
        f"/questions/{question.pk}/edit/", question_form(question, body=BETTER_BODY), follow=True
    )

    assert "Suggest an edit" in page
    assert "will be reviewed" in page
    assert response.redirect_chain[-1][0] == question.get_absolute_url()
    assert "Thanks — your edit was sent for review." in response.content.decode()
    question.refresh_from_db()
    assert question.body == ORIGINAL_BODY
    assert question.revisions.count() == 1
    suggestion = SuggestedEdit.objects.get()
    assert suggestion.status == SuggestedEdit.Status.PENDING
    assert suggestion.editor == newcomer
    assert suggestion.body == BETTER_BODY
    assert suggestion.base_revision == 1


def test_low_reputation_edit_of_an_answer_is_a_suggestion_too(client):
    answer = make_answer(make_question(), body="Update the firmware, then reboot it.")
    client.force_login(UserFactory())

    response = client.post(
        f"/answers/{answer.pk}/edit/", {"body": "Update the firmware from the admin page, then reboot."}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    answer.refresh_from_db()
    assert answer.body == "Update the firmware, then reboot it."
    suggestion = SuggestedEdit.objects.get()
    assert suggestion.post == answer
    assert suggestion.title == "" and suggestion.tags == ""


def test_a_suggestion_that_changes_nothing_is_refused(client):
    question = make_question()
    client.force_login(UserFactory())

    response = client.post(f"/questions/{question.pk}/edit/", question_form(question))

    assert response.status_code == 200
    assert "That suggestion changes nothing." in response.content.decode()
    assert not SuggestedEdit.objects.exists()


def test_one_pending_suggestion_per_member_per_post():
    question = make_question()
    editor = UserFactory()
    suggest(question, editor)

    with pytest.raises(ValidationError, match="already have a suggested edit"):
        suggest(question, editor, body="Another rewrite of the question body text.")
    suggest(question, UserFactory(), body="A different member may suggest their own version.")
    assert SuggestedEdit.objects.count() == 2


def test_staff_with_low_reputation_still_only_suggest(client):
    question = make_question(body=ORIGINAL_BODY)
    client.force_login(StaffFactory())

    client.post(f"/questions/{question.pk}/edit/", question_form(question, body=BETTER_BODY))

    question.refresh_from_db()
    assert question.body == ORIGINAL_BODY
    assert SuggestedEdit.objects.filter(status="pending").count() == 1


def test_member_with_500_reputation_edits_directly(client):
    question = make_question(body=ORIGINAL_BODY)
    client.force_login(UserFactory(reputation=500))

    page = client.get(question.get_absolute_url()).content.decode()
    response = client.post(
        f"/questions/{question.pk}/edit/", question_form(question, body=BETTER_BODY), follow=True
    )

    assert ">Edit</a>" in page and "Suggest edit" not in page
    assert "Your edit is saved." in response.content.decode()
    question.refresh_from_db()
    assert question.body == BETTER_BODY
    assert not SuggestedEdit.objects.exists()


def test_posts_show_suggest_edit_to_low_reputation_members_and_edit_to_authors(client):
    question = make_question()
    answer = make_answer(question)
    client.force_login(UserFactory())

    page = client.get(question.get_absolute_url()).content.decode()
    assert page.count("Suggest edit") == 2

    client.force_login(answer.author)
    page = client.get(question.get_absolute_url()).content.decode()
    assert f'href="/answers/{answer.pk}/edit/">Edit</a>' in page
    assert f'href="/questions/{question.pk}/edit/">Suggest edit</a>' in page


def test_authors_cannot_suggest_edits_of_their_own_posts():
    question = make_question()

    with pytest.raises(PermissionDenied):
        suggest(question, question.author)


# --- Reviewing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reviewer_kind", ["author", "member with 500 reputation", "moderator"], ids=lambda kind: kind
)
def test_approval_applies_the_edit_credited_to_the_suggester_and_pays_2(
    client, django_capture_on_commit_callbacks, reviewer_kind
):
    question = make_question(body=ORIGINAL_BODY)
    suggester = UserFactory()
    suggestion = suggest(question, suggester)
    reviewer = {
        "author": question.author,
        "member with 500 reputation": UserFactory(reputation=500),
        "moderator": ModeratorFactory(),
    }[reviewer_kind]
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/suggested-edits/{suggestion.pk}/approve/")

    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#question"
    question.refresh_from_db()
    assert question.body == BETTER_BODY
    latest = question.revisions.order_by("-number").first()
    assert (latest.number, latest.editor, latest.summary) == (2, suggester, "Clearer symptoms")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reviewer) == ("approved", reviewer)
    entry = LedgerEntry.objects.get(user=suggester, rule="edit_approved")
    assert entry.amount == 2
    suggester.refresh_from_db()
    assert suggester.reputation == 3


def test_approving_twice_applies_and_pays_once(django_capture_on_commit_callbacks):
    answer = make_answer(make_question(), body="Update the firmware, then reboot it.")
    suggester = UserFactory()
    suggestion = services.suggested_edit_create(
        post=answer, editor=suggester, body="Update the firmware from the admin page, then reboot."
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.suggested_edit_approve(suggested_edit=suggestion, reviewer=answer.author)
    with pytest.raises(ValidationError, match="already approved"):
        services.suggested_edit_approve(suggested_edit=suggestion, reviewer=answer.author)

    assert Revision.objects.filter(answer=answer).count() == 2
    assert LedgerEntry.objects.filter(user=suggester, rule="edit_approved").count() == 1


def test_rejecting_needs_a_reason_and_leaves_the_post_alone(client):
    question = make_question(body=ORIGINAL_BODY)
    suggestion = suggest(question)
    client.force_login(question.author)

    response = client.post(f"/suggested-edits/{suggestion.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    assert "Say why you are rejecting this edit" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"

    response = client.post(
        f"/suggested-edits/{suggestion.pk}/reject/", {"reason": "The original says this already."}
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"
    assert suggestion.review_reason == "The original says this already."
    question.refresh_from_db()
    assert question.body == ORIGINAL_BODY
    with pytest.raises(ValidationError, match="already rejected"):
        services.suggested_edit_approve(suggested_edit=suggestion, reviewer=question.author)


def test_reject_service_refuses_a_blank_reason():
    question = make_question()
    suggestion = suggest(question)

    with pytest.raises(ValidationError, match="Say why"):
        services.suggested_edit_reject(suggested_edit=suggestion, reviewer=question.author, reason="")


def test_the_suggester_cannot_approve_their_own_suggestion(client):
    question = make_question(body=ORIGINAL_BODY)
    suggester = UserFactory()
    suggestion = suggest(question, suggester)
    suggester.reputation = 500  # gained the edit privilege since: still not their own reviewer
    suggester.save()
    client.force_login(suggester)

    page = client.get(f"/suggested-edits/{suggestion.pk}/")
    response = client.post(f"/suggested-edits/{suggestion.pk}/approve/")

    assert page.status_code == 200
    assert "Approve" not in page.content.decode()
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.body == ORIGINAL_BODY


def test_non_reviewers_get_403_and_cannot_see_the_suggestion(client):
    question = make_question()
    suggestion = suggest(question)
    client.force_login(StaffFactory())

    assert client.get(f"/suggested-edits/{suggestion.pk}/").status_code == 403
    assert client.post(f"/suggested-edits/{suggestion.pk}/approve/").status_code == 403
    assert client.post(f"/suggested-edits/{suggestion.pk}/reject/", {"reason": "No."}).status_code == 403
    client.logout()
    assert client.get(f"/suggested-edits/{suggestion.pk}/").status_code == 302


def test_review_page_shows_a_word_diff_and_labelled_reject_reason(client):
    question = make_question(body=ORIGINAL_BODY)
    suggestion = suggest(question)
    client.force_login(question.author)

    page = client.get(f"/suggested-edits/{suggestion.pk}/").content.decode()

    assert "My router <del>keeps dropping</del><ins>drops</ins> the<ins> Wi-Fi</ins>" in page
    assert '<label for="id_reason">Why are you rejecting this edit?' in page
    assert ">Approve</button>" in page and ">Reject</button>" in page


def test_question_page_tells_reviewers_how_many_suggestions_await_them(client):
    question = make_question()
    answer = make_answer(question)
    suggest(question)
    services.suggested_edit_create(
        post=answer, editor=UserFactory(), body="Update the firmware from the admin page, and then reboot."
    )

    client.force_login(question.author)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "1 suggested edit awaiting review" in page

    client.force_login(UserFactory(reputation=500))
    page = client.get(question.get_absolute_url()).content.decode()
    assert "2 suggested edits awaiting review" in page
    for suggestion in SuggestedEdit.objects.all():
        assert f'href="/suggested-edits/{suggestion.pk}/"' in page

    client.force_login(UserFactory())
    assert "awaiting review" not in client.get(question.get_absolute_url()).content.decode()


# --- Commenting follows its privilege too ---------------------------------------------------


@pytest.fixture
def mature(settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "mature"  # commenting anywhere needs 50


def test_under_the_mature_preset_newcomers_comment_only_on_their_own_threads(client, mature):
    newcomer = UserFactory()
    others_question = make_question()
    own_question = make_question(author=newcomer, title="My own question about the router")
    answer_to_own = make_answer(own_question)
    client.force_login(newcomer)

    page = client.get(others_question.get_absolute_url()).content.decode()
    refused = client.post(f"/questions/{others_question.pk}/comments/", {"body": "Which model is it?"})
    own_page = client.get(own_question.get_absolute_url()).content.decode()
    on_own = client.post(f"/questions/{own_question.pk}/comments/", {"body": "It's the X200 model."})
    on_answer = client.post(f"/answers/{answer_to_own.pk}/comments/", {"body": "That fixed it, thanks!"})

    assert "Add a comment" not in page
    assert refused.status_code == 403
    assert "needs 50 reputation; you have 1" in refused.content.decode()
    assert own_page.count("Add a comment") == 2
    assert (on_own.status_code, on_answer.status_code) == (302, 302)


def test_under_the_mature_preset_50_reputation_comments_anywhere(client, mature):
    question = make_question()
    client.force_login(UserFactory(reputation=50))

    assert "Add a comment" in client.get(question.get_absolute_url()).content.decode()
    response = client.post(f"/questions/{question.pk}/comments/", {"body": "Which model is it?"})
    assert response.status_code == 302
    assert question.comments.count() == 1


def test_comment_service_refuses_with_the_privilege_message(mature):
    question = make_question()

    with pytest.raises(PermissionDenied, match="needs 50 reputation"):
        services.comment_create(post=question, author=UserFactory(), body="Which model is it?")


def _reviewer_page_queries(client, answers: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    question = make_question()
    suggest(question)
    for i in range(answers):
        answer = make_answer(question, body=f"Answer number {i}: update the firmware.")
        services.suggested_edit_create(
            post=answer, editor=UserFactory(), body=f"Answer {i}: update firmware."
        )
    client.force_login(UserFactory(reputation=500))
    client.get(question.get_absolute_url())  # count the view once, outside the measurement
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(question.get_absolute_url()).content.decode()
    assert f"{answers + 1} suggested edits awaiting review" in page
    return len(ctx.captured_queries)


def test_pending_suggestions_cost_the_question_page_one_query_however_many(client):
    small = _reviewer_page_queries(client, answers=2)
    large = _reviewer_page_queries(client, answers=30)

    assert small == large <= 12
