"""Posting limits against spam and floods, the same for everyone.

No role is exempt: staff and moderators post under exactly the rules a customer does, as they
earn reputation under the same rules (see the README). The limits, all in settings:

- **New accounts** (joined under ``COMMONPLACE_NEW_ACCOUNT_AGE_HOURS`` ago, or below
  ``COMMONPLACE_NEW_ACCOUNT_REPUTATION``) may post ``COMMONPLACE_NEW_QUESTIONS_PER_DAY``
  questions and ``COMMONPLACE_NEW_ANSWERS_PER_DAY`` answers in any 24 hours, with at most
  ``COMMONPLACE_NEW_LINKS_PER_POST`` links in a post. Deleted posts still count: deleting a post
  does not buy another.
- **Everyone** waits ``COMMONPLACE_SECONDS_BETWEEN_POSTS`` between two posts (questions and
  answers together). Comments are not posts here: like Stack Exchange, which throttles them
  separately, they are short replies in a conversation and have their own privilege.

Links are counted in the rendered HTML, so every form Markdown has (``[text](url)``,
``<https://…>``, a bare ``https://…`` or ``www.…``, an image, which renders as a link) counts
once, exactly as readers will see it.

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
from django.db.models import Max
from django.utils import timezone

from forum.markdown import render_markdown

Kind = Literal["question", "answer", "comment"]
DAY = dt.timedelta(hours=24)
_LINK_RE = re.compile(r"<a\s[^>]*\bhref=", re.IGNORECASE)
_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("post_limits_disabled", default=False)


class PostLimited(ValidationError):
    """A post refused by a limit. Views answer it with 429 and the form as it was typed; the API
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


def check_post_allowed(*, author, kind: Kind, body: str, submission_token: uuid.UUID | None = None) -> None:
    """Raise PostLimited with a message a person can act on when this post would break a limit.

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
    new = is_new_account(author, now=now)
    if new and kind in ("question", "answer"):
        _check_daily_cap(author, kind, now)
    if new:
        _check_links(body)
    if kind in ("question", "answer"):
        _check_pause(author, now)


def _lock_author(author) -> None:
    """Inside the caller's transaction, two posts by one person are checked one after the other:
    otherwise two requests sent at once would both see the other's post as not there yet.
    FOR NO KEY UPDATE, as the ledger locks members: it does not block rows that refer to them."""
    if transaction.get_connection().in_atomic_block:
        get_user_model().objects.select_for_update(no_key=True).filter(pk=author.pk).values_list("pk").first()


def _already_posted(author, kind: Kind, submission_token: uuid.UUID) -> bool:
    from forum.models import Answer, Comment, Question

    model = {"question": Question, "answer": Answer, "comment": Comment}[kind]
    return model.objects.filter(author=author, submission_token=submission_token).exists()


def _models():
    from forum.models import Answer, Question

    return Question, Answer


def _check_daily_cap(author, kind: Kind, now: dt.datetime) -> None:
    Question, Answer = _models()
    model, setting, default = (
        (Question, "COMMONPLACE_NEW_QUESTIONS_PER_DAY", 3)
        if kind == "question"
        else (Answer, "COMMONPLACE_NEW_ANSWERS_PER_DAY", 10)
    )
    allowed = _setting(setting, default)
    recent = list(
        model.objects.filter(author=author, created_at__gt=now - DAY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:allowed]
    )
    if len(recent) < allowed:
        return
    # The oldest of the last `allowed` posts leaves the 24-hour window first.
    wait = recent[-1] + DAY - now
    raise PostLimited(
        f"New accounts can post {allowed} {kind}s a day; you can post again in {_about(wait)}.",
        retry_after=max(math.ceil(wait.total_seconds()), 1),
    )


def _check_links(body: str) -> None:
    allowed = _setting("COMMONPLACE_NEW_LINKS_PER_POST", 2)
    found = count_links(body)
    if found > allowed:
        raise PostLimited(
            f"New accounts can include at most {allowed} link{'s' if allowed != 1 else ''} per post; "
            f"this one has {found}."
        )


def _check_pause(author, now: dt.datetime) -> None:
    Question, Answer = _models()
    pause = _setting("COMMONPLACE_SECONDS_BETWEEN_POSTS", 15)
    if pause <= 0:
        return
    latest = [
        model.objects.filter(author=author).aggregate(at=Max("created_at"))["at"]
        for model in (Question, Answer)
    ]
    latest = [at for at in latest if at is not None]
    if not latest:
        return
    left = pause - (now - max(latest)).total_seconds()
    if left > 0:
        raise PostLimited(
            f"Please wait {pause} seconds between posts ({math.ceil(left)} s left).",
            retry_after=math.ceil(left),
        )


def _about(wait: dt.timedelta) -> str:
    seconds = max(wait.total_seconds(), 0)
    if seconds >= 3600:
        hours = max(round(seconds / 3600), 1)
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    minutes = max(math.ceil(seconds / 60), 1)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"
