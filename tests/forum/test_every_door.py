"""Visibility through every door (issue 14, point 4): a post deleted, hidden by flags or held
for review is closed, wherever it could show, to everyone who may not see the post itself, and
no one (its author and moderators included) comments on it, votes on it, flags it, edits it,
suggests an edit of it, accepts it or marks it as having also helped, on the web or through
the API. One world holds a question, an answer and a comment in each state, written by the
same author; the doors are tried by four viewers.

Who may see such a post is forum.permissions.allow_see_post: its author and moderators (with a
notice); what is public by nature (feeds, search, the sitemap, the question lists) shows only
what everyone may see, to everyone; and the knowledge base promotes only threads everyone may
see."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from forum import permissions, services, visibility
from forum.models import AlsoHelped, Answer, Comment, Question, Revision, SuggestedEdit, Vote
from moderation.models import Flag
from reputation.ledger import apply_event
from reputation.models import ReputationEvent
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

STATES = ("deleted", "hidden", "held")
VIEWERS = ("anonymous", "member", "author", "moderator")
# A word found only in each state's question title and answer, to search for.
WORDS = {"deleted": "aubergine", "hidden": "bergamot", "held": "cardamom"}
CHANGES = {
    "deleted": visibility.Change.DELETE,
    "hidden": visibility.Change.HIDE,
    "held": visibility.Change.HOLD,
}
SENTENCES = {
    "deleted": "This post was deleted, so it can't be {doing}.",
    "hidden": "This post is hidden while moderators review flags on it, so it can't be {doing}.",
    "held": "This post is waiting for a moderator's review, so it can't be {doing}.",
}


class World:
    """For each state: a question, an answer (to an open question the moderator asked) and a
    comment, all by that state's author, with votes whose reputation lines are in the ledger and
    a suggested edit waiting, put in the state afterwards, as happens on the site."""

    def __init__(self):
        self.moderator = ModeratorFactory(username="morgan")
        self.member = UserFactory(username="mel", reputation=1000)  # every privilege: refused for what it is
        self.newcomer = UserFactory(username="newt")  # below the edit privilege: suggests edits
        self.voter = UserFactory(username="vera", reputation=20)
        self.open_question = make_question(
            author=self.moderator, title="Which kettle descaler works best?", tags=("kettles",)
        )
        self.authors, self.questions, self.answers, self.comments, self.suggestions = {}, {}, {}, {}, {}
        for state in STATES:
            self._build(state)
        for event_id in ReputationEvent.objects.pending().values_list("pk", flat=True):
            apply_event(event_id)  # as the outbox does after commit
        for state in STATES:
            for post in (self.questions[state], self.answers[state], self.comments[state]):
                visibility.post_visibility_change(post=post, change=CHANGES[state], actor=self.moderator)

    def _build(self, state: str) -> None:
        author = UserFactory(username=f"{state}-author")
        word = WORDS[state]
        question = make_question(
            author=author, title=f"My {word} kettle boils dry at night", tags=("kettles", f"{word}-kettles")
        )
        accepted = make_answer(question, author=UserFactory(), body="Descale the element, then test it.")
        services.answer_accept_toggle(answer=accepted, user=author)  # a solved thread: promotable
        answer = make_answer(self.open_question, author=author, body=f"Soak it in {word} vinegar overnight.")
        for post in (question, answer):
            services.vote_cast(voter=self.voter, post=post, value=1)
        comment, _ = services.comment_create(
            post=self.open_question, author=author, body=f"Mine is a {word} model from 2019."
        )
        services.comment_create(post=answer, author=self.voter, body="Which vinegar, white or cider?")
        self.suggestions[state] = services.suggested_edit_create(
            post=answer, editor=self.newcomer, body=f"Soak it in white {word} vinegar overnight, then rinse."
        )
        self.authors[state], self.questions[state], self.answers[state] = author, question, answer
        self.comments[state] = comment

    def viewer(self, name: str, state: str):
        return {
            "anonymous": AnonymousUser(),
            "member": self.member,
            "author": self.authors[state],
            "moderator": self.moderator,
        }[name]


@pytest.fixture(scope="module")
def world(build_once) -> World:
    return build_once(World)


@pytest.fixture
def as_viewer(client, world):
    """`as_viewer(name, state)`: the test client logged in as that viewer (or not at all), and a
    Bearer header of theirs for the API (empty for the anonymous)."""

    def log_in(name: str, state: str) -> dict:
        user = world.viewer(name, state)
        if not user.is_authenticated:
            return {}
        client.force_login(user)
        return {"HTTP_AUTHORIZATION": f"Bearer {key_for(user)}"}

    return log_in


def page(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def api_ids(client, url: str, headers, key: str = "results") -> set[int]:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return {row["id"] for row in response.json()[key]}


# --- Reading ----------------------------------------------------------------------------------
# Each door answers whether the viewer reached the post in that state through it.


def door_question_page(client, w, state, headers):
    return client.get(w.questions[state].get_absolute_url()).status_code == 200


def door_answer_on_its_thread(client, w, state, headers):
    return f'id="answer-{w.answers[state].pk}"' in page(client, w.open_question.get_absolute_url())


def door_comment_on_its_thread(client, w, state, headers):
    return f'id="comment-{w.comments[state].pk}"' in page(client, w.open_question.get_absolute_url())


def door_question_revisions(client, w, state, headers):
    return client.get(f"/questions/{w.questions[state].pk}/revisions/").status_code == 200


def door_answer_revisions(client, w, state, headers):
    return client.get(f"/answers/{w.answers[state].pk}/revisions/").status_code == 200


def door_suggested_edit_diff(client, w, state, headers):
    """The suggestion's page shows its diff against the post: closed to everyone, its suggester
    too, while no one may act on it."""
    return client.get(f"/suggested-edits/{w.suggestions[state].pk}/").status_code == 200


def door_review_queue(client, w, state, headers):
    response = client.get("/moderation/review/?tab=edits")
    return response.status_code == 200 and WORDS[state] in response.content.decode()


def door_newest_questions_feed(client, w, state, headers):
    return WORDS[state] in page(client, "/questions/feed/")


def door_tag_feed(client, w, state, headers):
    return WORDS[state] in page(client, "/tags/kettles/feed/")


def door_search(client, w, state, headers):
    """The question's title, or the answer's words (which would find the open question)."""
    results = page(client, f"/search/?q={WORDS[state]}")
    return any(
        f'href="{question.get_absolute_url()}"' in results
        for question in (w.questions[state], w.open_question)
    )


def door_api_search(client, w, state, headers):
    response = client.get(f"/api/v1/search/?q={WORDS[state]}", **headers)
    assert response.status_code == 200
    return response.json()["count"] > 0


def door_question_lists(client, w, state, headers):
    listed = page(client, "/questions/?sort=newest") + page(client, "/tags/kettles/")
    return WORDS[state] in listed


def door_tag_list(client, w, state, headers):
    """A tag only this question carries (a spammer's, say) is not listed while it is not shown."""
    return f"{WORDS[state]}-kettles" in page(client, "/tags/")


def door_api_tag_list(client, w, state, headers):
    response = client.get("/api/v1/tags/", **headers)
    return f"{WORDS[state]}-kettles" in {tag["slug"] for tag in response.json()["results"]}


def door_api_question_list(client, w, state, headers):
    return w.questions[state].pk in api_ids(client, "/api/v1/questions/?sort=newest", headers)


def door_api_question(client, w, state, headers):
    return client.get(f"/api/v1/questions/{w.questions[state].pk}/", **headers).status_code == 200


def door_api_answer(client, w, state, headers):
    return client.get(f"/api/v1/answers/{w.answers[state].pk}/", **headers).status_code == 200


def door_api_comment(client, w, state, headers):
    return client.get(f"/api/v1/comments/{w.comments[state].pk}/", **headers).status_code == 200


def door_api_answer_list(client, w, state, headers):
    return w.answers[state].pk in api_ids(client, f"/api/v1/questions/{w.open_question.pk}/answers/", headers)


def door_api_comments_of_its_post(client, w, state, headers):
    listed = api_ids(client, f"/api/v1/questions/{w.open_question.pk}/comments/", headers)
    return w.comments[state].pk in listed


def door_api_comments_under_it(client, w, state, headers):
    return client.get(f"/api/v1/answers/{w.answers[state].pk}/comments/", **headers).status_code == 200


def door_api_revisions(client, w, state, headers):
    return client.get(f"/api/v1/answers/{w.answers[state].pk}/revisions/", **headers).status_code == 200


def door_profile_lists(client, w, state, headers):
    profile = f"/users/{w.authors[state].username}/"
    questions, answers = page(client, f"{profile}?tab=questions"), page(client, f"{profile}?tab=answers")
    return WORDS[state] in questions or f"#answer-{w.answers[state].pk}" in answers


def door_api_profile_counts(client, w, state, headers):
    response = client.get(f"/api/v1/users/{w.authors[state].username}/", **headers)
    counts = response.json()["counts"]
    return counts["questions"] + counts["answers"] > 0


def door_ledger(client, w, state, headers):
    ledger = page(client, f"/users/{w.authors[state].username}/reputation/")
    return WORDS[state] in ledger or f"#answer-{w.answers[state].pk}" in ledger


def door_api_ledger(client, w, state, headers):
    response = client.get(f"/api/v1/users/{w.authors[state].username}/reputation/", **headers)
    posts = [line["post"] for line in response.json()["results"]]
    assert len(posts) >= 2  # the votes' lines are there; only what they point at is closed
    return any(post is not None for post in posts)


def door_sitemap(client, w, state, headers):
    return f"/questions/{w.questions[state].pk}/" in page(client, "/sitemap.xml")


def door_kb_promote(client, w, state, headers):
    return client.get(f"/kb/promote/{w.questions[state].pk}/").status_code == 200


# Doors to the post itself: open to its author and moderators. Doors that are public by nature,
# or that act on the post: closed to everyone.
OWN = {"author", "moderator"}
READ_DOORS = {
    door_question_page: OWN,
    door_answer_on_its_thread: OWN,
    door_comment_on_its_thread: OWN,
    door_question_revisions: OWN,
    door_answer_revisions: OWN,
    door_suggested_edit_diff: set(),
    door_review_queue: set(),
    door_newest_questions_feed: set(),
    door_tag_feed: set(),
    door_search: set(),
    door_api_search: set(),
    door_question_lists: set(),
    door_tag_list: set(),
    door_api_tag_list: set(),
    door_api_question_list: set(),
    door_api_question: OWN,
    door_api_answer: OWN,
    door_api_comment: OWN,
    door_api_answer_list: OWN,
    door_api_comments_of_its_post: OWN,
    door_api_comments_under_it: OWN,
    door_api_revisions: OWN,
    door_profile_lists: OWN,
    door_api_profile_counts: OWN,
    door_ledger: OWN,
    door_api_ledger: OWN,
    door_sitemap: set(),
    door_kb_promote: set(),
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("door", READ_DOORS, ids=lambda door: door.__name__.removeprefix("door_"))
@pytest.mark.parametrize("state", STATES)
def test_every_door_is_closed_to_whoever_may_not_see_the_post(client, world, as_viewer, state, door, viewer):
    headers = as_viewer(viewer, state)

    assert door(client, world, state, headers) is (viewer in READ_DOORS[door])


def test_every_door_is_open_for_a_post_shown_to_everyone(client, world):
    """The same doors reach a visible question, answer and comment: a door that never shows
    anything would pass the test above for nothing."""
    helper = UserFactory(username="helen")
    question = make_question(
        author=helper, title="My juniper kettle clicks off early", tags=("kettles", "juniper-kettles")
    )
    answer = make_answer(world.open_question, author=helper, body="Citric juniper acid, then two rinses.")
    services.answer_accept_toggle(answer=make_answer(question, author=world.voter), user=helper)
    comment, _ = services.comment_create(post=world.open_question, author=helper, body="A juniper one here.")
    suggestion = services.suggested_edit_create(
        post=answer, editor=world.newcomer, body="Citric acid, two rinses."
    )
    for post in (question, answer):
        services.vote_cast(voter=world.voter, post=post, value=1)
    for event_id in ReputationEvent.objects.pending().values_list("pk", flat=True):
        apply_event(event_id)
    w = SimpleNamespace(  # the world, its doors pointed at these posts
        **{
            **world.__dict__,
            "authors": {"shown": helper},
            "questions": {"shown": question},
            "answers": {"shown": answer},
            "comments": {"shown": comment},
            "suggestions": {"shown": suggestion},
        }
    )
    WORDS["shown"] = "juniper"
    try:
        client.force_login(world.member)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key_for(world.member)}"}
        closed = [door.__name__ for door in READ_DOORS if not door(client, w, "shown", headers)]
        client.force_login(world.newcomer)
        suggester_sees = door_suggested_edit_diff(client, w, "shown", {})
    finally:
        del WORDS["shown"]

    assert closed == []
    assert suggester_sees


# --- Writing ----------------------------------------------------------------------------------
# Each write returns the response; `target` is "question" or "answer" (the post in the state).


def _form(client, url, data):
    return client.post(url, data)


def _json(client, method, url, data, headers):
    return getattr(client, method)(url, data=data or {}, content_type="application/json", **headers)


def write_comment(client, post, headers, api):
    if api:
        return _json(
            client, "post", f"/api/v1/{post.kind}s/{post.pk}/comments/", {"body": "Any news?"}, headers
        )
    return _form(client, f"/{post.kind}s/{post.pk}/comments/", {"body": "Any news?"})


def write_vote(client, post, headers, api):
    if api:
        return _json(client, "post", f"/api/v1/{post.kind}s/{post.pk}/vote/", {"value": 1}, headers)
    return _form(client, f"/{post.kind}s/{post.pk}/vote/", {"value": "1"})


def write_flag(client, post, headers, api):
    if api:
        return _json(client, "post", f"/api/v1/{post.kind}s/{post.pk}/flag/", {"reason": "spam"}, headers)
    return _form(client, f"/moderation/flag/{post.kind}/{post.pk}/", {"reason": "spam"})


def write_edit(client, post, headers, api):
    body = "A rewritten text for this post, with every step in order."
    if api:
        return _json(client, "patch", f"/api/v1/{post.kind}s/{post.pk}/", {"body": body}, headers)
    data = {"body": body, "summary": "clearer"}
    if post.kind == "question":
        data.update(title=post.title, tags="kettles")
    return _form(client, f"/{post.kind}s/{post.pk}/edit/", data)


def write_accept(client, post, headers, api):
    if api:
        return _json(client, "post", f"/api/v1/answers/{post.pk}/accept/", None, headers)
    return _form(client, f"/answers/{post.pk}/accept/", {})


def write_also_helped(client, post, headers, api):
    if api:
        return _json(client, "post", f"/api/v1/answers/{post.pk}/also-helped/", None, headers)
    return _form(client, f"/answers/{post.pk}/also-helped/", {})


# write -> (what completes the sentence, the posts it applies to)
WRITES = {
    write_comment: ("commented on", ("question", "answer")),
    write_vote: ("voted on", ("question", "answer")),
    write_flag: ("flagged", ("question", "answer")),
    write_edit: ("edited", ("question", "answer")),
    write_accept: ("accepted", ("answer",)),
    write_also_helped: ("marked", ("answer",)),
}
# Where a rule other than the post's state refuses first, it says so instead.
OTHER_SENTENCES = {
    (write_vote, "author"): "You can't vote on your own post.",
    (write_flag, "author"): "You can't flag your own post.",
    (write_accept, "author"): "Only the person who asked can accept an answer.",
    (write_also_helped, "author"): "Only the person who asked can mark answers that also helped.",
}


def written() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        Comment.objects.count(),
        list(Vote.objects.order_by("pk").values_list("value", flat=True)),
        Flag.objects.count(),
        Revision.objects.count(),
        SuggestedEdit.objects.count(),
        AlsoHelped.objects.count(),
        list(Question.objects.order_by("pk").values_list("accepted_answer_id", flat=True)),
    )


def expected_sentence(write, state: str, viewer: str) -> str:
    if (write, viewer) in OTHER_SENTENCES:
        return OTHER_SENTENCES[(write, viewer)]
    if write is write_flag and state == "deleted":
        return "This post has already been deleted."
    return SENTENCES[state].format(doing=WRITES[write][0])


WRITE_CASES = [
    pytest.param(write, target, id=f"{write.__name__.removeprefix('write_')}-{target}")
    for write, (_, targets) in WRITES.items()
    for target in targets
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("api", [False, True], ids=["web", "api"])
@pytest.mark.parametrize(("write", "target"), WRITE_CASES)
@pytest.mark.parametrize("state", STATES)
def test_no_one_writes_on_a_post_that_is_not_shown(
    client, world, as_viewer, state, write, target, api, viewer
):
    """The moderator asked the open question, so accepting and "also helped" are theirs to try;
    the member, who may not see the post, gets the 404 of a post that is not there; the author
    and the moderator see it and are told why not."""
    post = {"question": world.questions, "answer": world.answers}[target][state]
    headers = as_viewer(viewer, state)
    before = written()

    response = write(client, post, headers, api)

    assert written() == before
    if viewer == "anonymous":
        assert response.status_code in (302, 401, 404)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
        return
    if viewer == "member":
        assert response.status_code == 404
        return
    assert response.status_code == 403
    sentence = expected_sentence(write, state, viewer)
    if api:
        assert response.json()["error"]["message"] == sentence
    else:
        assert sentence.replace("'", "&#x27;") in response.content.decode()


@pytest.mark.parametrize("state", STATES)
def test_no_one_may_suggest_an_edit_of_a_post_that_is_not_shown(world, state):
    answer = Answer.objects.get(pk=world.answers[state].pk)
    suggested_before = SuggestedEdit.objects.count()

    for person in (world.newcomer, UserFactory(), world.authors[state]):
        with pytest.raises(PermissionDenied):
            services.suggested_edit_create(
                post=answer, editor=person, body="Soak it, then rinse it well twice."
            )
    assert not permissions.can_suggest_edit(world.newcomer, answer)
    assert SuggestedEdit.objects.count() == suggested_before


@pytest.mark.parametrize("state", STATES)
def test_the_suggester_and_reviewers_no_longer_see_a_suggestion_on_a_post_not_shown(client, world, state):
    suggestion = world.suggestions[state]
    client.force_login(world.newcomer)
    assert client.get(f"/suggested-edits/{suggestion.pk}/").status_code == 403
    client.force_login(world.moderator)
    assert client.post(f"/suggested-edits/{suggestion.pk}/approve/").status_code == 403
    assert SuggestedEdit.objects.get(pk=suggestion.pk).is_pending


@pytest.mark.parametrize("state", STATES)
def test_no_one_says_they_have_this_too_on_a_question_not_shown(client, world, state):
    from insights.permissions import can_me_too

    question = Question.objects.get(pk=world.questions[state].pk)
    assert not any(can_me_too(person, question) for person in (world.member, world.moderator))
    client.force_login(world.moderator)
    assert client.post(f"/insights/me-too/{question.pk}/").status_code == 404


# --- A write checked just before the post was taken away -----------------------------------------


@pytest.mark.parametrize("write", ["edit", "accept", "also helped", "suggest", "flag"])
def test_a_write_checked_before_a_deletion_committed_is_refused_under_the_lock(write):
    """The services ask again once they hold the post's lock, as votes and comments do: the
    deletion landed between the page and the write (tests/integration races it on PostgreSQL
    for votes; the same lock serves these)."""
    from moderation import closing, flags

    asker = UserFactory()
    answer = make_answer(make_question(author=asker))
    stale = Answer.objects.select_related("question").get(pk=answer.pk)  # read before the deletion
    closing.post_delete(post=answer, actor=ModeratorFactory())
    body = "Update the firmware from the admin page, then reboot twice."
    attempts = {
        "edit": lambda: services.answer_edit(answer=stale, editor=stale.author, body=body),
        "accept": lambda: services.answer_accept_toggle(answer=stale, user=asker),
        "also helped": lambda: services.answer_also_helped_toggle(answer=stale, user=asker),
        "suggest": lambda: services.suggested_edit_create(post=stale, editor=UserFactory(), body=body),
        "flag": lambda: flags.flag_create(flagger=UserFactory(reputation=20), post=stale, reason="spam"),
    }
    before = written()

    with pytest.raises(PermissionDenied, match="deleted"):
        attempts[write]()
    assert written() == before


def test_a_ledger_naming_posts_not_shown_costs_no_query_per_line(
    client, world, django_assert_max_num_queries
):
    """Whether the viewer may see each line's post is settled without a query per line: the
    posts and their threads come with the page, the viewer's role once."""
    author = world.authors["deleted"]  # two votes and an acceptance: lines on posts not shown
    client.force_login(world.member)

    with django_assert_max_num_queries(7):  # session, viewer, member, count, page, two role lookups
        response = client.get(f"/users/{author.username}/reputation/")

    assert response.content.decode().count("A post that is not available") == 3  # its three lines
