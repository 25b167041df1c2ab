"""Browser journeys: headless Chromium against pytest-django's live server, with axe on every page.

A journey drives the site through the `journey` fixture. Every main-frame navigation the page makes
is recorded; `journey.goto()`, `journey.navigates()` and `journey.check()` run axe-core on the page
that loaded and fail the test on any "serious" or "critical" violation. When the test ends, any
page that was visited but never checked fails the test too, so a journey cannot forget a page.

Every page runs under the site's Content-Security-Policy, enforced as in production. An init script
records each `securitypolicyviolation` event (in `window.__cspViolations`, and sent straight to the
test so that one raised just before a navigation is not lost with its page), and Chromium's console
errors about the policy are recorded too: `check()` and the end of the test fail on any.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API keeps an asyncio event loop in this thread, which Django's async-safety
# check mistakes for async code calling the ORM (in fixtures, and in the live server's shared
# in-memory SQLite connection). Nothing here is actually async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
E2E_DIR = Path(__file__).parent

_axe = Axe()
JOURNEY_KEY = pytest.StashKey["Journey"]()

# Runs in every document and frame before the page's own scripts.
CSP_LISTENER = """
(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      blockedURI: event.blockedURI,
      violatedDirective: event.violatedDirective,
      sourceFile: event.sourceFile,
      lineNumber: event.lineNumber,
      sample: event.sample,
      documentURI: event.documentURI,
    };
    window.__cspViolations.push(violation);
    if (window.__reportCspViolation) window.__reportCspViolation(violation);
  }, true);
})();
"""


# --- Collection and reporting hooks -------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    # Called with the whole session's items, so mark only the ones under tests/e2e. Under
    # pytest-xdist (--dist loadgroup) the journeys share one worker, so one Chromium starts.
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item (rep_setup, rep_call) so fixtures can see, at
    # teardown, whether the test failed and a screenshot is worth saving.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


# --- Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: browser journeys need Debian's Chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; install it in the CI image (apt-get install chromium).")
        pytest.skip(f"{message}. Run `apt-get install chromium` to enable them.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server, transactional_db) -> Iterator[Page]:
    """A fresh browser context per test (no cookies carried over), pointed at the live server.

    The accessibility guard is attached here rather than in `journey`, so a test that drives
    `page` directly is held to the same rule: every page it visits must be checked with axe.
    """
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    journey = Journey()
    context.expose_function("__reportCspViolation", journey.record_csp_violation)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    journey.attach(page)
    request.node.stash[JOURNEY_KEY] = journey
    yield page
    try:
        if _failed(request.node):
            _save_artifacts(request, page)
        else:
            journey.assert_no_csp_violations()
            journey.assert_all_checked()
    finally:
        context.close()


def _save_artifacts(request, page: Page) -> None:
    directory = request.config.rootpath / "test-artifacts"
    directory.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
    try:
        page.screenshot(path=directory / f"{stem}.png", full_page=True)
        (directory / f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as error:  # a crashed page must not hide the test's own failure
        request.node.add_report_section("teardown", "e2e", f"Could not save artifacts: {error!r}")
        return
    request.node.add_report_section(
        "teardown", "e2e", f"Screenshot of {page.url}: {directory / stem}.png (and .html)"
    )


# --- Journeys and the accessibility guard -------------------------------------------------------


@dataclass
class Visit:
    url: str
    checked: bool = False


class Journey:
    """Drives a page and runs axe-core on every page it lands on.

    - `goto(path)` navigates and checks.
    - `with journey.navigates(): <click or submit>` waits for the navigation the action causes,
      then checks the page it lands on.
    - `check()` checks the current page (say after an in-page change worth auditing).

    Every main-frame navigation is recorded whether or not it went through these helpers;
    `assert_all_checked()` (run by the `page` fixture at teardown) fails on any that was not checked.

    Content-Security-Policy violations, reported by the page or in the console, are gathered in
    `csp_violations`; `check()` and the teardown fail on any.
    """

    def __init__(self):
        self.visits: list[Visit] = []
        self.csp_violations: list[dict | str] = []

    def attach(self, page: Page) -> None:
        self.page = page
        page.on("framenavigated", self._on_navigated)
        page.on("console", self._on_console)

    def record_csp_violation(self, violation: dict) -> None:
        self.csp_violations.append(violation)

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame and not frame.url.startswith(("about:", "data:", "chrome-error:")):
            self.visits.append(Visit(frame.url))

    def goto(self, path: str) -> Journey:
        response = self.page.goto(path)
        assert response is not None and response.ok, (
            f"GET {path} answered {response.status if response else 'nothing'}"
        )
        return self.check()

    @contextmanager
    def navigates(self) -> Iterator[None]:
        """Wrap an action that loads a new page (a link, a form submission)."""
        main_frame = self.page.main_frame
        with self.page.expect_event("framenavigated", predicate=lambda frame: frame == main_frame):
            yield
        self.check()

    def check(self) -> Journey:
        """Run axe-core on the page as it is now; fail on serious or critical violations, and on
        any Content-Security-Policy violation so far."""
        self.page.wait_for_load_state("load")
        self.assert_no_csp_violations()
        for _attempt in range(3):
            visits_before = len(self.visits)
            results = _axe.run(self.page).response
            if len(self.visits) == visits_before:
                break
            # The page navigated while axe ran: audit the page it ended up on instead.
            self.page.wait_for_load_state("load")
        else:
            pytest.fail(f"{self.page.url} kept navigating; axe could not audit a settled page.")
        if self.visits:
            self.visits[-1].checked = True
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(format_violations(self.page.url, blocking), pytrace=False)
        return self

    def take_csp_violations(self) -> list:
        """The violations so far, forgotten: for a test that causes one on purpose."""
        taken = [*self.csp_violations, *self.page.evaluate("window.__cspViolations.splice(0)")]
        self.csp_violations.clear()
        return taken

    def assert_no_csp_violations(self) -> None:
        # The page's own list as well: a report still on its way to the test is not missed.
        try:
            on_page = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # the page is gone or between documents: what was sent is enough
            on_page = []
        found = list(dict.fromkeys(map(repr, [*self.csp_violations, *on_page])))
        if found:
            pytest.fail(
                f"The Content-Security-Policy was violated ({len(found)}) on {self.page.url}; fix the "
                "page (a file, not inline script or style), never the policy:\n"
                + "\n".join(f"  - {violation}" for violation in found),
                pytrace=False,
            )

    def assert_all_checked(self) -> None:
        unchecked = list(dict.fromkeys(visit.url for visit in self.visits if not visit.checked))
        if unchecked:
            pytest.fail(
                "These pages were visited but never checked with axe. Reach pages with "
                "journey.goto(...) or `with journey.navigates(): ...`, or call journey.check():\n"
                + "\n".join(f"  - {url}" for url in unchecked),
                pytrace=False,
            )


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"\n[{violation['impact']}] {violation['id']}: {violation['help']}")
        if violation.get("helpUrl"):
            lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").strip()
            if summary:
                lines.extend(f"      {line.strip()}" for line in summary.splitlines() if line.strip())
    return "\n".join(lines)


@pytest.fixture
def journey(request, page) -> Journey:
    """The page's Journey: use it to navigate, so each page is checked with axe as it loads."""
    return request.node.stash[JOURNEY_KEY]
