"""The README's who-may-do-what table again, through the API: every row with an API door is
driven by the same people with keys that hold every scope, so only the account's own rules
decide. The API must agree with the table (and so with the web) row by row."""

import pytest
from django.test import override_settings
from django.utils import timezone

from forum.models import Answer, Question
from integrations import services as webhook_services
from tests.api.conftest import any_scope_key
from tests.factories import CommunityManagerFactory, make_answer
from tests.test_who_may_do_what import World, people, readme_table, restricted

BODY = "A clearer text for this post, with the steps in order."
ASK = {
    "title": "My card is declined when renewing",
    "body": "The bank shows nothing at all.",
    "tags": ["billing"],
}


HELPDESK = {
    "COMMONPLACE_HELPDESK": "generic",
    "COMMONPLACE_HELPDESK_URL": "https://helpdesk.example.com/tickets",
    "COMMONPLACE_HELPDESK_SECRET": "whsec_table",
}


class SavedWorld(World):
    """The table's world with its states saved: the API reads posts from the database."""

    def __init__(self):
        super().__init__()
        now = timezone.now()
        Answer.objects.filter(pk=self.deleted.pk).update(deleted_at=now)
        Question.objects.filter(pk=self.held.pk).update(held_at=now)
        Question.objects.filter(pk=self.closed.pk).update(closed_at=now, close_reason="off_topic")
        Question.objects.filter(pk=self.locked.pk).update(locked_at=now)


class Caller:
    """One person at the API: anonymous, or with a key of every scope."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        self.headers = (
            {"HTTP_AUTHORIZATION": f"Bearer {any_scope_key(user)}"} if user.is_authenticated else {}
        )

    def ok(self, method: str, url: str, data=None) -> bool:
        kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
        if method != "get" and data is None:
            kwargs = {"data": {}, "content_type": "application/json"}
        response = getattr(self.client, method)(url, **kwargs, **self.headers)
        assert response.status_code < 500, response.content
        assert response.status_code in (200, 201, 202, 204, 400, 401, 403, 404), response.status_code
        return 200 <= response.status_code < 300


def q(post) -> str:
    return f"/api/v1/questions/{post.pk}/"


def a(post) -> str:
    return f"/api/v1/answers/{post.pk}/"


def own_question(w, caller):
    return w.own_question(caller.user) if caller.user.is_authenticated else w.question


def own_answer(w, caller):
    return (
        w.own_answer(caller.user)
        if caller.user.is_authenticated
        else make_answer(w.question, author=w.author)
    )


def while_suspended(w, caller) -> bool:
    mine = own_question(w, caller)
    answer_to_mine = make_answer(mine, author=w.author)
    restricted(caller.user, "suspend")
    return any(
        [
            caller.ok("post", "/api/v1/questions/", ASK),
            caller.ok("post", f"{q(w.question)}answers/", {"body": BODY}),
            caller.ok("post", f"{a(w.answer)}comments/", {"body": "Which model?"}),
            caller.ok("post", f"{a(w.answer)}vote/", {"value": 1}),
            caller.ok("post", f"{a(answer_to_mine)}accept/"),
            caller.ok("patch", q(mine), {"body": BODY}),
            caller.ok("patch", a(w.answer), {"body": BODY}),
            caller.ok("post", f"{a(w.answer)}flag/", {"reason": "spam"}),
            caller.ok("post", f"{q(w.question)}close-vote/", {"reason": "off_topic"}),
            caller.ok("post", f"{q(w.question)}lock/"),
            caller.ok("get", "/api/v1/webhooks/"),
        ]
    )


def on_posts_not_shown(w, caller) -> bool:
    """Comment on, vote on, flag or edit any answer deleted, hidden or held, theirs or not."""
    return any(
        caller.ok("post", f"{a(post)}comments/", {"body": "Any news on this?"})
        or caller.ok("post", f"{a(post)}vote/", {"value": 1})
        or caller.ok("post", f"{a(post)}flag/", {"reason": "spam"})
        or caller.ok("patch", a(post), {"body": BODY})
        for post in w.not_shown(caller.user)
    )


def while_silenced(w, caller) -> bool:
    restricted(caller.user, "silence")
    return caller.ok("post", f"{a(w.answer)}comments/", {"body": "Which model?"}) or caller.ok(
        "patch", a(w.answer), {"body": BODY}
    )


def same_for_each(*outcomes: bool) -> bool:
    """A row that names several operations: the person may do all of them, or none."""
    assert len(set(outcomes)) == 1, outcomes
    return outcomes[0]


def manages_webhooks(w, caller) -> bool:
    """Register an endpoint, read an endpoint's delivery log, redeliver one of its deliveries.
    Loopback addresses are allowed here (nothing is sent: no request's work is committed)."""
    with override_settings(COMMONPLACE_OUTBOUND_ALLOW_PRIVATE=True):
        owner = CommunityManagerFactory()
        endpoint = webhook_services.endpoint_create(
            actor=owner, url="http://127.0.0.1:9/hooks", event_types=["answer.created"]
        )
        delivery = webhook_services.endpoint_ping(actor=owner, endpoint=endpoint)
        hook = f"/api/v1/webhooks/{endpoint.pk}/"
        return same_for_each(
            caller.ok("post", "/api/v1/webhooks/", {"url": endpoint.url, "event_types": ["flag.raised"]}),
            caller.ok("get", f"{hook}deliveries/"),
            caller.ok("post", f"{hook}deliveries/{delivery.pk}/redeliver/"),
        )


def opens_a_ticket_and_sees_it(w, caller) -> bool:
    """With a helpdesk connected (without one, nobody opens tickets): ask for the follow-up's
    ticket, then read its id and status on the follow-up."""
    escalation = w.escalation()
    with override_settings(**HELPDESK):
        opened = caller.ok("post", f"/api/v1/escalations/{escalation.pk}/ticket/")
        response = caller.client.get(f"/api/v1/escalations/{escalation.pk}/", **caller.headers)
    seen = response.status_code == 200 and response.json()["ticket"] is not None
    return same_for_each(opened, seen)


def edits(method_status: int):
    """PATCH someone else's answer: 200 is a direct edit, 202 a suggestion sent for review."""

    def check(w, caller) -> bool:
        body = f"{BODY} ({caller.user.pk or 'anonymous'})"  # each person's own change
        response = caller.client.patch(
            a(w.answer), {"body": body}, content_type="application/json", **caller.headers
        )
        return response.status_code == method_status

    return check


API_CHECKS = {
    "read a question and its revisions": lambda w, c: same_for_each(
        c.ok("get", q(w.question)), c.ok("get", f"{q(w.question)}revisions/")
    ),
    "read a deleted post and its revisions": lambda w, c: same_for_each(
        c.ok("get", a(w.deleted)), c.ok("get", f"{a(w.deleted)}revisions/")
    ),
    "read a post held for review": lambda w, c: c.ok("get", q(w.held)),
    "ask a question": lambda w, c: c.ok("post", "/api/v1/questions/", ASK),
    "answer an open question": lambda w, c: c.ok("post", f"{q(w.question)}answers/", {"body": BODY}),
    "answer a closed question": lambda w, c: c.ok("post", f"{q(w.closed)}answers/", {"body": BODY}),
    "comment on someone else's post": lambda w, c: c.ok(
        "post", f"{a(w.answer)}comments/", {"body": "Which one?"}
    ),
    "comment on a deleted post": lambda w, c: c.ok(
        "post", f"{a(w.deleted)}comments/", {"body": "Which one?"}
    ),
    "vote up someone else's post": lambda w, c: c.ok("post", f"{a(w.answer)}vote/", {"value": 1}),
    "vote down someone else's post": lambda w, c: c.ok("post", f"{a(w.answer)}vote/", {"value": -1}),
    "vote on your own post": lambda w, c: c.ok("post", f"{a(own_answer(w, c))}vote/", {"value": 1}),
    "vote on a deleted post": lambda w, c: c.ok("post", f"{a(w.deleted)}vote/", {"value": 1}),
    "vote on a post in a locked thread": lambda w, c: c.ok("post", f"{q(w.locked)}vote/", {"value": 1}),
    "comment on, vote on, flag or edit a deleted, hidden or held post, even your own": on_posts_not_shown,
    "accept an answer to your own question": lambda w, c: c.ok(
        "post", f"{a(make_answer(own_question(w, c), author=w.author))}accept/"
    ),
    "edit your own post": lambda w, c: c.ok("patch", a(own_answer(w, c)), {"body": BODY}),
    "edit someone else's post directly": edits(200),
    "suggest an edit of someone else's post": edits(202),
    "edit a post in a locked thread": lambda w, c: c.ok("patch", q(w.locked), {"body": BODY}),
    "flag someone else's post": lambda w, c: c.ok("post", f"{a(w.answer)}flag/", {"reason": "spam"}),
    "vote to close or reopen a question": lambda w, c: c.ok(
        "post", f"{q(w.question)}close-vote/", {"reason": "off_topic"}
    ),
    "close, reopen, lock, merge or restore alone": lambda w, c: c.ok("post", f"{q(w.question)}lock/"),
    "delete your own answer": lambda w, c: c.ok("delete", a(own_answer(w, c))),
    "delete someone else's post": lambda w, c: c.ok("delete", a(w.answer)),
    "post, edit, vote, accept, flag or curate while suspended": while_suspended,
    "comment or edit while silenced (questions and answers wait for review)": while_silenced,
    "take a thread to private follow-up": lambda w, c: c.ok(
        "post", "/api/v1/escalations/", {"question_id": w.question.pk}
    ),
    "open a helpdesk ticket for a private follow-up, and see its id and status": opens_a_ticket_and_sees_it,
    "see insights (the default, public)": lambda w, c: c.ok("get", "/api/v1/insights/"),
    "manage webhooks (register endpoints, read their delivery log, redeliver)": manages_webhooks,
    "ask for a copy of your own data, and download it (even while suspended)": lambda w, c: c.ok(
        "post", "/api/v1/data-exports/"
    ),
    "export a member's data (the copy opens only for whoever asked)": lambda w, c: c.ok(
        "post", "/api/v1/data-exports/for-member/", {"member": w.member.username, "reason": "Asked by email"}
    ),
}
# Rows whose action has no door in this API (yet): each is decided on the web and in the console.
NO_API_DOOR = {
    "review suggested edits",
    "handle flags",
    "release a held first post",
    "decide an appeal of a serial-voting reversal",
    "curate the knowledge base",
    'say "I have this too"',
    "open the console (/manage/)",
    "change the site's branding",
    "appoint or remove moderators and community managers",
    "suspend or silence a member",
    "suspend or silence a moderator",
    "remove a spammer (delete all their posts, suspend them)",
    "create API keys for yourself (read and write)",
    "create integration accounts and their API keys",
    # Erasure needs the password or a fresh login, which a key cannot give (README, "Erasing an
    # account"); community managers erase from the console.
    "erase your own account",
    "erase someone else's account",
    # A writing aid of the web forms; API clients get body_html in the answer to their post.
    "preview Markdown while writing (`/preview/`)",
}


def test_every_row_is_driven_through_the_api_or_named_as_having_no_api_door():
    assert sorted(readme_table()) == sorted(set(API_CHECKS) | NO_API_DOOR)
    assert not set(API_CHECKS) & NO_API_DOOR


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(API_CHECKS))
def test_the_api_agrees_with_the_table(client, action):
    expected = readme_table()[action]
    world = SavedWorld()
    actual = {column: API_CHECKS[action](world, Caller(client, user)) for column, user in people().items()}
    assert actual == expected, f"README says {expected}, the API does {actual}"
