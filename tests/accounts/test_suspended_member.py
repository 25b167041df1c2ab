"""A suspended member can log in and read, and is refused on every write path with the same
sentence, because the refusal lives in the permission functions every door asks. They may still
watch a thread. Their profile says so publicly; their reputation is untouched."""

import pytest

from forum.models import Answer, Comment, Question, Revision, SuggestedEdit, Vote
from forum.services import answer_accept_toggle, suggested_edit_create
from moderation.models import Flag
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question, restrict

pytestmark = pytest.mark.django_db

REFUSAL = "Your account is suspended until"
BODY = "Update the router firmware from its admin page, then restart it twice."


class World:
    """Someone else's thread, the suspended member's own thread, and a pending suggestion; the
    member holds every privilege (1,000 reputation) and the staff flair (escalation), so any
    refusal below is the suspension's."""

    def __init__(self):
        self.member = UserFactory(username="sus", reputation=1000, is_staff=True)
        other = UserFactory(reputation=1000)
        self.question = make_question(author=other, title="Router drops the connection every hour")
        self.answer = make_answer(self.question, author=UserFactory())
        self.own_question = make_question(author=self.member, title="My own question about the router")
        self.own_answer = make_answer(self.question, author=self.member)
        self.answer_to_own = make_answer(self.own_question, author=other)
        self.accepted = make_answer(
            self.own_question, author=UserFactory(), body="Accepted answer here, thanks."
        )
        answer_accept_toggle(answer=self.accepted, user=self.member)
        self.revision = Revision.objects.filter(answer=self.own_answer).get()
        self.suggestion = suggested_edit_create(post=self.answer, editor=UserFactory(), body=BODY + " Also.")
        restrict(self.member, days=3, reason="Spamming links")


@pytest.fixture
def world(client):
    world = World()
    client.force_login(world.member)
    return world


def q(w):
    return w.question.pk


WRITES = {
    "ask (the form)": ("get", lambda w: "/questions/ask/", {}),
    "ask": (
        "post",
        lambda w: "/questions/ask/",
        {"title": "A new question about routers", "body": BODY, "tags": "wifi"},
    ),
    "answer": ("post", lambda w: f"/questions/{q(w)}/answers/", {"body": BODY}),
    "comment on a question": (
        "post",
        lambda w: f"/questions/{q(w)}/comments/",
        {"body": "A comment that is long enough."},
    ),
    "comment on an answer": (
        "post",
        lambda w: f"/answers/{w.answer.pk}/comments/",
        {"body": "A comment that is long enough."},
    ),
    "vote on a question": ("post", lambda w: f"/questions/{q(w)}/vote/", {"value": "1"}),
    "vote on an answer": ("post", lambda w: f"/answers/{w.answer.pk}/vote/", {"value": "-1"}),
    "accept": ("post", lambda w: f"/answers/{w.answer_to_own.pk}/accept/", {}),
    "mark also helped": ("post", lambda w: f"/answers/{w.answer_to_own.pk}/also-helped/", {}),
    "edit your own question": ("get", lambda w: f"/questions/{w.own_question.pk}/edit/", {}),
    "edit someone else's answer": ("post", lambda w: f"/answers/{w.answer.pk}/edit/", {"body": BODY}),
    "roll back": ("post", lambda w: f"/revisions/{w.revision.pk}/rollback/", {}),
    "approve a suggested edit": ("post", lambda w: f"/suggested-edits/{w.suggestion.pk}/approve/", {}),
    "flag": ("post", lambda w: f"/moderation/flag/answer/{w.answer.pk}/", {"reason": "spam", "text": ""}),
    "vote to close": ("post", lambda w: f"/moderation/questions/{q(w)}/close-vote/", {"reason": "off_topic"}),
    "delete your own answer": ("post", lambda w: f"/moderation/answers/{w.own_answer.pk}/delete/", {}),
    "say I have this too": ("post", lambda w: f"/insights/me-too/{q(w)}/", {}),
    "take to private follow-up": ("post", lambda w: f"/insights/escalate/{q(w)}/", {"note": "Call them"}),
    "curate the knowledge base": ("get", lambda w: f"/kb/promote/{w.own_question.pk}/", {}),
    "edit your profile": ("post", lambda w: "/users/sus/edit/", {"display_name": "Buy now", "bio": "spam"}),
}


def counts() -> dict:
    models = (Question, Answer, Comment, Vote, Flag, SuggestedEdit, Revision)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize("action", sorted(WRITES))
def test_a_suspended_member_is_refused_on_every_write_path(client, world, action):
    method, url, data = WRITES[action]
    before = counts()

    response = getattr(client, method)(url(world), data)

    assert response.status_code == 403, action
    assert REFUSAL in response.content.decode()
    assert "Spamming links" in response.content.decode()
    assert counts() == before
    world.member.refresh_from_db()
    assert world.member.reputation > 1  # untouched: what they earned stays (the acceptance's +2)


@pytest.mark.parametrize("action", sorted(WRITES))
def test_the_same_member_not_suspended_is_let_through(client, world, action):
    """The control: each path above refuses because of the suspension and nothing else."""
    from moderation.members import member_lift

    member_lift(member=world.member, kind="suspend", actor=ModeratorFactory())
    method, url, data = WRITES[action]

    response = getattr(client, method)(url(world), data)

    assert response.status_code in (200, 302), action


def test_they_can_still_log_in_read_and_watch(client, world):
    assert client.get(world.question.get_absolute_url()).status_code == 200
    response = client.post(f"/notifications/watch/question/{world.question.pk}/")
    assert response.status_code in (200, 302)


def test_every_page_tells_them_why_and_the_thread_has_no_answer_form(client, world):
    page = client.get(world.question.get_absolute_url()).content.decode()

    assert REFUSAL in page and "Spamming links" in page
    assert "You can't answer while your account is suspended" in page
    assert f'action="/questions/{world.question.pk}/answers/' not in page


def test_an_answer_typed_before_the_suspension_is_kept_in_its_box(client, world):
    response = client.post(f"/questions/{world.question.pk}/answers/", {"body": BODY})

    page = response.content.decode()
    assert response.status_code == 403
    assert f"{BODY}</textarea>" in page
    assert REFUSAL in page


def test_a_question_typed_before_the_suspension_is_kept(client, world):
    response = client.post(
        "/questions/ask/", {"title": "A new question about routers", "body": BODY, "tags": "wifi"}
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert 'value="A new question about routers"' in page and BODY in page
    assert REFUSAL in page


def test_the_profile_says_suspended_until_to_everyone_and_why_to_the_member_and_moderators(client, world):
    client.logout()
    public = client.get("/users/sus/").content.decode()
    assert "Suspended until" in public
    assert "Spamming links" not in public

    client.force_login(world.member)
    assert "Reason: Spamming links" in client.get("/users/sus/").content.decode()
    client.force_login(ModeratorFactory())
    moderator_view = client.get("/users/sus/").content.decode()
    assert "Reason: Spamming links" in moderator_view
    assert 'href="/manage/members/sus/">Suspend / silence</a>' in moderator_view


def test_the_console_link_on_a_profile_is_for_those_who_may_suspend_only(client):
    UserFactory(username="alice")
    client.force_login(UserFactory())
    assert "Suspend / silence" not in client.get("/users/alice/").content.decode()
    moderator = ModeratorFactory(username="mo")
    client.force_login(moderator)
    assert "Suspend / silence" in client.get("/users/alice/").content.decode()
    assert "Suspend / silence" not in client.get("/users/mo/").content.decode()  # not themselves
    client.force_login(ModeratorFactory())
    assert "Suspend / silence" not in client.get("/users/mo/").content.decode()  # not a fellow moderator


def test_once_lifted_they_take_part_again(client, world):
    from moderation.members import member_lift

    member_lift(member=world.member, kind="suspend", actor=ModeratorFactory())
    response = client.post(f"/questions/{world.question.pk}/answers/", {"body": BODY})

    assert response.status_code == 302
    assert Answer.objects.filter(author=world.member, body=BODY).exists()
