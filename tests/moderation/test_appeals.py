"""Appealing a serial-voting reversal opens a review item of its own (not a flag): moderators
see the member's reason, the reversed lines and the votes, and restore (new ledger lines that
reverse the reversal) or keep it; the member is told either way, and the decision is logged."""

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone

from forum import services
from forum.models import Vote
from moderation import appeals
from moderation.closing import post_delete, post_restore
from moderation.models import AppealStatus, Flag, FlagReason, FlagStatus, ModerationAction, ReversalAppeal
from moderation.serial_voting import SERIAL_VOTING_REASON
from notifications.models import Notification
from reputation import reconcile
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory
from tests.moderation.test_serial_voting import answers_by, detect, reputation, vote_up

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/review/?tab=appeals"
REASON = "My colleague reads every answer I write."


@pytest.fixture
def reversed_ring(commit):
    author, voter = UserFactory(), UserFactory()
    answers = answers_by(author, 5)
    vote_up(commit, voter, answers)
    detect(commit)
    reversal = LedgerEntry.objects.filter(user=author, reason=SERIAL_VOTING_REASON).first()
    return author, voter, reversal


def appeal_url(entry) -> str:
    return f"/moderation/appeal/{entry.pk}/"


def make_ring(commit, author=None):
    author, voter = author or UserFactory(), UserFactory()
    vote_up(commit, voter, answers_by(author, 5))
    detect(commit)
    return author, voter, LedgerEntry.objects.filter(user=author, reason=SERIAL_VOTING_REASON).latest("pk")


def appealed(author, reversal, text=REASON) -> ReversalAppeal:
    appeal, created = appeals.appeal_create(entry=reversal, member=author, text=text)
    assert created
    return appeal


@pytest.fixture
def decide(client, django_capture_on_commit_callbacks):
    """A moderator's decision from the queue, with its on-commit work (the ledger, the email)."""

    def run(moderator, appeal, outcome, note=""):
        client.force_login(moderator)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/moderation/review/appeals/{appeal.pk}/decide/",
                {"outcome": outcome, "note": note},
                follow=True,
            )

    return run


# --- The member asks -----------------------------------------------------------------------------


def test_the_owner_sees_the_reversal_with_a_link_to_ask_for_a_review(client, reversed_ring):
    author, _, reversal = reversed_ring
    client.force_login(author)

    page = client.get(f"/users/{author.username}/reputation/").content.decode()

    assert SERIAL_VOTING_REASON in page
    assert f'href="{appeal_url(reversal)}"' in page
    assert page.count("Ask a moderator to review this") == 5


def test_others_see_the_reversal_without_the_link(client, reversed_ring):
    author, voter, _ = reversed_ring
    anonymous = client.get(f"/users/{author.username}/reputation/").content.decode()
    client.force_login(voter)
    someone_else = client.get(f"/users/{author.username}/reputation/").content.decode()

    for page in (anonymous, someone_else):
        assert SERIAL_VOTING_REASON in page
        assert "Ask a moderator to review this" not in page


def test_the_appeal_form_lists_what_was_taken_and_has_a_labelled_field(client, reversed_ring):
    author, _, reversal = reversed_ring
    client.force_login(author)

    response = client.get(appeal_url(reversal))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_text">' in page
    assert page.count('id="appeal-line-') == 5
    assert page.count(">-10<") == 5


def test_an_appeal_opens_a_review_item_not_a_flag(client, reversed_ring):
    author, _, reversal = reversed_ring
    client.force_login(author)

    response = client.post(appeal_url(reversal), {"text": REASON}, follow=True)

    appeal = ReversalAppeal.objects.get()
    assert (appeal.member, appeal.reversal_id, appeal.text, appeal.status) == (
        author,
        reversal.event_id,
        REASON,
        AppealStatus.PENDING,
    )
    assert not Flag.objects.exists()
    page = response.content.decode()
    assert "Your request is sent. A moderator will review it." in page
    assert "Your request: waiting for a moderator" in page
    assert 'name="text"' not in page  # no second form


def test_one_appeal_covers_the_whole_reversal_and_a_second_one_changes_nothing(client, reversed_ring):
    author, _, reversal = reversed_ring
    other_line = LedgerEntry.objects.filter(event_id=reversal.event_id).exclude(pk=reversal.pk).first()
    client.force_login(author)
    client.post(appeal_url(reversal), {"text": "The votes were genuine."})

    response = client.post(appeal_url(other_line), {"text": "Again, please."}, follow=True)

    assert ReversalAppeal.objects.get().text == "The votes were genuine."
    assert "You have already asked for a review of this reversal." in response.content.decode()


def test_an_empty_appeal_is_refused_with_a_message(client, reversed_ring):
    author, _, reversal = reversed_ring
    client.force_login(author)

    response = client.post(appeal_url(reversal), {"text": ""})

    assert response.status_code == 400
    assert "Tell the moderator why the votes were genuine." in response.content.decode()
    assert not ReversalAppeal.objects.exists()


def test_only_the_owner_may_appeal(client, reversed_ring):
    _, voter, reversal = reversed_ring

    assert client.get(appeal_url(reversal)).status_code == 302  # to log in
    client.force_login(voter)
    assert client.post(appeal_url(reversal), {"text": "Let me appeal for them."}).status_code == 403
    assert not ReversalAppeal.objects.exists()


def test_only_serial_voting_reversals_can_be_appealed(client, reversed_ring):
    author, _, reversal = reversed_ring
    client.force_login(author)

    assert client.get(f"/moderation/appeal/{reversal.reverses_id}/").status_code == 404


def test_a_reversal_of_a_line_the_daily_cap_made_0_has_no_appeal(client, reversed_ring):
    """Nothing was taken back, so there is nothing for a moderator to review."""
    author, _, reversal = reversed_ring
    capped = LedgerEntry.objects.create(
        user=author,
        amount=0,
        rule=reversal.rule,
        rules_version=1,
        reason="daily cap",
        occurred_at=timezone.now(),
        idempotency_key="test:capped-vote",
    )
    zero = LedgerEntry.objects.create(
        user=author,
        amount=0,
        rule=reversal.rule,
        rules_version=1,
        reason=SERIAL_VOTING_REASON,
        reverses=capped,
        occurred_at=timezone.now(),
        idempotency_key="test:capped-vote-reversed",
    )
    client.force_login(author)

    page = client.get(f"/users/{author.username}/reputation/").content.decode()

    assert page.count("Ask a moderator to review this") == 5  # the five that took reputation back
    assert f'href="/moderation/appeal/{zero.pk}/"' not in page
    assert client.get(f"/moderation/appeal/{zero.pk}/").status_code == 404


# --- Moderators review ---------------------------------------------------------------------------


def test_moderators_see_the_reason_the_reversed_lines_and_the_votes(client, reversed_ring):
    author, voter, reversal = reversed_ring
    appeal = appealed(author, reversal)
    client.force_login(ModeratorFactory())

    page = client.get(QUEUE).content.decode()

    assert f'id="appeal-{appeal.pk}"' in page
    assert f"Appeal by {author.name}: 50 reputation from 5 votes" in page
    assert REASON in page
    assert page.count(f'<a href="/users/{voter.username}/">') == 5  # the voter, on each line
    assert page.count(">Up<") == 5
    assert 'name="outcome" value="restore"' in page and 'name="outcome" value="keep"' in page
    assert f'<label for="appeal-{appeal.pk}-note">Note to the member' in page


def test_the_appeals_tab_is_for_moderators_only(client, reversed_ring):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    for person in (UserFactory(reputation=100_000), StaffFactory()):
        client.force_login(person)
        assert client.get(QUEUE).status_code == 403
        assert (
            client.post(f"/moderation/review/appeals/{appeal.pk}/decide/", {"outcome": "restore"}).status_code
            == 403
        )
    client.force_login(UserFactory(reputation=100_000))
    assert "Reputation appeals" not in client.get("/moderation/review/").content.decode()


def test_the_appeals_tab_costs_the_same_queries_however_many_appeals(
    client, commit, django_assert_max_num_queries
):
    moderator = ModeratorFactory()
    author, _, reversal = make_ring(commit)
    appealed(author, reversal)
    client.force_login(moderator)
    with django_assert_max_num_queries(12) as few:
        assert client.get(QUEUE).status_code == 200
    for _ in range(3):
        author, _, reversal = make_ring(commit)
        appealed(author, reversal)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(QUEUE).content.decode()
    assert page.count('class="review-item"') == 4


def test_restoring_writes_new_lines_reversing_the_reversal_and_the_total_returns_exactly(
    decide, reversed_ring
):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    reversals = list(LedgerEntry.objects.filter(event_id=reversal.event_id).order_by("pk"))
    before = list(LedgerEntry.objects.order_by("pk").values())
    assert reputation(author) == 1

    response = decide(ModeratorFactory(), appeal, "restore", "These are genuine readers.")

    assert f"Restored: {author.name} gets the reputation back" in response.content.decode()
    assert reputation(author) == 51
    assert list(LedgerEntry.objects.order_by("pk").values())[: len(before)] == before  # nothing edited
    restorations = LedgerEntry.objects.filter(reverses__in=reversals)
    assert sorted((e.reverses_id, e.amount, e.reason) for e in restorations) == [
        (r.pk, 10, "restored on appeal") for r in reversals
    ]
    appeal.refresh_from_db()
    assert (appeal.status, appeal.note) == (AppealStatus.RESTORED, "These are genuine readers.")
    assert reconcile.check().drift == 0


def test_keeping_changes_no_reputation(decide, reversed_ring):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    entries = LedgerEntry.objects.count()

    response = decide(ModeratorFactory(), appeal, "keep", "Five votes in ten minutes from one account.")

    assert f"Kept: the reversal stands, and {author.name} is told why." in response.content.decode()
    assert (reputation(author), LedgerEntry.objects.count()) == (1, entries)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.KEPT


@pytest.mark.parametrize(
    ("outcome", "told"),
    [
        ("restore", "A moderator restored the reputation a serial-voting reversal took back"),
        ("keep", "A moderator reviewed your appeal and kept the serial-voting reversal"),
    ],
)
def test_the_member_is_told_either_way_with_the_note_by_notification_and_email(
    client, decide, reversed_ring, outcome, told
):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    note = "I looked at each vote and the timing."

    decide(ModeratorFactory(), appeal, outcome, note)

    notification = Notification.objects.get(recipient=author, kind="moderation")
    assert notification.text == f"{told}: “{note}”"
    assert notification.url == appeals.appeal_url(appeal)
    [email] = [m for m in mail.outbox if author.email in m.to]
    assert note in email.body
    client.force_login(author)
    page = client.get(appeal_url(reversal)).content.decode()
    assert note in page


def test_keeping_needs_a_note_and_the_form_comes_back_with_the_error(client, decide, reversed_ring):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)

    response = decide(ModeratorFactory(), appeal, "keep", "   ")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why the reversal stays: the member reads your note." in page
    assert f'id="appeal-{appeal.pk}"' in page
    appeal.refresh_from_db()
    assert appeal.is_pending
    assert not Notification.objects.filter(recipient=author, kind="moderation").exists()


def test_after_keep_the_reversal_cannot_be_appealed_again_and_the_page_says_so(client, decide, reversed_ring):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    decide(ModeratorFactory(), appeal, "keep", "The pattern is clear.")
    client.force_login(author)

    page = client.get(appeal_url(reversal)).content.decode()
    again = client.post(appeal_url(reversal), {"text": "Please look again."}, follow=True).content.decode()

    assert "kept the reversal" in page and "The pattern is clear." in page
    assert "A reversal is reviewed once, so it can&#x27;t be appealed again." in page
    assert 'name="text"' not in page
    assert "can&#x27;t be appealed again" in again
    assert ReversalAppeal.objects.count() == 1


def test_decisions_are_in_the_audit_log(client, decide, reversed_ring):
    author, _, reversal = reversed_ring
    moderator = ModeratorFactory()
    decide(moderator, appealed(author, reversal), "restore", "Genuine.")

    action = ModerationAction.objects.get(action="appeal_restored")

    assert (action.moderator, action.target_type, action.target_id, action.reason) == (
        moderator,
        "user",
        author.pk,
        "Genuine.",
    )
    assert action.after == {"appeal": "restored", "reversal_ids": sorted(action.after["reversal_ids"])}
    assert len(action.after["reversal_ids"]) == 5
    log = client.get("/moderation/log/").content.decode()
    assert "Serial-voting reversal restored on appeal" in log


def test_a_decision_is_made_once(decide, reversed_ring):
    author, _, reversal = reversed_ring
    appeal = appealed(author, reversal)
    moderator = ModeratorFactory()
    decide(moderator, appeal, "restore")
    entries = LedgerEntry.objects.count()

    response = decide(moderator, appeal, "keep", "Changed my mind.")

    assert "That appeal was already decided." in response.content.decode()
    assert LedgerEntry.objects.count() == entries
    assert ReversalAppeal.objects.get().status == AppealStatus.RESTORED
    assert reputation(author) == 51


def test_a_moderator_cannot_decide_their_own_appeal(client, commit, decide):
    moderator = ModeratorFactory()
    _, _, reversal = make_ring(commit, author=moderator)
    appeal = appealed(moderator, reversal)
    client.force_login(moderator)

    assert f'id="appeal-{appeal.pk}"' not in client.get(QUEUE).content.decode()
    response = decide(moderator, appeal, "restore")
    assert response.status_code == 403
    assert "You can&#x27;t decide an appeal about your own reputation" in response.content.decode()
    assert ReversalAppeal.objects.get().is_pending


# --- The ledger after a restoration --------------------------------------------------------------


def test_a_restored_reversal_is_never_reversed_again_by_detection(commit, decide, reversed_ring):
    author, voter, reversal = reversed_ring
    moderator = ModeratorFactory()
    decide(moderator, appealed(author, reversal), "restore")
    answer = Vote.objects.filter(voter=voter).first().answer
    commit(post_delete, post=answer, actor=moderator)
    commit(post_restore, post=answer, moderator=moderator)  # the credit comes back as a fresh line

    assert detect(commit) == 0

    assert reputation(author) == 51
    assert reconcile.check().drift == 0


def test_the_ledger_shows_the_restoration_and_no_more_appeal_links(client, decide, reversed_ring):
    author, _, reversal = reversed_ring
    decide(ModeratorFactory(), appealed(author, reversal), "restore")
    client.force_login(author)

    page = client.get(f"/users/{author.username}/reputation/").content.decode()

    assert "Ask a moderator to review this" not in page
    assert page.count(": restored on appeal.") == 5 * 2  # each restoration, and each reversal it undid


def test_a_vote_retracted_after_the_restoration_takes_its_credit_back(commit, decide, reversed_ring):
    author, voter, reversal = reversed_ring
    decide(ModeratorFactory(), appealed(author, reversal), "restore")
    vote = Vote.objects.filter(voter=voter).first()

    commit(services.vote_cast, voter=voter, post=vote.answer, value=Vote.RETRACTED)

    assert reputation(author) == 41
    assert reconcile.check().drift == 0


def test_a_vote_retracted_before_the_decision_is_not_restored(commit, decide, reversed_ring):
    author, voter, reversal = reversed_ring
    vote = Vote.objects.filter(voter=voter).first()
    commit(services.vote_cast, voter=voter, post=vote.answer, value=Vote.RETRACTED)

    decide(ModeratorFactory(), appealed(author, reversal), "restore")

    assert reputation(author) == 41
    assert reconcile.check().drift == 0


def test_a_post_deleted_before_the_decision_gets_its_credit_back_only_when_restored(
    commit, decide, reversed_ring
):
    author, voter, reversal = reversed_ring
    moderator = ModeratorFactory()
    answer = Vote.objects.filter(voter=voter).first().answer
    commit(post_delete, post=answer, actor=moderator)

    decide(moderator, appealed(author, reversal), "restore")

    assert reputation(author) == 41
    assert reconcile.check().drift == 0
    commit(post_restore, post=answer, moderator=moderator)
    assert reputation(author) == 51
    assert reconcile.check().drift == 0


# --- Appeals made before this change -------------------------------------------------------------


def test_pending_appeal_flags_become_appeals_and_leave_the_flag_queue(commit):
    author, _, reversal = make_ring(commit)
    lines = list(
        LedgerEntry.objects.filter(event_id=reversal.event_id).select_related("answer").order_by("pk")
    )

    def old_flag(line, text, **extra):
        return Flag.objects.create(
            flagger=author,
            answer=line.answer,
            reason=FlagReason.NEEDS_MODERATOR,
            text=f"Review of the serial voting reversal, reputation entry #{line.pk}: {text}",
            **extra,
        )

    old_flag(lines[0], "They are my readers.")
    old_flag(lines[1], "Still my readers.")
    handled = old_flag(lines[2], "Handled already.", status=FlagStatus.DECLINED)
    unrelated = Flag.objects.create(
        flagger=UserFactory(),
        answer=lines[3].answer,
        reason=FlagReason.NEEDS_MODERATOR,
        text="Review of the tags",
    )
    migration = importlib.import_module("moderation.migrations.0004_appeal_flags_become_appeals")

    migration.appeal_flags_to_appeals(apps, None)

    appeal = ReversalAppeal.objects.get()
    assert (appeal.member, appeal.reversal_id, appeal.status) == (
        author,
        reversal.event_id,
        AppealStatus.PENDING,
    )
    assert appeal.text == "They are my readers.\n\nStill my readers."
    assert set(Flag.objects.values_list("pk", flat=True)) == {handled.pk, unrelated.pk}
