"""Insights figures and private follow-ups through the API: the same figures as /insights/,
under the same rule; and staff's care work (insights.permissions.allow_escalate) through the
same services as the thread page's staff forms."""

import datetime as dt

import pytest
from django.utils import timezone

from forum import services as forum_services
from forum.models import Question
from helpdesk import services as helpdesk_services
from insights import services
from insights.models import Escalation
from moderation.models import ModerationAction
from tests.api.conftest import error_of, key_for, ok
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question, restrict
from tests.helpdesk import fakes
from tests.insights.helpers import NOW, known_forum

pytestmark = pytest.mark.django_db

OUTCOME = "We refunded the **second charge**; it shows on your statement within 5 days."


def refused(response, status: int) -> str:
    return error_of(response, status)["message"]


# --- Insights ---------------------------------------------------------------------------------


def test_the_figures_are_the_stored_ones_the_page_shows(api):
    known_forum()
    snapshot = services.snapshot_refresh(period=30, now=NOW)

    figures = ok(api.get("/api/v1/insights/?period=30"))

    assert figures["computed_at"] == NOW.isoformat().replace("+00:00", "Z")
    for key in ("asked", "solved", "solved_rate", "first_answer", "answers", "waiting"):
        assert figures[key] == snapshot.data[key]
    assert [helper["username"] for helper in figures["top_helpers"]] == [
        helper["username"] for helper in snapshot.data["top_helpers"]
    ]
    assert len(figures["weekly"]) == 5


def test_a_tag_view_is_computed_and_an_unknown_tag_or_period_refused(api):
    known_forum()
    billing = ok(api.get("/api/v1/insights/?period=365&tag=billing"))
    assert billing["tag"] == "billing"
    assert billing["period"] == 365
    assert api.get("/api/v1/insights/?tag=nothing-here").status_code == 404
    assert refused(api.get("/api/v1/insights/?period=12"), 400).startswith("period:")


def test_follow_ups_waiting_7_days_for_their_outcome_are_listed(api):
    question = make_question(title="Charged twice for one month of service")
    escalation, _ = services.escalation_open(question=question, staff_user=StaffFactory())
    Escalation.objects.filter(pk=escalation.pk).update(opened_at=timezone.now() - dt.timedelta(days=8))
    [overdue] = ok(api.get("/api/v1/insights/"))["escalations_overdue"]
    assert (overdue["question_id"], overdue["days_waiting"]) == (question.pk, 8)
    assert overdue["url"].endswith("#follow-up")


def test_when_insights_are_staff_only_others_are_refused_with_the_webs_sentence(api, settings):
    settings.COMMONPLACE_INSIGHTS_PUBLIC = False
    sentence = "Insights are open to staff only on this site."
    assert refused(api.get("/api/v1/insights/"), 401) == sentence
    assert refused(api.get("/api/v1/insights/", token=key_for(ModeratorFactory(), "read")), 403) == sentence
    assert ok(api.get("/api/v1/insights/", token=key_for(StaffFactory(), "read")))["period"] == 30


# --- Escalations ------------------------------------------------------------------------------


@pytest.fixture
def sam():
    return StaffFactory(username="sam", display_name="Sam")


def test_staff_take_a_thread_to_private_follow_up_once(api, sam):
    question = make_question(title="Charged twice for one month of service")
    token = key_for(sam, "read", "write")

    opened = ok(
        api.post("/api/v1/escalations/", {"question_id": question.pk, "note": "Checking"}, token=token), 201
    )
    again = ok(
        api.post("/api/v1/escalations/", {"question_id": question.pk, "note": "Again"}, token=token), 200
    )

    assert opened["state"] == "open"
    assert opened["note"] == "Checking"
    assert opened["opened_by"]["flairs"] == ["staff"]
    assert again["id"] == opened["id"]
    assert again["note"] == "Checking"
    assert ModerationAction.objects.filter(action="escalated").count() == 1  # the audit line, once


def test_the_public_outcome_closes_the_loop_and_a_second_changes_nothing(api, sam):
    question = make_question(title="Charged twice for one month of service")
    escalation, _ = services.escalation_open(question=question, staff_user=sam)
    token = key_for(sam, "read", "write")

    posted = ok(api.post(f"/api/v1/escalations/{escalation.pk}/outcome/", {"outcome": OUTCOME}, token=token))
    second = ok(api.post(f"/api/v1/escalations/{escalation.pk}/outcome/", {"outcome": "x" * 30}, token=token))

    assert posted["state"] == "resolved"
    assert "<strong>second charge</strong>" in posted["outcome_html"]
    assert posted["outcome_by"]["username"] == "sam"
    assert second["outcome"] == OUTCOME
    question.refresh_from_db()
    assert question.outcome_at is not None  # the thread leaves the help queues


def test_a_short_outcome_is_a_400_with_the_forms_message(api, sam):
    escalation, _ = services.escalation_open(question=make_question(), staff_user=sam)
    response = api.post(
        f"/api/v1/escalations/{escalation.pk}/outcome/",
        {"outcome": "Done."},
        token=key_for(sam, "read", "write"),
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["outcome"] == [
        "Ensure this value has at least 20 characters (it has 5)."
    ]


def test_opening_needs_a_visible_question(api, sam):
    token = key_for(sam, "read", "write")
    deleted = make_question(title="A question deleted before staff saw it")
    Question.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    assert api.post("/api/v1/escalations/", {"question_id": deleted.pk}, token=token).status_code == 404
    missing = api.post("/api/v1/escalations/", {"note": "No question"}, token=token)
    assert missing.json()["error"]["fields"] == {"question_id": ["Say which question: its number."]}


@pytest.mark.parametrize("who", [UserFactory, ModeratorFactory])
def test_only_staff_see_or_open_follow_ups_with_the_webs_sentence(api, sam, who):
    question = make_question()
    escalation, _ = services.escalation_open(question=question, staff_user=sam)
    token = key_for(who(reputation=5000), "read", "write")
    sentence = "Only staff can take a thread to private follow-up."
    assert refused(api.get("/api/v1/escalations/", token=token), 403) == sentence
    assert refused(api.get(f"/api/v1/escalations/{escalation.pk}/", token=token), 403) == sentence
    assert (
        refused(api.post("/api/v1/escalations/", {"question_id": question.pk}, token=token), 403) == sentence
    )
    outcome = api.post(f"/api/v1/escalations/{escalation.pk}/outcome/", {"outcome": OUTCOME}, token=token)
    assert refused(outcome, 403) == sentence
    assert Escalation.objects.get().is_open


def test_a_visitor_is_asked_to_log_in(api):
    assert refused(api.get("/api/v1/escalations/"), 401) == "Log in to take a thread to private follow-up."


def test_suspended_staff_are_refused_with_their_suspension(api, client, sam):
    restrict(sam, days=7, reason="Testing the rules")
    client.force_login(sam)
    assert refused(api.get("/api/v1/escalations/"), 403).startswith("Your account is suspended until")


def test_the_list_is_longest_waiting_first_filtered_and_leaves_out_deleted_threads(
    api, sam, django_assert_max_num_queries
):
    made = []
    for n in range(5):
        question = make_question(title=f"Billing question number {n} for staff")
        escalation, _ = services.escalation_open(question=question, staff_user=StaffFactory())
        Escalation.objects.filter(pk=escalation.pk).update(
            opened_at=timezone.now() - dt.timedelta(days=10 - n)
        )
        made.append(escalation)
    services.escalation_resolve(question=made[1].question, staff_user=sam, outcome=OUTCOME)
    Question.objects.filter(pk=made[2].question_id).update(deleted_at=timezone.now())
    token = key_for(sam, "read")

    # the key and its owner, the key's last use, the page (threads and people joined), their flair
    with django_assert_max_num_queries(4):
        listed = ok(api.get("/api/v1/escalations/", token=token))["results"]
    open_ = ok(api.get("/api/v1/escalations/?state=open", token=token))["results"]
    one = ok(api.get(f"/api/v1/escalations/?question={made[3].question_id}", token=token))["results"]

    assert [e["id"] for e in listed] == [made[0].pk, made[1].pk, made[3].pk, made[4].pk]
    assert [e["id"] for e in open_] == [made[0].pk, made[3].pk, made[4].pk]
    assert [e["id"] for e in one] == [made[3].pk]
    assert api.get(f"/api/v1/escalations/{made[2].pk}/", token=token).status_code == 404


def test_answers_keep_their_credit(api, sam, commit):
    question = make_question()
    answer = make_answer(question)
    commit(forum_services.answer_accept_toggle, answer=answer, user=question.author)
    answer.author.refresh_from_db()
    before = answer.author.reputation
    escalation = ok(
        api.post("/api/v1/escalations/", {"question_id": question.pk}, token=key_for(sam, "read", "write")),
        201,
    )
    ok(
        api.post(
            f"/api/v1/escalations/{escalation['id']}/outcome/",
            {"outcome": OUTCOME},
            token=key_for(sam, "write"),
        )
    )
    answer.author.refresh_from_db()
    assert answer.author.reputation == before


# --- The follow-up's helpdesk ticket ------------------------------------------------------------


@pytest.fixture
def caredesk(settings):
    """The generic bridge, pointed at a fake helpdesk on loopback (tests/helpdesk/fakes.py)."""
    fake = fakes.connect_generic(settings)
    yield fake
    fake.stop()


def test_staff_see_the_follow_ups_helpdesk_ticket_as_it_opens(api, sam, caredesk, settings, commit):
    question = make_question(title="Charged twice for one month of service")
    token = key_for(sam, "read")
    escalation, _ = services.escalation_open(question=question, staff_user=sam)
    assert ok(api.get(f"/api/v1/escalations/{escalation.pk}/", token=token))["ticket"] is None

    settings.COMMONPLACE_HELPDESK_URL = fakes.closed_port_url()  # the helpdesk is down at first
    commit(helpdesk_services.ticket_request, escalation=escalation, staff_user=sam, note="Card 4242")
    opening = ok(api.get(f"/api/v1/escalations/{escalation.pk}/", token=token))["ticket"]
    assert opening["id"] is None and opening["status"] is None and opening["opened_at"] is None
    assert opening["helpdesk"] == "CareDesk"
    assert opening["error"].startswith("CareDesk could not be reached")

    settings.COMMONPLACE_HELPDESK_URL = f"{caredesk.url}/tickets"
    commit(helpdesk_services.ticket_request, escalation=escalation, staff_user=sam)
    [shown] = ok(api.get("/api/v1/escalations/", token=token))["results"]
    ticket = shown["ticket"]
    assert ticket["id"] == "HD-101" and ticket["status"] == "new" and ticket["error"] is None
    assert ticket["url"] == f"{caredesk.url}/agent/HD-101"
    assert ticket["opened_at"] and ticket["last_status_at"] == ticket["opened_at"]
    assert ok(api.get(f"/api/v1/escalations/{escalation.pk}/", token=token))["ticket"] == ticket


def test_members_never_see_a_ticket_they_cannot_read_follow_ups_at_all(api, sam, caredesk, commit):
    question = make_question(title="Charged twice for one month of service")
    commit(helpdesk_services.escalation_take, question=question, staff_user=sam, open_ticket=True)
    escalation = Escalation.objects.get()
    member = key_for(UserFactory(reputation=5000), "read")
    response = api.get(f"/api/v1/escalations/{escalation.pk}/", token=member)
    assert refused(response, 403) == "Only staff can take a thread to private follow-up."
    assert "HD-101" not in response.content.decode()


def test_staff_open_the_ticket_through_the_api_once(api, sam, caredesk, django_capture_on_commit_callbacks):
    question = make_question(title="Charged twice for one month of service")
    escalation, _ = services.escalation_open(question=question, staff_user=sam)
    token = key_for(sam, "read", "write")
    url = f"/api/v1/escalations/{escalation.pk}/ticket/"

    with django_capture_on_commit_callbacks(execute=True):
        asked = ok(api.post(url, {"ticket_note": "Card ending 4242"}, token=token), 202)
    assert asked["ticket"]["helpdesk"] == "CareDesk"  # drawn before the task ran
    [request] = caredesk.seen
    assert request.json()["escalation"]["private_note"] == "Card ending 4242"
    assert ok(api.get(f"/api/v1/escalations/{escalation.pk}/", token=token))["ticket"]["id"] == "HD-101"

    again = ok(api.post(url, token=token), 200)
    assert again["ticket"]["id"] == "HD-101" and len(caredesk.seen) == 1


def test_a_ticket_is_refused_without_a_helpdesk_after_the_outcome_and_to_members(
    api, sam, caredesk, settings
):
    question = make_question(title="Charged twice for one month of service")
    escalation, _ = services.escalation_open(question=question, staff_user=sam)
    url = f"/api/v1/escalations/{escalation.pk}/ticket/"
    token = key_for(sam, "read", "write")

    too_long = api.post(url, {"ticket_note": "x" * 2001}, token=token)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["fields"]["ticket_note"] == [
        "Ensure this value has at most 2000 characters (it has 2001)."
    ]
    member = key_for(UserFactory(reputation=5000), "read", "write")
    assert refused(api.post(url, token=member), 403) == "Only staff can take a thread to private follow-up."

    services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)
    assert refused(api.post(url, token=token), 403) == (
        "The outcome of this follow-up is posted: there is no ticket left to open."
    )
    settings.COMMONPLACE_HELPDESK = ""
    assert refused(api.post(url, token=token), 403) == "No helpdesk is connected to this site."
    assert not caredesk.seen
