"""Recording moderator actions. Every moderation service calls `record` in its transaction."""

from moderation.models import ModerationAction


def target_of(target) -> tuple[str, int]:
    """("question", 12), ("user", 4), ("article", 3): the model's name and the row's id."""
    return target._meta.model_name, target.pk


def question_of(target):
    """The thread a post belongs to (posts share `thread`); None for anything else."""
    return getattr(target, "thread", None)


def record(
    *,
    moderator,
    action: str,
    target,
    reason: str = "",
    before=None,
    after=None,
    public_note: str = "",
    tell_author: bool = True,
) -> ModerationAction:
    """`tell_author=False` for an action that tells its author once, itself, rather than once per
    post (removing a spammer deletes every post and sends one notice)."""
    from notifications.triggers import moderation_action_recorded

    target_type, target_id = target_of(target)
    entry = ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        question=question_of(target),
        reason=reason,
        before=before or {},
        after=after or {},
        public_note=public_note,
    )
    if tell_author:
        moderation_action_recorded(action=entry, target=target)  # the post's author hears of it
    return entry
