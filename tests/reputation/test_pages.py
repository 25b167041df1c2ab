"""The public reputation pages: rules, privileges, badges, a member's ledger, the leaderboard,
and the numbers on profiles. Entries come from the real flow (services, then the task on
commit) unless a test needs them back-dated."""

import datetime as dt
import itertools
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import privileges
from accounts.models import User
from forum import services
from reputation import rules
from reputation.badges import BADGES
from reputation.models import BadgeAward, LedgerEntry
from reputation.selectors import member_summary
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

_keys = itertools.count()


def entry(user, amount: int, *, days_ago: float = 0, rule: str = "answer_upvoted", **links) -> LedgerEntry:
    """A back-dated entry written directly, with the member's total kept in step."""
    made = LedgerEntry.objects.create(
        user=user,
        amount=amount,
        rule=rule,
        rules_version=rules.RULES_VERSION,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        idempotency_key=f"test:{next(_keys)}",
        **links,
    )
    User.objects.filter(pk=user.pk).update(reputation=F("reputation") + amount)
    return made


def text(response) -> str:
    """The page's visible text, whitespace collapsed, for assertions about sentences."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    return re.sub(r" ([.,;:])", r"\1", words)


def rank_names(response) -> list[str]:
    return [row.member.username for row in response.context["rows"]]


# --- Rules ----------------------------------------------------------------------------------


def test_rules_page_shows_every_rule_with_its_amount_and_the_limits(client):
    response = client.get(reverse("reputation:rules"))

    assert response.status_code == 200
    page = text(response)
    for rule in rules.RULES.values():
        assert rule.label in page
        assert rule.explanation in page
        assert f"{rule.amount:+d}" in page
    assert f"version {rules.RULES_VERSION}" in page
    assert f"At most {rules.DAILY_VOTE_CAP} reputation a day" in page
    assert f"never drops below {rules.REPUTATION_FLOOR}" in page
    assert "a changed or retracted vote or an unaccept is reversed exactly, as a new entry" in page.lower()
    assert "Staff follow exactly the same rules" in page
    assert response.content.decode().count("<h1") == 1


def test_rules_page_reads_the_numbers_from_the_code(client, monkeypatch):
    monkeypatch.setattr(rules, "DAILY_VOTE_CAP", 321)
    monkeypatch.setattr(rules, "RULES_VERSION", 7)

    page = text(client.get(reverse("reputation:rules")))

    assert "At most 321 reputation a day" in page
    assert "version 7" in page


# --- Privileges -----------------------------------------------------------------------------


def _privilege_row(response, code: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<tr id="privilege-{code}".*?</tr>', html, flags=re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_privileges_page_shows_the_active_preset_and_the_other_for_comparison(client, settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "mature"

    response = client.get(reverse("reputation:privileges"))

    assert response.status_code == 200
    row = _privilege_row(response, "vote_down")
    assert "Vote down" in row
    assert " 125 " in row  # the mature preset's number
    assert " 50 " in row  # the new preset's, for comparison
    assert privileges.BY_CODE["vote_down"].description in row
    page = text(response)
    assert "uses the mature preset" in page
    assert "Moderators hold every privilege" in page
    assert "Being staff grants none" in page


def test_privileges_page_follows_the_new_preset(client, settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "new"

    response = client.get(reverse("reputation:privileges"))

    assert "uses the new preset" in text(response)
    assert [row.threshold for row in response.context["overview"].rows] == sorted(
        privileges.PRESETS["new"].values()
    )


def test_privileges_page_marks_what_a_member_holds_and_how_far_the_next_is(client, settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "new"
    client.force_login(UserFactory(reputation=30))

    response = client.get(reverse("reputation:privileges"))

    assert "You have this" in _privilege_row(response, "flag")
    assert "20 to go" in _privilege_row(response, "vote_down")
    assert "You have 30 reputation. 20 more to Vote down." in text(response)


def test_staff_status_grants_no_privilege_on_the_page(client, settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "new"
    client.force_login(StaffFactory(reputation=1))

    response = client.get(reverse("reputation:privileges"))

    assert "14 to go" in _privilege_row(response, "flag")


def test_moderators_are_shown_holding_every_privilege(client):
    client.force_login(ModeratorFactory(reputation=1))

    response = client.get(reverse("reputation:privileges"))

    assert all(row.held for row in response.context["overview"].rows)
    assert "As a moderator you hold every privilege." in text(response)


def test_anonymous_visitors_see_the_table_without_a_you_column(client):
    response = client.get(reverse("reputation:privileges"))

    assert response.status_code == 200
    assert "to go" not in text(response)


# --- Badges ---------------------------------------------------------------------------------


def test_badges_page_lists_criteria_and_holders_in_one_aggregate_query(client, django_assert_num_queries):
    for user in UserFactory.create_batch(3):
        BadgeAward.objects.create(user=user, badge="first_answer")
    BadgeAward.objects.create(user=UserFactory(), badge="teacher")

    with django_assert_num_queries(1):
        response = client.get(reverse("reputation:badges"))

    assert response.status_code == 200
    holders = {row.badge.slug: row.holders for row in response.context["badges"]}
    assert holders == {badge.slug: 0 for badge in BADGES} | {"first_answer": 3, "teacher": 1}
    page = text(response)
    for badge in BADGES:
        assert badge.criteria in page
    assert "Held by 3 members" in page
    assert "Held by 1 member " in page


# --- A member's ledger ----------------------------------------------------------------------


def test_ledger_lists_entries_newest_first_with_rule_amount_and_post_link(client, commit):
    asker, helper = UserFactory(), UserFactory(username="helper")
    question = make_question(author=asker, title="Why does my bill show two charges?")
    answer = make_answer(question, author=helper)
    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)
    commit(services.answer_accept_toggle, answer=answer, user=asker)

    response = client.get(reverse("reputation:user_ledger", args=["helper"]))

    assert response.status_code == 200
    shown = [(e.rule, e.amount) for e in response.context["page"].object_list]
    assert shown == [("answer_accepted", 15), ("answer_upvoted", 10)]
    html = response.content.decode()
    assert f'href="{question.get_absolute_url()}#answer-{answer.pk}"' in html
    assert "Why does my bill show two charges?" in html
    page = text(response)
    assert "+15 Answer accepted" in page
    assert "+10 Answer voted up" in page
    assert "has 26 reputation" in page
    assert "Reputation starts at 1 and is the sum of these entries" in page


def test_ledger_shows_a_retracted_vote_as_a_reversal_linking_to_what_it_reverses(client, commit):
    helper, voter = UserFactory(username="helper"), UserFactory(reputation=100)
    answer = make_answer(make_question(), author=helper)
    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voter, post=answer, value=0)
    original, reversal = LedgerEntry.objects.filter(user=helper).order_by("pk")

    response = client.get(reverse("reputation:user_ledger", args=["helper"]))

    html = response.content.decode()
    ledger_url = reverse("reputation:user_ledger", args=["helper"])
    assert f'id="entry-{reversal.pk}"' in html
    assert f'href="{ledger_url}?entry={original.pk}#entry-{original.pk}"' in html
    assert "-10 Answer voted up" in text(response)
    assert "vote retracted" in text(response)
    assert "has 1 reputation" in text(response)


def test_ledger_does_not_name_voters(client, commit):
    UserFactory(username="helper")
    voter = UserFactory(username="quietvoter", display_name="Quiet Voter")
    answer = make_answer(make_question(), author=User.objects.get(username="helper"))
    commit(services.vote_cast, voter=voter, post=answer, value=1)

    html = client.get(reverse("reputation:user_ledger", args=["helper"])).content.decode()

    assert "Quiet Voter" not in html
    assert "quietvoter" not in html


def test_ledger_shows_the_reason_for_a_floor_or_cap(client):
    member = UserFactory(username="helper")
    entry(member, 0, rule="post_downvoted", reason=rules.REASON_FLOOR)

    assert "Reputation floor." in text(client.get(reverse("reputation:user_ledger", args=["helper"])))


def test_entry_link_opens_the_page_that_holds_the_entry(client, settings):
    member = UserFactory(username="helper")
    oldest = entry(member, 10, days_ago=100)
    for day in range(60):
        entry(member, 10, days_ago=day)

    response = client.get(reverse("reputation:user_ledger", args=["helper"]), {"entry": oldest.pk})

    assert response.context["page"].number == 2
    assert f'id="entry-{oldest.pk}"' in response.content.decode()


def test_ledger_page_queries_do_not_grow_with_entries(client, commit, django_assert_max_num_queries):
    helper, voter = UserFactory(username="helper"), UserFactory(reputation=100)
    question = make_question()
    for _ in range(3):
        answer = make_answer(question, author=helper)
        commit(services.vote_cast, voter=voter, post=answer, value=1)
        commit(services.vote_cast, voter=voter, post=answer, value=0)  # a reversal per answer
    entry(helper, 10, rule="question_upvoted", question=question)
    url = reverse("reputation:user_ledger", args=["helper"])

    with django_assert_max_num_queries(4):  # member, moderator flair, count, page
        response = client.get(url)
    assert len(response.context["page"].object_list) == 7

    for _ in range(5):
        answer = make_answer(question, author=helper)
        commit(services.vote_cast, voter=voter, post=answer, value=1)
        commit(services.vote_cast, voter=voter, post=answer, value=-1)
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 7 + 5 * 3


def test_ledger_of_unknown_member_is_404(client):
    assert client.get(reverse("reputation:user_ledger", args=["nobody"])).status_code == 404


# --- Profile --------------------------------------------------------------------------------


def test_profile_shows_total_badges_accepted_answers_and_people_helped(client, commit):
    helper = UserFactory(username="helper")
    alice, bob = UserFactory(), UserFactory()
    # Alice accepts two of helper's answers: one person, counted once.
    for title in ("First question about my router", "Second question about my router"):
        question = make_question(author=alice, title=title)
        commit(services.answer_accept_toggle, answer=make_answer(question, author=helper), user=alice)
    # Bob votes helper's answer up: helped, not accepted.
    bobs = make_question(author=bob, title="A question about billing cycles")
    commit(services.vote_cast, voter=UserFactory(), post=make_answer(bobs, author=helper), value=1)
    # Carol marks an answer as also helped: helped too.
    carol = UserFactory()
    carols = make_question(author=carol, title="A question about the mobile app")
    commit(services.answer_accept_toggle, answer=make_answer(carols), user=carol)
    commit(services.answer_also_helped_toggle, answer=make_answer(carols, author=helper), user=carol)
    # An answer nobody voted on, accepted or marked helps no one measurably.
    make_answer(make_question(author=UserFactory(), title="A question nobody resolved"), author=helper)
    # Answering and accepting your own question helps no one else.
    own = make_question(author=helper, title="My own question about routers")
    commit(services.answer_accept_toggle, answer=make_answer(own, author=helper), user=helper)
    # The real flow awarded First answer and Solution already; Curator is added by hand.
    BadgeAward.objects.create(user=helper, badge="curator")
    helper.refresh_from_db()

    response = client.get(reverse("accounts:profile", args=["helper"]))

    summary = member_summary(helper)  # what the profile's template tag shows
    assert summary.accepted_answers == 2
    assert summary.people_helped == 3
    assert summary.reputation == helper.reputation == 1 + 15 + 15 + 10 + 5
    html = response.content.decode()
    assert '<dd class="rep-total">46</dd>' in html
    assert '<dd class="accepted-answers">2</dd>' in html
    assert '<dd class="people-helped">3</dd>' in html
    assert [badge.name for badge, _ in summary.badges] == ["First answer", "Solution", "Curator"]
    for name in ("First answer", "Solution", "Curator"):
        assert f'<span class="badge">{name}</span>' in html
    assert f'href="{reverse("reputation:user_ledger", args=["helper"])}"' in html


def test_profile_numbers_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    helper = UserFactory(username="helper")
    for n in range(4):
        make_answer(make_question(title=f"Question number {n} about routers"), author=helper)
        BadgeAward.objects.create(user=helper, badge=BADGES[n].slug)

    # member, moderator flair, numbers, badges; then the posts (two counts, a page, its tags)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:profile", args=["helper"]))
    assert response.content.decode().count('<span class="badge">') == 4


# --- Leaderboard ----------------------------------------------------------------------------


def test_leaderboard_ranks_by_reputation_earned_in_the_period(client):
    recent, steady, old = (UserFactory(username=name) for name in ("recent", "steady", "old"))
    entry(recent, 30, days_ago=1)
    entry(steady, 20, days_ago=2)
    entry(steady, 40, days_ago=20)
    entry(old, 500, days_ago=200)
    entry(old, 1000, days_ago=400)

    url = reverse("reputation:leaderboard")
    assert rank_names(client.get(url, {"period": "week"})) == ["recent", "steady"]
    assert rank_names(client.get(url, {"period": "month"})) == ["steady", "recent"]
    assert rank_names(client.get(url, {"period": "year"})) == ["old", "steady", "recent"]
    response = client.get(url, {"period": "all"})
    assert rank_names(response) == ["old", "steady", "recent"]
    assert [row.earned for row in response.context["rows"]] == [1500, 60, 30]


def test_leaderboard_defaults_to_the_week_and_ignores_unknown_periods(client):
    entry(UserFactory(username="recent"), 10, days_ago=1)
    entry(UserFactory(username="old"), 10, days_ago=30)
    url = reverse("reputation:leaderboard")

    for params in ({}, {"period": "decade"}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert response.context["period"] == "week"
        assert rank_names(response) == ["recent"]
    assert 'aria-current="true">Week<' in response.content.decode()


def test_leaderboard_nets_reversals_and_leaves_out_those_who_earned_nothing(client, commit):
    helper, voter = UserFactory(username="helper"), UserFactory(reputation=100)
    kept, retracted = make_question(), make_question(title="Another question about billing")
    commit(services.vote_cast, voter=voter, post=make_answer(kept, author=helper), value=1)
    answer = make_answer(retracted, author=helper)
    commit(services.vote_cast, voter=voter, post=answer, value=1)
    commit(services.vote_cast, voter=voter, post=answer, value=0)

    rows = client.get(reverse("reputation:leaderboard")).context["rows"]

    assert [(row.member.username, row.earned) for row in rows] == [("helper", 10)]


def test_leaderboard_counts_answers_accepted_in_the_period_and_still_accepted(client, commit):
    helper, asker = UserFactory(username="helper"), UserFactory(username="asker")
    kept = make_answer(make_question(author=asker), author=helper)
    commit(services.answer_accept_toggle, answer=kept, user=asker)
    undone = make_answer(make_question(author=asker, title="Second question about my router"), author=helper)
    commit(services.answer_accept_toggle, answer=undone, user=asker)
    commit(services.answer_accept_toggle, answer=undone, user=asker)

    rows = {row.member.username: row for row in client.get(reverse("reputation:leaderboard")).context["rows"]}

    assert rows["helper"].earned == 15
    assert rows["helper"].accepted == 1
    assert rows["asker"].accepted == 0


def test_staff_are_ranked_by_the_same_numbers_with_flair(client):
    staff = StaffFactory(username="sam", display_name="Sam Okafor")
    moderator = ModeratorFactory(username="morgan", display_name="Morgan Lee")
    customer = UserFactory(username="alice", display_name="Alice Martin")
    entry(customer, 50, days_ago=1)
    entry(staff, 40, days_ago=1)
    entry(moderator, 40, days_ago=1)  # a tie: broken by username, not by role

    response = client.get(reverse("reputation:leaderboard"))

    assert [(row.rank, row.member.username, row.earned) for row in response.context["rows"]] == [
        (1, "alice", 50),
        (2, "morgan", 40),
        (3, "sam", 40),
    ]
    html = response.content.decode()
    sam_row = re.search(r"<tr>(?:(?!</tr>).)*Sam Okafor.*?</tr>", html, flags=re.S).group(0)
    morgan_row = re.search(r"<tr>(?:(?!</tr>).)*Morgan Lee.*?</tr>", html, flags=re.S).group(0)
    alice_row = re.search(r"<tr>(?:(?!</tr>).)*Alice Martin.*?</tr>", html, flags=re.S).group(0)
    assert ">Staff<" in sam_row
    assert ">Moderator<" in morgan_row
    assert ">Staff<" not in alice_row and ">Moderator<" not in alice_row


def test_leaderboard_leaves_out_deactivated_members(client):
    gone = UserFactory(username="gone")
    entry(gone, 100, days_ago=1)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    assert rank_names(client.get(reverse("reputation:leaderboard"))) == []


def test_leaderboard_queries_do_not_grow_with_members(client, django_assert_max_num_queries):
    def add(count: int, start: int):
        for n in range(start, start + count):
            member = ModeratorFactory(username=f"m{n:03}") if n % 3 else UserFactory(username=f"m{n:03}")
            entry(member, 10 + n, days_ago=1)

    add(3, 0)
    with django_assert_max_num_queries(3):  # ranking, members, moderator flair
        assert len(client.get(reverse("reputation:leaderboard")).context["rows"]) == 3
    add(60, 3)
    with django_assert_max_num_queries(3):
        assert len(client.get(reverse("reputation:leaderboard")).context["rows"]) == 50


# --- The user card ----------------------------------------------------------------------------


def test_user_card_shows_reputation_beside_the_name_for_everyone(client):
    question = make_question(author=StaffFactory(display_name="Sam Okafor"))
    User.objects.filter(pk=question.author_id).update(reputation=1234)

    html = client.get(question.get_absolute_url()).content.decode()

    assert re.search(r'<span class="rep" title="reputation">.*?1,234</span>', html)
