"""Recording moderator actions. Every moderation service calls `record` in its transaction."""

from moderation.models import ModerationAction


def target_of(post) -> tuple[str, int]:
    return type(post).__name__.lower(), post.pk


def question_of(post):
    from forum.models import Answer, Comment, Question

    if isinstance(post, Question):
        return post
    if isinstance(post, Answer):
        return post.question
    if isinstance(post, Comment):
        return post.question or post.answer.question
    return None


def record(
    *, moderator, action: str, target, reason: str = "", before=None, after=None, public_note: str = ""
) -> ModerationAction:
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
    moderation_action_recorded(action=entry, target=target)  # the post's author hears of it
    return entry
