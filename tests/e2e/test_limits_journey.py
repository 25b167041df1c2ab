"""A limit met in a real browser: a second comment sent too soon is refused in place (htmx),
with the reason, when to try again, and the text still in its box; nothing typed is lost."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_question_journey import log_in
from tests.factories import UserFactory, make_question

FIRST = "Which router model is it, and which firmware?"
SECOND = "Also: does it happen on the 5 GHz band only?"


@pytest.mark.post_limits
@pytest.mark.django_db(transaction=True)
def test_a_comment_sent_too_soon_is_refused_in_place_and_keeps_its_text(journey):
    UserFactory(username="casey", display_name="Casey Commenter")
    question = make_question(title="My router drops the connection every night")
    page = journey.page

    log_in(journey, "casey")
    journey.goto(question.get_absolute_url())
    comments = page.locator(f"#question-{question.pk}-comments")
    comments.get_by_text("Add a comment").click()
    comments.get_by_label("Comment").fill(FIRST)
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.locator(".comment-list")).to_contain_text(FIRST)

    # The second one, a moment later: the same box comes back open, saying why and until when.
    comments.get_by_text("Add a comment").click()
    comments.get_by_label("Comment").fill(SECOND)
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.locator(".errorlist")).to_contain_text("Please wait 15 seconds between comments")
    expect(comments.locator(".errorlist")).to_contain_text("you can comment again in")
    expect(comments.get_by_label("Comment")).to_have_value(SECOND)
    expect(comments.locator(".comment-list")).not_to_contain_text(SECOND)
    journey.check()
