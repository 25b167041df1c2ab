"""What a copy of a member's data holds: every file, each correct, in the documented layout, and
nothing the member may not see (other members' addresses and flags, deleted or held posts of
others, secrets)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import services as forum
from privacy import export_services
from privacy.export_archive import FORMAT
from privacy.models import DataExport
from tests.factories import UserFactory, make_answer, make_question
from tests.privacy.helpers import (
    BOB_EMAIL,
    BOB_FLAG_WORDS,
    DELETED_BODY,
    DELETED_TITLE,
    HELD_TITLE,
    archive_of,
    everything,
    json_of,
)

JSON_FILES = {
    "manifest.json",
    "profile.json",
    "email_addresses.json",
    "social_accounts.json",
    "questions.json",
    "answers.json",
    "comments.json",
    "edits.json",
    "suggested_edits.json",
    "votes.json",
    "close_votes.json",
    "flags.json",
    "me_too.json",
    "reputation.json",
    "badges.json",
    "appeals.json",
    "notifications.json",
    "preferences.json",
    "watches.json",
    "api_keys.json",
    "webhooks.json",
    "moderation_actions.json",
    "suspensions_and_silences.json",
    "escalations.json",
}
UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def built(commit, member) -> DataExport:
    export, created = commit(export_services.export_request, member=member, actor=member)
    assert created
    export.refresh_from_db()
    assert export.state == DataExport.State.READY
    return export


def times_in(value):
    """Every value of a key ending in _at (or since) in a JSON tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            if (key.endswith("_at") or key in ("since", "date_joined", "last_login")) and item is not None:
                yield item
            else:
                yield from times_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from times_in(item)


@pytest.fixture
def world(db, commit, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True  # the member's webhook endpoint is on loopback
    settings.COMMONPLACE_SITE_URL = "https://community.example.com"
    return everything(commit)


@pytest.fixture
def files(world, commit):
    return archive_of(built(commit, world.member))


def test_the_zip_has_a_readme_a_manifest_every_json_file_and_the_posts_as_markdown(world, files):
    question, answers = world.own_question, [world.own_answer, world.answer_to_deleted]
    markdown = {f"posts/questions/{question.pk}-{question.slug}.md"} | {
        f"posts/answers/{a.pk}.md" for a in answers
    }
    assert set(files) == {"README.txt"} | JSON_FILES | markdown
    for name in JSON_FILES:
        json_of(files, name)  # each one parses
    readme = files["README.txt"]
    assert "alice" in readme and "ISO 8601 in UTC" in readme and "deleted from the site 7 days" in readme
    for name in JSON_FILES - {"manifest.json"}:
        assert name in readme, f"README.txt does not explain {name}"
    manifest = json_of(files, "manifest.json")
    assert manifest["format"] == FORMAT and manifest["member"] == "alice" and manifest["version"] == 1
    assert manifest["files"]["questions.json"] == 1 and manifest["files"]["answers.json"] == 2
    assert sorted(manifest["markdown_files"]) == sorted(markdown)


def test_every_time_is_iso_8601_in_utc(files):
    found = [time for name in JSON_FILES for time in times_in(json_of(files, name))]
    assert len(found) > 40
    assert all(UTC_TIME.match(time) for time in found), [t for t in found if not UTC_TIME.match(t)]


def test_profile_addresses_and_logins(world, files):
    profile = json_of(files, "profile.json")
    assert profile["username"] == "alice" and profile["display_name"] == "Alice A."
    assert profile["bio"] == "I fix routers for fun." and profile["email"] == "alice@example.com"
    assert profile["roles"] == ["community manager"] and profile["staff_flair"] is True
    assert profile["url"] == "https://community.example.com/users/alice/"
    assert profile["reputation"] == world.member.reputation
    assert json_of(files, "email_addresses.json") == [
        {"email": "alice@example.com", "primary": True, "verified": True},
        {"email": "alice.old@example.com", "primary": False, "verified": False},
    ]
    [login] = json_of(files, "social_accounts.json")
    assert (
        login["provider"] == "github"
        and login["uid"] == "4242"
        and set(login)
        == {
            "provider",
            "uid",
            "linked_at",
            "last_login",
        }
    )


def test_posts_with_their_revisions_and_states(world, files):
    [question] = json_of(files, "questions.json")
    assert question["id"] == world.own_question.pk and question["state"] == "visible"
    assert question["title"] == "My router drops the connection every hour"
    assert question["tags"] == ["router", "wifi"]
    assert [r["number"] for r in question["revisions"]] == [1, 2]
    assert question["revisions"][0]["title"] == "My router drops the connection hourly"
    assert (
        question["revisions"][1]["summary"] == "Firmware version"
        and question["revisions"][1]["editor"] == "alice"
    )
    accepted, to_deleted = json_of(files, "answers.json")
    assert (
        accepted["accepted"] is True and accepted["question"]["question_title"] == world.bobs_question.title
    )
    assert accepted["revisions"][0]["body"] == world.own_answer.body
    # The member's own answer stays whole; the deleted thread it answered is a bare reference.
    assert to_deleted["body"] == "This is my answer to it, all mine."
    assert to_deleted["question"] == {"kind": "question", "id": world.deleted_question.pk, "visible": False}
    [comment] = json_of(files, "comments.json")
    assert comment["body"] == "Which card did you use?" and comment["on"]["id"] == world.bobs_question.pk


def test_markdown_files_carry_front_matter(world, files):
    question = files[f"posts/questions/{world.own_question.pk}-{world.own_question.slug}.md"]
    assert question.startswith(f'---\nkind: "question"\nid: {world.own_question.pk}\n')
    assert 'title: "My router drops the connection every hour"' in question
    assert 'tags: ["router", "wifi"]' in question
    body = "My router drops the connection every hour, on the hour. Firmware 2.1."
    assert question.endswith(f"---\n\n# My router drops the connection every hour\n\n{body}\n")
    answer = files[f"posts/answers/{world.answer_to_deleted.pk}.md"]
    assert f"question_id: {world.deleted_question.pk}" in answer and "question_title: null" in answer
    assert answer.endswith("---\n\nThis is my answer to it, all mine.\n")


def test_activity_files(world, files):
    votes = json_of(files, "votes.json")
    assert [(v["post"]["id"], v["value"]) for v in votes] == [
        (world.bobs_question.pk, 1),
        (world.deleted_question.pk, 1),
    ]
    assert votes[1]["post"] == {"kind": "question", "id": world.deleted_question.pk, "visible": False}
    [close_vote] = json_of(files, "close_votes.json")
    assert close_vote["kind"] == "close" and close_vote["reason"] == "off_topic"
    [flag] = json_of(files, "flags.json")
    assert (
        flag["text"] == "Looks like an ad."
        and flag["status"] == "accepted"
        and flag["reason_label"] == "Spam"
    )
    assert flag["post"]["visible"] is False
    [me_too] = json_of(files, "me_too.json")
    assert me_too["question"]["id"] == world.bobs_question.pk
    # Edits of other people's posts (not their own: those are in their posts' revisions); the
    # one of a post since deleted keeps its number and date, not its words.
    visible, deleted = json_of(files, "edits.json")
    assert (
        visible["body"] == "Reboot the router, then wait ten minutes." and visible["post"]["kind"] == "answer"
    )
    assert visible["number"] == 2 and visible["tags"] == []
    assert deleted["post"]["visible"] is False and "body" not in deleted and deleted["number"] == 2
    [edit] = json_of(files, "suggested_edits.json")
    assert (
        edit["body"] == "A clearer version of Bob's question, with the dates." and edit["status"] == "pending"
    )
    watched = {row["question"]["id"]: row for row in json_of(files, "watches.json")}
    assert watched[world.held_question.pk]["question"] == {
        "kind": "question",
        "id": world.held_question.pk,
        "visible": False,
    }


def test_reputation_badges_and_notifications(world, files):
    ledger = json_of(files, "reputation.json")
    world.member.refresh_from_db()
    assert sum(line["amount"] for line in ledger) == world.member.reputation - 1000  # it started at 1,000
    rules = {line["rule"] for line in ledger}
    assert "answer_accepted" in rules and "question_upvoted" in rules
    assert all(
        set(line) >= {"amount", "rule", "rule_label", "reason", "post", "occurred_at"} for line in ledger
    )
    assert not any("counterparty" in line or "voter" in line for line in ledger)
    badges = {row["badge"]: row for row in json_of(files, "badges.json")}
    assert set(badges) == {"first_answer", "solution"} and badges["solution"]["name"] == "Solution"
    assert badges["solution"]["for"]["id"] == world.own_answer.pk
    inbox = json_of(files, "notifications.json")
    assert inbox and all(set(row) >= {"kind", "text", "url", "created_at", "read_at"} for row in inbox)
    assert any("accepted" in (row["text"] or "") for row in inbox)


def test_preferences_keys_webhooks_actions_restrictions_escalations(world, files):
    preferences = json_of(files, "preferences.json")
    answer = next(row for row in preferences["email"] if row["kind"] == "answer")
    assert answer["frequency"] == "daily" and answer["chosen"] is True
    assert any(row["kind"] == "data_export" and row["chosen"] is False for row in preferences["email"])
    assert preferences["tags"] == [
        {"tag": "wifi", "slug": "wifi", "mode": "watch", "since": preferences["tags"][0]["since"]}
    ]
    [key] = json_of(files, "api_keys.json")
    assert key["name"] == "My laptop script" and key["scopes"] == ["read", "write"]
    assert set(key) == {
        "name",
        "scopes",
        "created_at",
        "created_by",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    [endpoint] = json_of(files, "webhooks.json")
    assert endpoint["url"] == "http://127.0.0.1:9/hooks/crm" and "secret" not in endpoint
    actions = {row["action"]: row for row in json_of(files, "moderation_actions.json")}
    assert actions["suspended"]["reason"] == "Links to a shop in every answer"
    assert "webhook.created" in actions and "escalated" in actions
    [suspension] = json_of(files, "suspensions_and_silences.json")
    assert suspension["reason"] == "Cooling off after a heated thread" and suspension["lifted_at"]
    [escalation] = json_of(files, "escalations.json")
    assert (
        escalation["note"] == "Asked billing to look"
        and escalation["question"]["id"] == world.bobs_question.pk
    )


def test_nothing_the_member_may_not_see_is_in_the_copy(world, files):
    everything_written = "\n".join(files.values())
    for private in [BOB_EMAIL, BOB_FLAG_WORDS, DELETED_TITLE, DELETED_BODY, HELD_TITLE, *world.secrets]:
        assert private not in everything_written, private
    # Nobody else's address at all: the only addresses are the member's own.
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", everything_written))
    assert addresses == {"alice@example.com", "alice.old@example.com"}


def test_a_notification_about_a_post_gone_from_view_keeps_its_dates_not_its_words(world, files):
    withheld = [row for row in json_of(files, "notifications.json") if row["withheld"]]
    assert withheld, "the flag on the deleted question was handled: the member was told"
    for row in withheld:
        assert row["text"] is None and row["url"] is None and row["created_at"]


def test_building_costs_the_same_queries_however_many_posts(db, commit):
    """Not one query per post, vote or comment: a member with four of each costs what one with
    one of each does."""
    other = UserFactory(reputation=1000)

    def member_with(posts: int):
        member = UserFactory(reputation=1000)
        for n in range(posts):
            make_question(author=member, title=f"Question number {n} about the router")
            theirs = make_question(author=other, title=f"Other question number {n} here")
            answer = make_answer(theirs, author=member)
            commit(forum.comment_create, post=theirs, author=member, body="Which model is it?")
            commit(forum.vote_cast, voter=member, post=theirs, value=1)
            commit(forum.vote_cast, voter=other, post=answer, value=1)
        return member

    def queries(member) -> int:
        export = DataExport.objects.create(member=member, requested_by=member)
        with CaptureQueriesContext(connection) as captured:
            assert export_services.export_build(export_id=export.pk) == "ready"
        return len(captured)

    few, many = queries(member_with(1)), queries(member_with(4))
    assert few == many, (few, many)
    assert many <= 45
