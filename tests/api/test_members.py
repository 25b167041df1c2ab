"""Public profiles, reputation ledgers, badges and the site's catalogues through the API: what
/users/<username>/, its reputation page, /badges/, /privileges/ and /reputation/rules/ show."""

import pytest
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.models import Answer, Question
from reputation import rules
from reputation.badges import BADGES, award_badges
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question, restrict

pytestmark = pytest.mark.django_db


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


# --- Profiles ---------------------------------------------------------------------------------


def test_a_profile_shows_what_the_web_shows_and_never_an_email(api, commit):
    helper = StaffFactory(
        username="sam", display_name="Sam Staff", bio="I look after **routers**.\nAsk away."
    )
    asker = UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    commit(services.answer_accept_toggle, answer=answer, user=asker)
    make_question(author=helper, title="My own question about the modem lights")

    profile = ok(api.get("/api/v1/users/sam/"))

    assert profile["username"] == "sam"
    assert profile["name"] == "Sam Staff"
    assert profile["flairs"] == ["staff"]
    assert profile["reputation"] == 16  # 1 + 15 for the accepted answer
    assert profile["bio_html"] == "<p>I look after <strong>routers</strong>.<br>\nAsk away.</p>"
    assert profile["counts"] == {
        "questions": 1,
        "answers": 1,
        "accepted_answers": 1,
        "people_helped": 1,
        "badges": 2,  # first answer, solution
    }
    assert profile["url"] == "http://testserver/users/sam/"
    assert profile["reputation_ledger"] == "http://testserver/api/v1/users/sam/reputation/"
    assert profile["suspension"] is None
    assert "sam@example.com" not in str(profile)
    assert "email" not in profile


def test_profile_counts_leave_out_posts_the_caller_may_not_see(api):
    author = UserFactory()
    make_question(author=author, title="A question everyone can see here")
    deleted = make_question(author=author, title="A question that was deleted later")
    Question.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())

    def questions(token=None) -> int:
        return ok(api.get(f"/api/v1/users/{author.username}/", token=token))["counts"]["questions"]

    assert questions() == 1
    assert questions(key_for(author, "read")) == 2
    assert questions(key_for(ModeratorFactory(), "read")) == 2


def test_a_suspension_is_shown_to_all_and_its_reason_and_a_silence_only_to_the_member_and_moderators(
    api, client
):
    member = UserFactory()
    restrict(member, days=7, reason="Posting links to a shop")
    restrict(member, kind="silence", days=None, reason="Shouting at people")

    public = ok(api.get(f"/api/v1/users/{member.username}/", token=key_for(UserFactory(), "read")))
    moderator = ok(api.get(f"/api/v1/users/{member.username}/", token=key_for(ModeratorFactory(), "read")))
    client.force_login(member)  # a suspended member makes no new key, and still reads in the browser
    own = ok(api.get(f"/api/v1/users/{member.username}/"))

    assert public["suspension"]["phrase"].startswith("until ")
    assert public["suspension"]["until"] is not None
    assert public["suspension"]["reason"] is None
    assert public["silence"] is None
    for seen in (own, moderator):
        assert seen["suspension"]["reason"] == "Posting links to a shop"
        assert seen["silence"] == {"until": None, "phrase": "indefinitely", "reason": "Shouting at people"}


def test_a_closed_account_or_an_unknown_name_is_a_404(api):
    closed = UserFactory(is_active=False)
    assert api.get(f"/api/v1/users/{closed.username}/").status_code == 404
    assert api.get(f"/api/v1/users/{closed.username}/reputation/").status_code == 404
    assert api.get("/api/v1/users/nobody-here/").status_code == 404


# --- The ledger -------------------------------------------------------------------------------


def test_the_ledger_lists_each_line_newest_first_with_its_rule_post_and_reversal(api, commit):
    author = UserFactory()
    question = make_question(title="Why does my router reboot at night?")
    answer = make_answer(question, author=author)
    voter = UserFactory(reputation=100)
    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voter, post=answer, value=0)

    lines = ok(api.get(f"/api/v1/users/{author.username}/reputation/"))["results"]

    taken_back, earned = lines
    assert (earned["amount"], earned["rule"], earned["rule_label"]) == (
        10,
        "answer_upvoted",
        "Answer voted up",
    )
    assert earned["post"] == {
        "kind": "answer",
        "id": answer.pk,
        "question_id": question.pk,
        "title": "Why does my router reboot at night?",
        "url": f"http://testserver{answer.anchor_url}",
    }
    assert earned["reversed_by"]["id"] == taken_back["id"]
    assert taken_back["amount"] == -10
    assert taken_back["reverses"]["id"] == earned["id"]
    assert taken_back["reverses"]["rule_label"] == "Answer voted up"


def test_a_ledger_line_about_a_deleted_post_links_it_only_for_those_who_may_see_it(api, commit):
    author = UserFactory()
    answer = make_answer(make_question(), author=author)
    commit(services.vote_cast, voter=UserFactory(reputation=100), post=answer, value=1)
    Answer.objects.filter(pk=answer.pk).update(deleted_at=timezone.now())
    url = f"/api/v1/users/{author.username}/reputation/"

    assert ok(api.get(url))["results"][0]["post"] is None
    assert ok(api.get(url, token=key_for(author, "read")))["results"][0]["post"]["id"] == answer.pk
    assert (
        ok(api.get(url, token=key_for(ModeratorFactory(), "read")))["results"][0]["post"]["id"] == answer.pk
    )


def test_the_ledger_pages_with_a_cursor_in_a_fixed_number_of_queries(
    api, commit, django_assert_max_num_queries
):
    author = UserFactory()
    question = make_question()
    for n in range(6):
        answer = make_answer(
            question, author=author, body=f"Answer number {n}: update the firmware and reboot."
        )
        commit(services.vote_cast, voter=UserFactory(reputation=100), post=answer, value=1)
    seen, url = [], f"/api/v1/users/{author.username}/reputation/?page_size=4"
    while url:
        with django_assert_max_num_queries(2):  # the member, the page (posts and reversals joined)
            page = ok(api.get(url))
        seen += [line["id"] for line in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 6


# --- Badges and catalogues ----------------------------------------------------------------------


def test_a_members_badges_first_earned_first(api, commit):
    author = UserFactory()
    asker = UserFactory()
    answer = make_answer(make_question(author=asker), author=author)
    commit(services.answer_accept_toggle, answer=answer, user=asker)
    award_badges(author.pk)

    awards = ok(api.get(f"/api/v1/users/{author.username}/badges/"))["results"]

    assert [award["badge"]["slug"] for award in awards] == ["first_answer", "solution"]
    assert awards[0]["badge"]["criteria"] == "Posted a first answer."


def test_the_badge_catalogue_lists_every_badge_with_its_holders(api, commit):
    commit(make_answer, make_question())  # its author earns "First answer"
    holders = {row["slug"]: row["holders"] for row in ok(api.get("/api/v1/badges/"))["results"]}
    assert list(holders) == [badge.slug for badge in BADGES]
    assert holders["first_answer"] == 1
    assert holders["teacher"] == 0


def test_privileges_say_what_the_caller_holds_and_what_is_left(api):
    anonymous = ok(api.get("/api/v1/privileges/"))
    mine = ok(api.get("/api/v1/privileges/", token=key_for(UserFactory(reputation=20), "read")))

    assert anonymous["preset"] == "new"
    rows = {row["code"]: row for row in mine["results"]}
    assert rows["flag"]["threshold"] == 15
    assert rows["flag"]["other_presets"] == {"mature": 15}
    assert (rows["flag"]["held"], rows["flag"]["to_go"]) == (True, 0)
    assert (rows["vote_down"]["held"], rows["vote_down"]["to_go"]) == (False, 30)
    assert {row["held"] for row in anonymous["results"]} == {None}


def test_staff_hold_no_privilege_for_being_staff(api):
    rows = ok(api.get("/api/v1/privileges/", token=key_for(StaffFactory(reputation=1), "read")))["results"]
    assert not any(row["held"] for row in rows if row["threshold"] > 1)


def test_the_reputation_rules_are_the_ones_the_ledger_uses(api):
    catalogue = ok(api.get("/api/v1/reputation-rules/"))
    assert catalogue["version"] == rules.RULES_VERSION
    assert catalogue["daily_cap"] == rules.DAILY_VOTE_CAP
    assert {rule["code"]: rule["amount"] for rule in catalogue["results"]}["answer_accepted"] == 15


def test_user_names_with_dots_and_at_signs_are_found(api):
    User.objects.create_user(username="jo.doe@home", password="x")
    assert ok(api.get("/api/v1/users/jo.doe@home/"))["username"] == "jo.doe@home"
