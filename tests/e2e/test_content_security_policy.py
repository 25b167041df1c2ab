"""The Content-Security-Policy is enforced in the browser, and the journeys' guard catches what it
blocks: an inline script does not run, an inline style does not apply, and either fails a journey."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_question_journey import log_in
from tests.factories import UserFactory, make_question

INJECT_INLINE = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__inlineScriptRan = true;";
  document.body.append(script);
  document.querySelector("main").setAttribute("style", "outline: 9px solid rgb(255, 0, 0)");
}"""


@pytest.mark.django_db(transaction=True)
def test_an_inline_script_and_style_are_blocked_and_fail_the_journey(journey):
    page = journey.page
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    journey.check()

    page.evaluate(INJECT_INLINE)

    assert page.evaluate("window.__inlineScriptRan") is None
    assert page.evaluate("getComputedStyle(document.querySelector('main')).outlineWidth") != "9px"
    with pytest.raises(pytest.fail.Exception, match="Content-Security-Policy was violated"):
        journey.check()
    directives = {v["violatedDirective"] for v in journey.take_csp_violations() if isinstance(v, dict)}
    assert {"script-src-elem", "style-src-attr"} <= directives
    journey.check()  # nothing else was violated: the page passes once the injected ones are gone


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_policy(journey):
    make_question(title="Router keeps rebooting every night")
    page = journey.page

    journey.goto("/api/v1/docs/")

    expect(page.get_by_role("heading", name="Commonplace API")).to_be_visible()
    operation = page.locator("#operations-questions-questions_list")
    expect(operation).to_be_visible()
    journey.check()

    # Trying a request fetches it from the page (connect-src) and draws the response.
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("Router keeps rebooting every night")
    # Only the policy here: an opened operation is Swagger UI's own markup (selects without a
    # label, scrolling code samples), which axe faults and no stylesheet of ours can mend.
    journey.assert_no_csp_violations()


@pytest.mark.django_db(transaction=True)
def test_the_bell_polls_only_while_its_tab_is_in_view(journey, settings):
    """What the trigger filter [document.visibilityState === 'visible'] did, without eval."""
    settings.COMMONPLACE_UNREAD_POLL_SECONDS = 1
    UserFactory(username="watcher")
    page = journey.page
    log_in(journey, "watcher")
    polls = []
    page.on(
        "request", lambda request: "/notifications/unread-count/" in request.url and polls.append(request)
    )
    with page.expect_request("**/notifications/unread-count/"):
        pass  # the visible tab asks within a second or so

    page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})")
    page.wait_for_timeout(1_500)  # a poll already on its way when the tab was hidden may land
    asked_while_hidden = len(polls)
    page.wait_for_timeout(3_000)
    assert len(polls) == asked_while_hidden, "a hidden tab must not poll"

    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true})"
    )
    with page.expect_request("**/notifications/unread-count/"):
        pass
    journey.check()
