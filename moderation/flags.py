"""Flags: members with the flag privilege bring a post to moderators; moderators accept
(hide or delete the post) or decline. Keyword-only, atomic, like every service."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from forum import visibility
from forum.models import Question
from moderation import audit, permissions, signals
from moderation.models import HIDING_REASONS, Flag, FlagReason, FlagStatus, ModerationAction
from notifications import triggers as notification_triggers

# This many different members flagging a post as spam or abuse hide it at once, pending review.
AUTO_HIDE_FLAGGERS = 3
DEFAULT_FLAGS_PER_DAY = 10
OUTCOMES = ("hide", "delete")

# How a public note names the reason: "removed as spam by Morgan".
REASON_PHRASES = {
    FlagReason.SPAM: "as spam",
    FlagReason.ABUSE: "as rude or abusive",
    FlagReason.OFF_TOPIC: "as off-topic",
    FlagReason.DUPLICATE: "as a duplicate",
    FlagReason.NEEDS_MODERATOR: "",
}
AUTO_HIDDEN_NOTE = "hidden pending moderator review after members flagged it"


def flags_on(post):
    return Flag.objects.filter(**post.as_filter())


def flags_per_day() -> int:
    return int(getattr(settings, "COMMONPLACE_FLAGS_PER_DAY", DEFAULT_FLAGS_PER_DAY))


def _start_of_utc_day():
    return timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _reasons_summary(flags) -> str:
    counts = Counter(flag.reason for flag in flags)
    parts = [f"{FlagReason(reason).label.lower()} \u00d7{n}" for reason, n in counts.most_common()]
    return f"{len(flags)} flag{'s' if len(flags) != 1 else ''}: " + ", ".join(parts)


def _note(verb: str, flags, moderator) -> str:
    """e.g. "removed as spam by Morgan": the most frequent reason names it."""
    main_reason = Counter(flag.reason for flag in flags).most_common(1)[0][0]
    phrase = REASON_PHRASES.get(main_reason, "")
    return " ".join(part for part in (verb, phrase, "by", moderator.name) if part)


# --- Raising a flag -------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, flagger, post, reason: str, duplicate_of_id: int | None = None, text: str = "") -> Flag:
    permissions.allow_flag(flagger, post)
    post = visibility.lock_post(post, with_thread=False)
    permissions.allow_flag(flagger, post)  # again, as the post is now: not deleted or held meanwhile
    # Lock the flagger: two flags sent at once cannot both slip under the daily limit.
    get_user_model().objects.select_for_update().filter(pk=flagger.pk).exists()
    if flags_on(post).filter(flagger=flagger).exists():
        raise ValidationError("You have already flagged this post.", code="already_flagged")
    limit = flags_per_day()
    if Flag.objects.filter(flagger=flagger, created_at__gte=_start_of_utc_day()).count() >= limit:
        raise ValidationError(
            f"You can raise {limit} flags a day and have used them all today. "
            "You can flag again tomorrow (days start at midnight UTC).",
            code="daily_limit",
        )
    if reason not in FlagReason.values:
        raise ValidationError({"reason": "Choose why you are flagging this post."})
    text = (text or "").strip()
    duplicate_of = None
    if reason == FlagReason.DUPLICATE:
        duplicate_of = _duplicate_target(post, duplicate_of_id)
    if reason == FlagReason.NEEDS_MODERATOR and not text:
        raise ValidationError({"text": "Tell moderators what needs their attention."})
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                flagger=flagger,
                **post.as_filter(),
                reason=reason,
                duplicate_of=duplicate_of,
                text=text,
            )
    except IntegrityError as error:  # a double submission raced past the check above
        raise ValidationError("You have already flagged this post.", code="already_flagged") from error
    if reason in HIDING_REASONS:
        _hide_if_flagged_enough(post)
    signals.flag_raised.send(sender=Flag, flag=flag, post=post)
    return flag


def _duplicate_target(post, duplicate_of_id: int | None) -> Question:
    if post.kind != "question":
        raise ValidationError({"reason": "Only a question can be a duplicate of another question."})
    if not duplicate_of_id:
        raise ValidationError(
            {"duplicate_of": "Give the number or the link of the question this one duplicates."}
        )
    if duplicate_of_id == post.pk:
        raise ValidationError({"duplicate_of": "A question can't be a duplicate of itself."})
    target = Question.objects.visible().filter(pk=duplicate_of_id).first()
    if target is None:
        raise ValidationError({"duplicate_of": f"There is no question number {duplicate_of_id}."})
    return target


def _hide_if_flagged_enough(post) -> bool:
    """Hide the post when enough different members have flagged it as spam or abuse."""
    locked = visibility.lock_post(post)
    if locked.hidden_at is not None or locked.deleted_at is not None:
        return False
    hiding = flags_on(post).filter(status=FlagStatus.PENDING, reason__in=HIDING_REASONS)
    flaggers = hiding.values("flagger").distinct().count()
    if flaggers < AUTO_HIDE_FLAGGERS:
        return False
    result = visibility.post_visibility_change(post=locked, change=visibility.Change.HIDE)
    post.hidden_at = result.post.hidden_at
    audit.record(
        moderator=None,
        action="auto_hidden",
        target=result.post,
        reason=f"{flaggers} members flagged it as spam or abuse",
        before=result.before,
        after=result.after,
        public_note=AUTO_HIDDEN_NOTE,
    )
    return True


# --- Handling flags -------------------------------------------------------------------------


def _locked(flag: Flag):
    return visibility.lock_post(flag.post)


def _pending(post) -> list[Flag]:
    pending = list(flags_on(post).select_for_update().filter(status=FlagStatus.PENDING))
    if not pending:
        raise ValidationError("These flags have already been handled.", code="handled")
    return pending


def _close_flags(flags, *, status: str, moderator, outcome: str) -> None:
    Flag.objects.filter(pk__in=[flag.pk for flag in flags]).update(
        status=status, handled_by=moderator, handled_at=timezone.now(), outcome=outcome
    )


@transaction.atomic
def flag_accept(*, flag: Flag, moderator, outcome: str) -> int:
    """Accept every pending flag on the flagged post, hiding or deleting it. Returns how many
    flags were accepted."""
    permissions.allow_handle_flags(moderator)
    if outcome not in OUTCOMES:
        raise ValidationError("Choose whether to hide or to delete the post.")
    post = _locked(flag)
    pending = _pending(post)
    change = visibility.Change.DELETE if outcome == "delete" else visibility.Change.HIDE
    result = visibility.post_visibility_change(post=post, change=change, actor=moderator)
    action, verb = ("deleted", "removed") if outcome == "delete" else ("hidden", "hidden")
    _close_flags(pending, status=FlagStatus.ACCEPTED, moderator=moderator, outcome=action)
    notification_triggers.flags_handled(flags=pending, post=result.post, moderator=moderator, accepted=True)
    audit.record(
        moderator=moderator,
        action=action,
        target=result.post,
        reason=f"Accepted {_reasons_summary(pending)}",
        before=result.before,
        after=result.after,
        public_note=_note(verb, pending, moderator),
    )
    return len(pending)


def _hidden_by_flags(post) -> bool:
    """True when the post is hidden because members flagged it, not by a moderator's choice."""
    if post.hidden_at is None:
        return False
    latest = (
        ModerationAction.objects.filter(
            target_type=post.kind, target_id=post.pk, action__in=["auto_hidden", "hidden"]
        )
        .values_list("action", flat=True)
        .first()
    )
    return latest == "auto_hidden"


@transaction.atomic
def flag_decline(*, flag: Flag, moderator) -> int:
    """Decline every pending flag on the flagged post; a post the flags hid is shown again.
    Returns how many flags were declined."""
    permissions.allow_handle_flags(moderator)
    post = _locked(flag)
    pending = _pending(post)
    before = visibility.state(post)
    unhide = _hidden_by_flags(post)
    if unhide:
        post = visibility.post_visibility_change(
            post=post, change=visibility.Change.SHOW, actor=moderator
        ).post
    _close_flags(pending, status=FlagStatus.DECLINED, moderator=moderator, outcome="declined")
    notification_triggers.flags_handled(flags=pending, post=post, moderator=moderator, accepted=False)
    audit.record(
        moderator=moderator,
        action="flags_declined",
        target=post,
        reason=f"Declined {_reasons_summary(pending)}",
        before=before,
        after=visibility.state(post),
        public_note=f"shown again by {moderator.name} after review" if unhide else "",
    )
    return len(pending)
