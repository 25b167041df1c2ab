"""What a webhook says about each fact: the `data` of the envelope, built from public fields only.

Everything here is what a visitor could read on the site: ids, titles, Markdown bodies of posts
that are visible, usernames and display names, scores, links to the web pages (built on
COMMONPLACE_SITE_URL). Never an email address, a flag's free text or who flagged, a suspension's
reason, or the content of a deleted, hidden or held post (such a post appears as a reference:
its kind, id, address and `"visible": false`).
"""

import datetime as dt
import json

from django.urls import reverse

from branding.email import absolute


def moment(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC, e.g. "2026-11-27T18:50:03.120000Z"."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def envelope(*, event_id, event_type: str, created_at: dt.datetime, data: dict) -> str:
    """The body every delivery of the event sends, byte for byte."""
    document = {"id": str(event_id), "type": event_type, "created_at": moment(created_at), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def member(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "url": absolute(user.get_absolute_url()),
        "staff": bool(user.is_staff),  # the Staff flair the site shows beside the name
    }


def question_ref(question) -> dict:
    """A question named from another event: its title only while it is visible."""
    ref = {"id": question.pk, "url": absolute(question.get_absolute_url()), "visible": question.is_visible}
    if question.is_visible:
        ref["title"] = question.title
    return ref


def post_ref(post) -> dict:
    """Any post named from another event (a flag, a ledger line): no content."""
    return {
        "kind": post.kind,
        "id": post.pk,
        "url": absolute(post.anchor_url),
        "visible": all(each.is_visible for each in post.lineage),
    }


def question(question) -> dict:
    return {
        **question_ref(question),
        "body": question.body,
        "tags": sorted(question.tags.names()),
        "author": member(question.author),
        "created_at": moment(question.created_at),
        "score": question.score,
        "answer_count": question.answer_count,
        "solved": question.is_solved,
    }


def answer(answer, *, accepted: bool | None = None) -> dict:
    """`accepted` when the caller knows better than the answer's (maybe stale) question."""
    if accepted is None:
        accepted = answer.question.accepted_answer_id == answer.pk
    return {
        "id": answer.pk,
        "url": absolute(answer.anchor_url),
        "body": answer.body,
        "author": member(answer.author),
        "created_at": moment(answer.created_at),
        "score": answer.score,
        "accepted": accepted,
    }


def question_created(question_row) -> dict:
    return {"question": question(question_row)}


def answer_created(answer_row) -> dict:
    return {"answer": answer(answer_row), "question": question_ref(answer_row.question)}


def answer_accepted(answer_row, actor) -> dict:
    return {
        "answer": answer(answer_row, accepted=True),
        "question": question_ref(answer_row.question),
        "accepted_by": member(actor),
    }


def question_solved(question_row, answer_row) -> dict:
    return {"question": question(question_row), "accepted_answer": answer(answer_row, accepted=True)}


def comment_created(comment) -> dict:
    return {
        "comment": {
            "id": comment.pk,
            "url": absolute(comment.anchor_url),
            "body": comment.body,
            "author": member(comment.author),
            "created_at": moment(comment.created_at),
        },
        "on": post_ref(comment.parent),
        "question": question_ref(comment.thread),
    }


def escalation(escalation) -> dict:
    """The thread's private follow-up as the thread shows it: opened by whom and when, its
    public note, and, once posted, the public outcome."""
    data = {
        "escalation": {
            "id": escalation.pk,
            "state": escalation.state,
            "opened_at": moment(escalation.opened_at),
            "opened_by": member(escalation.opened_by),
            "note": escalation.note,
        },
        "question": question_ref(escalation.question),
    }
    if escalation.outcome_at:
        data["escalation"].update(
            outcome=escalation.outcome,
            outcome_at=moment(escalation.outcome_at),
            outcome_by=member(escalation.outcome_by),
        )
    return data


def flag_raised(flag, post) -> dict:
    """Flags are anonymous outside moderation: the reason, never who flagged or what they wrote."""
    return {
        "flag": {
            "id": flag.pk,
            "reason": flag.reason,
            "reason_label": flag.get_reason_display(),
            "created_at": moment(flag.created_at),
        },
        "post": post_ref(post),
        "question": question_ref(post.thread),
    }


def reputation_changed(entry, *, user, reputation_after: int, post) -> dict:
    return {
        "entry": {
            "id": entry.pk,
            "amount": entry.amount,
            "rule": entry.rule,
            "rule_label": entry.rule_label,
            "reason": entry.reason,
            "occurred_at": moment(entry.occurred_at),
            "reverses": entry.reverses_id,
        },
        "member": {**member(user), "reputation": reputation_after},
        "ledger_url": absolute(reverse("reputation:user_ledger", kwargs={"username": user.username})),
        "post": post_ref(post) if post is not None else None,
    }


def member_suspended(restriction) -> dict:
    """Shown on the member's profile to everyone: suspended, and until when. The reason is
    theirs and the moderators' only."""
    return {
        "member": member(restriction.user),
        "suspension": {
            "id": restriction.pk,
            "starts_at": moment(restriction.starts_at),
            "ends_at": moment(restriction.ends_at),
            "indefinite": restriction.ends_at is None,
        },
    }


def ping(endpoint, actor) -> dict:
    return {
        "message": "A test ping from Commonplace: this endpoint is reachable and your signature check works.",
        "endpoint": {"id": endpoint.pk, "url": endpoint.url},
        "sent_by": member(actor),
    }
