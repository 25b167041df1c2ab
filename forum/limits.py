"""Limits on every write against spam and floods, the same for everyone.

No role is exempt: staff and moderators post, comment and edit under exactly the rules a
customer does, as they earn reputation under the same rules (see the README). The limits, all
in settings (0 switches a cap or a pause off; 0 links per post allows none):

- **New accounts** (joined under ``COMMONPLACE_NEW_ACCOUNT_AGE_HOURS`` ago, or below
  ``COMMONPLACE_NEW_ACCOUNT_REPUTATION``) may post ``COMMONPLACE_NEW_QUESTIONS_PER_DAY``
  questions, ``COMMONPLACE_NEW_ANSWERS_PER_DAY`` answers and ``COMMONPLACE_NEW_COMMENTS_PER_DAY``
  comments, and make ``COMMONPLACE_NEW_EDITS_PER_DAY`` edits, in any 24 hours, with at most
  ``COMMONPLACE_NEW_LINKS_PER_POST`` links in a post or a comment. An edit counts links like a
  post: it may not bring a post over that number (nor add to a post already over it, say
  someone else's). Deleted posts still count: deleting a post does not buy another.
- **Everyone** waits ``COMMONPLACE_SECONDS_BETWEEN_POSTS`` between two posts (questions and
  answers together) and ``COMMONPLACE_SECONDS_BETWEEN_COMMENTS`` between two comments (Stack
  Exchange throttles comments apart from posts: a comment right after an answer is fine), and
  makes at most ``COMMONPLACE_EDITS_PER_HOUR`` edits in any hour.

An **edit** is each revision a member is credited with after a post's first (a direct edit, a
rollback, a suggestion of theirs that was approved, dated when it was published) and each
suggested edit of theirs not approved (waiting or rejected, dated when it was sent): every
suggestion counts once, whatever became of it. An edit that changes nothing is not one.

Links are counted in the rendered HTML, so every form Markdown has (``[text](url)``,
``<https://…>``, a bare ``https://…`` or ``www.…``, an image, which renders as a link) counts
once, exactly as readers will see it.

The services call ``check_post_allowed`` and ``check_edit_allowed`` inside the transaction that
writes, so the web, the API and anything else that writes share them. A refusal is
``PostLimited``: 429 on every door, with the text as it was typed and when to try again.

``COMMONPLACE_POST_LIMITS_ENABLED`` switches every limit off (the test suite does, except for
tests marked ``post_limits``), and ``limits_disabled()`` does for one block of code: the demo
seeding, whose dozens of posts in a second are not abuse.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
import re
import uuid
from collections.abc import Iterator
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from forum.markdown import render_markdown

Kind = Literal["question", "answer", "comment"]
DAY = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)
_LINK_RE = re.compile(r"<a\s[^>]*\bhref=", re.IGNORECASE)
_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("post_limits_disabled", default=False)

# kind -> the setting of a new account's daily cap, and its default
_DAILY_CAPS = {
    "question": ("COMMONPLACE_NEW_QUESTIONS_PER_DAY", 3),
    "answer": ("COMMONPLACE_NEW_ANSWERS_PER_DAY", 10),
    "comment": ("COMMONPLACE_NEW_COMMENTS_PER_DAY", 20),
}
# "you can … again"
_VERBS = {"question": "post", "answer": "post", "comment": "comment"}


class PostLimited(ValidationError):
    """A write refused by a limit. Views answer it with 429 and the form as it was typed; the API
    with 429 and, when waiting is the remedy, `retry_after` seconds (its Retry-After header)."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message, code="post_limited")
        self.retry_after = retry_after


@contextlib.contextmanager
def limits_disabled() -> Iterator[None]:
    """No limits inside this block (for trusted bulk writers such as the demo seed)."""
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


def limits_enabled() -> bool:
    return getattr(settings, "COMMONPLACE_POST_LIMITS_ENABLED", True) and not _disabled.get()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def is_new_account(user, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    age = dt.timedelta(hours=_setting("COMMONPLACE_NEW_ACCOUNT_AGE_HOURS", 24))
    return user.date_joined > now - age or user.reputation < _setting(
        "COMMONPLACE_NEW_ACCOUNT_REPUTATION", 10
    )


def count_links(body: str) -> int:
    return len(_LINK_RE.findall(render_markdown(body)))


# --- Posts and comments -----------------------------------------------------------------------


def check_post_allowed(*, author, kind: Kind, body: str, submission_token: uuid.UUID | None = None) -> None:
    """Raise PostLimited with a message a person can act on when this question, answer or
    comment would break a limit.

    Checked in order of what the person can do about it: a daily cap (nothing to do but wait
    hours), too many links (edit the text), then the pause between posts (wait seconds).

    Call it inside the transaction that creates the post, after looking the submission token
    up. When the token's post appeared meanwhile (the other copy of a double-clicked form won the
    lock), nothing is refused: this is not a new post, and the caller's de-duplication returns
    the first one."""
    if not limits_enabled():
        return
    _lock_author(author)
    if submission_token and _already_posted(author, kind, submission_token):
        return
    now = timezone.now()
    if is_new_account(author, now=now):
        setting, default = _DAILY_CAPS[kind]
        allowed = _setting(setting, default)
        _check_window(
            _rows(author, kind),
            allowed=allowed,
            window=DAY,
            now=now,
            refusal=f"New accounts can post {allowed} {kind}s a day; "
            f"you can {_VERBS[kind]} again in {{wait}}.",
        )
        _check_links(body)
    kinds, setting, what = (
        (("comment",), "COMMONPLACE_SECONDS_BETWEEN_COMMENTS", "comments")
        if kind == "comment"
        else (("question", "answer"), "COMMONPLACE_SECONDS_BETWEEN_POSTS", "posts")
    )
    pause = _setting(setting, 15)
    _check_window(
        _rows(author, *kinds),
        allowed=1,
        window=dt.timedelta(seconds=pause),
        now=now,
        refusal=f"Please wait {pause} seconds between {what}; you can {_VERBS[kind]} again in {{wait}}.",
    )


def _lock_author(author) -> None:
    """Inside the caller's transaction, two writes by one person are checked one after the
    other: otherwise two requests sent at once would both see the other's as not there yet.
    FOR NO KEY UPDATE, as the ledger locks members: it does not block rows that refer to them."""
    if transaction.get_connection().in_atomic_block:
        get_user_model().objects.select_for_update(no_key=True).filter(pk=author.pk).values_list("pk").first()


def _already_posted(author, kind: Kind, submission_token: uuid.UUID) -> bool:
    from forum.models import POST_MODELS

    return POST_MODELS[kind].objects.filter(author=author, submission_token=submission_token).exists()


def _rows(author, *kinds: Kind) -> list:
    """The author's posts of these kinds, deleted ones included, as the limits count them."""
    from forum.models import POST_MODELS

    return [POST_MODELS[kind].objects.filter(author=author) for kind in kinds]


def _check_links(body: str, *, before: str | None = None) -> None:
    """A new account's post or comment has at most so many links; an edit may not bring a post
    over that number, nor add links to one that already is (someone else's, say)."""
    allowed = _setting("COMMONPLACE_NEW_LINKS_PER_POST", 2)
    found = count_links(body)
    if found <= allowed or (before is not None and found <= count_links(before)):
        return
    limit = f"New accounts can include at most {allowed} link{'s' if allowed != 1 else ''} per post"
    if before is None:
        raise PostLimited(f"{limit}; this one has {found}.")
    raise PostLimited(f"{limit}; with this edit it would have {found}.")


# --- Edits ------------------------------------------------------------------------------------


def check_edit_allowed(*, editor, before: str, after: str) -> None:
    """Raise PostLimited when this edit (direct, a rollback, or a suggestion) would break a
    limit: a new account's daily edits, the links it would bring the post to, everyone's edits
    in the last hour. Call it inside the edit's transaction, once the edit is known to change
    something; `before` and `after` are the post's Markdown."""
    if not limits_enabled():
        return
    _lock_author(editor)
    now = timezone.now()
    if is_new_account(editor, now=now):
        _check_edits(
            editor, "COMMONPLACE_NEW_EDITS_PER_DAY", 20, DAY, now, "New accounts can make {} edits a day"
        )
        _check_links(after, before=before)
    _check_edits(editor, "COMMONPLACE_EDITS_PER_HOUR", 30, HOUR, now, "You can make {} edits an hour")


def _check_edits(
    editor, setting: str, default: int, window: dt.timedelta, now: dt.datetime, limit: str
) -> None:
    allowed = _setting(setting, default)
    refusal = f"{limit.format(allowed)}; you can edit again in {{wait}}."
    _check_window(_edits(editor), allowed=allowed, window=window, now=now, refusal=refusal)


def _edits(editor) -> list:
    """A member's edits (see the module's docstring): revisions beyond a post's first, and
    suggestions not approved (an approved one is counted by the revision it became)."""
    from forum.models import Revision, SuggestedEdit

    return [
        Revision.objects.filter(editor=editor, number__gt=1),
        SuggestedEdit.objects.filter(editor=editor).exclude(status=SuggestedEdit.Status.APPROVED),
    ]


# --- Counting in a window ---------------------------------------------------------------------


def _check_window(querysets, *, allowed: int, window: dt.timedelta, now: dt.datetime, refusal: str) -> None:
    """Refuse when the rows of `querysets` (each with a `created_at`) already hold `allowed`
    within the last `window`: the oldest of those leaves the window first, and then a new one
    may go. A pause between two writes is the window of one. `refusal` is the message, with
    `{wait}` for how long to wait ("12 seconds", "about 5 hours")."""
    if allowed <= 0 or window <= dt.timedelta(0):
        return
    since = now - window
    recent = sorted(
        (
            at
            for rows in querysets
            for at in rows.filter(created_at__gt=since)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:allowed]
        ),
        reverse=True,
    )[:allowed]
    if len(recent) < allowed:
        return
    seconds = max(math.ceil((recent[-1] + window - now).total_seconds()), 1)
    raise PostLimited(refusal.format(wait=_wait(seconds)), retry_after=seconds)


def _wait(seconds: int) -> str:
    """ "12 seconds", "about 4 minutes", "about 5 hours"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds >= 3600:
        hours = max(round(seconds / 3600), 1)
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"
