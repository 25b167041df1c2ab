"""Who hears about what. Each function is called by the service that makes the fact, inside its
transaction, so a notification exists exactly when its fact does.

Nobody is notified about their own action (`notify` drops the actor), and one fact notifies a
person once: someone both watching a question and @mentioned in its new answer gets the answer
notification only.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.text import Truncator

from accounts.models import MODERATING_GROUPS
from accounts.permissions import until_phrase
from accounts.privileges import PRIVILEGES, threshold
from forum.models import ALSO_HELPED_MAX, Answer, Comment, ModeratedPost, Question
from notifications import mentions, selectors
from notifications.models import Kind, Notification, QuestionWatch, TagPreference
from notifications.services import TEXT_MAX, notify, question_watch

TITLE_CHARS = 80


def _title(question: Question, chars: int = TITLE_CHARS) -> str:
    return f"“{Truncator(question.title).chars(chars)}”"


def _is_public(post) -> bool:
    return post.is_visible


def _notify_mentions(
    *, html: str, actor, question: Question, post, already=(), previous_html: str | None = None
) -> list[Notification]:
    """Notify members newly @mentioned in `html` (all of them on create; on edit, those not
    mentioned in `previous_html`), except people this fact already notified."""
    mentioned = mentions.mentioned_user_ids(html, exclude={actor.pk})
    if previous_html is not None:
        before = set(mentions.mentioned_user_ids(previous_html, exclude={actor.pk}))
        mentioned = [pk for pk in mentioned if pk not in before]
    skip = set(already)
    recipients = [pk for pk in mentioned if pk not in skip]
    if not recipients:
        return []
    return notify(
        recipients=recipients,
        kind=Kind.MENTION,
        actor=actor,
        text=f"{actor.name} mentioned you in {_title(question)}",
        url=post.anchor_url,
        **post.with_lineage(),
    )


# --- Questions ------------------------------------------------------------------------------


def question_created(question: Question) -> None:
    """The asker watches their question; once it is public, tag watchers and mentions hear."""
    question_watch(user=question.author, question=question, source=QuestionWatch.Source.ASKED)
    if _is_public(question):
        _announce_question(question)


def _announce_question(question: Question) -> None:
    author = question.author
    mentioned = _notify_mentions(html=question.body_html, actor=author, question=question, post=question)
    tags = list(question.tags.order_by("name").values_list("pk", "name"))
    preferences = TagPreference.objects.filter(tag_id__in=[pk for pk, _ in tags]).values_list(
        "user_id", "tag_id", "mode"
    )
    watched: dict[int, set[int]] = {}
    ignoring: set[int] = set()
    for user_id, tag_id, mode in preferences:
        if mode == TagPreference.Mode.IGNORE:
            ignoring.add(user_id)
        else:
            watched.setdefault(user_id, set()).add(tag_id)
    skip = ignoring | {row.recipient_id for row in mentioned} | {author.pk}
    # One notification per member, naming the first of their watched tags the question carries.
    by_tag: dict[str, list[int]] = {}
    for user_id in sorted(watched.keys() - skip):
        first = next(name for pk, name in tags if pk in watched[user_id])
        by_tag.setdefault(first, []).append(user_id)
    for name, recipients in by_tag.items():
        notify(
            recipients=recipients,
            kind=Kind.TAG_QUESTION,
            actor=author,
            text=f"New question in {name}: {_title(question)}",
            url=question.anchor_url,
            question=question,
        )


def post_edited(*, post, editor, previous_html: str) -> None:
    """Members mentioned by an edit, and not before it, hear about it."""
    if not _is_public(post):
        return
    question = post.thread
    _notify_mentions(
        html=post.body_html, actor=editor, question=question, post=post, previous_html=previous_html
    )


def post_released(post) -> None:
    """A held first post, released by a moderator, is news now, as if it had just been posted."""
    if not _is_public(post):
        return
    announce = {"question": _announce_question, "answer": _announce_answer}
    announce[post.kind](post)


# --- Answers and comments -------------------------------------------------------------------


def answer_created(answer: Answer) -> None:
    """The answerer watches the question; once the answer is public, the asker, the question's
    watchers and anyone it mentions hear."""
    question_watch(user=answer.author, question=answer.question, source=QuestionWatch.Source.ANSWERED)
    if _is_public(answer):
        _announce_answer(answer)


def _announce_answer(answer: Answer) -> None:
    question = answer.question
    author = answer.author
    notified = notify(
        recipients=[question.author_id, *selectors.watcher_ids(question.pk)],
        kind=Kind.ANSWER,
        actor=author,
        text=f"{author.name} answered {_title(question)}",
        url=answer.anchor_url,
        question=question,
        answer=answer,
    )
    _notify_mentions(
        html=answer.body_html,
        actor=author,
        question=question,
        post=answer,
        already={row.recipient_id for row in notified},
    )


def comment_created(comment: Comment) -> None:
    """The commented post's author and the question's watchers hear, and anyone it mentions."""
    post = comment.post
    question = post.thread
    author = comment.author
    on = "an answer to " if post.kind == "answer" else ""
    notified = notify(
        recipients=[post.author_id, *selectors.watcher_ids(question.pk)],
        kind=Kind.COMMENT,
        actor=author,
        text=f"{author.name} commented on {on}{_title(question)}",
        url=comment.anchor_url,
        **comment.with_lineage(),
    )
    _notify_mentions(
        html=comment.body_html,
        actor=author,
        question=question,
        post=comment,
        already={row.recipient_id for row in notified},
    )


def _asker_credited(answer: Answer, actor, text: str) -> None:
    """Tell an answer's author the asker credited it (`text` has {actor} and {question})."""
    question = answer.question
    notify(
        recipients=[answer.author_id],
        kind=Kind.ACCEPTED,
        actor=actor,
        text=text.format(actor=actor.name, question=_title(question)),
        url=answer.anchor_url,
        question=question,
        answer=answer,
    )


def answer_accepted(*, answer: Answer, actor) -> None:
    _asker_credited(answer, actor, "{actor} accepted your answer to {question}")


def answer_also_helped(*, answer: Answer, actor) -> None:
    _asker_credited(answer, actor, "{actor} marked your answer to {question} as having also helped")


# --- Achievements ---------------------------------------------------------------------------


def badge_awarded(*, user_id: int, badge) -> None:
    """`badge` is reputation.badges' Badge (slug, name, criteria), passed in: the ledger sits
    above notifications and tells it, never the other way round."""
    slug = badge.slug
    notify(
        recipients=[user_id],
        kind=Kind.ACHIEVEMENT,
        actor=None,
        text=f"You earned the {badge.name} badge. {badge.criteria}",
        url=f"{reverse('reputation:badges')}#badge-{slug}",
    )


def privileges_earned(*, before: dict[int, int], after: dict[int, int] | None = None) -> None:
    """Called by the ledger in the transaction that moved these members' reputation, with each
    one's total before (and after, when the caller knows it; else it is read). A member who rose
    past a threshold hears once per privilege, ever: a fall and a second rise do not announce it
    again (the notification itself is the record)."""
    if not before:
        return
    User = get_user_model()
    if after is None:
        after = dict(User.objects.filter(pk__in=list(before)).values_list("pk", "reputation"))
    crossed: dict[str, list[int]] = {}
    for privilege in PRIVILEGES:
        needed = threshold(privilege.code)
        risen = [pk for pk, old in before.items() if old < needed <= after.get(pk, old)]
        if risen:
            crossed[privilege.code] = risen
    if not crossed:
        return
    everyone = {pk for risen in crossed.values() for pk in risen}
    # Moderators hold every privilege already; reputation unlocks nothing new for them.
    moderators = set(
        User.groups.through.objects.filter(
            user_id__in=everyone, group__name__in=MODERATING_GROUPS
        ).values_list("user_id", flat=True)
    ) | set(User.objects.filter(pk__in=everyone, is_superuser=True).values_list("pk", flat=True))
    for privilege in PRIVILEGES:
        risen = [pk for pk in crossed.get(privilege.code, []) if pk not in moderators]
        if not risen:
            continue
        url = f"{reverse('reputation:privileges')}#privilege-{privilege.code}"
        told = set(
            Notification.objects.filter(recipient_id__in=risen, kind=Kind.ACHIEVEMENT, url=url).values_list(
                "recipient_id", flat=True
            )
        )
        notify(
            recipients=[pk for pk in risen if pk not in told],
            kind=Kind.ACHIEVEMENT,
            actor=None,
            text=f"New privilege: {privilege.name}. {privilege.description}",
            url=url,
        )


# --- Moderation -----------------------------------------------------------------------------


def moderation_action_recorded(*, action, target) -> None:
    """A moderator's action on someone's post tells its author, with the post's public note.
    Automatic actions (no moderator), actions on one's own post, and actions that changed
    nothing (flags declined on a post left as it was) tell nobody."""
    if action.moderator_id is None or not isinstance(target, ModeratedPost):
        return
    if target.author_id == action.moderator_id:
        return
    if action.before == action.after and not action.public_note:
        return
    question = action.question
    if question is None:
        return
    moderator = action.moderator
    note = action.public_note or f"{action.action} by {moderator.name}"
    where = _title(question) if target.kind == "question" else f"on {_title(question)}"
    notify(
        recipients=[target.author_id],
        kind=Kind.MODERATION,
        actor=moderator,
        text=f"Your {target.kind} {where}: {note}",
        url=target.anchor_url,
        **target.with_lineage(),
    )


# Titles in a merge notification are cut as short as needed (never below the last) for what
# the merge took off to be said in full within a notification's length.
MERGE_TITLE_CHARS = (TITLE_CHARS, 50, 36, 24, 16)


def question_merged(*, source: Question, into: Question, moderator, unaccepted, marks_taken_off) -> set[int]:
    """A merge tells each asker whose marks it took off the page, once, with a link to the
    answer where it now lives: the duplicate's asker that the answer they accepted is on `into`
    now without the accepted mark (its reputation stays), and any asker whose "also helped"
    marks came off because a question keeps at most ALSO_HELPED_MAX. Marks on answers nobody
    can see any more tell nobody. Returns the ids of the members told (never the moderator)."""
    unaccepted = unaccepted if unaccepted is not None and unaccepted.is_visible else None
    marks_by_asker: dict[int, list] = {}
    for mark in marks_taken_off:
        if mark.answer.is_visible:
            marks_by_asker.setdefault(mark.question.author_id, []).append(mark)
    askers = ([source.author_id] if unaccepted else []) + list(marks_by_asker)
    told: set[int] = set()
    for asker_id in dict.fromkeys(askers):
        said, answer = [], None
        if unaccepted and asker_id == source.author_id:
            answer = unaccepted
            why = (
                "that question has its own accepted answer"
                if into.accepted_answer_id
                else "only that question's asker accepts answers there"
            )
            said.append(f"The answer you accepted is there, no longer marked accepted: {why}.")
        marks = marks_by_asker.get(asker_id, [])
        if marks:
            answer = answer or marks[0].answer
            count = f"{len(marks)} of your" if len(marks) > 1 else "One of your"
            said.append(f"{count} “also helped” marks came off: {ALSO_HELPED_MAX} at most per question.")
        whose = "your question " if asker_id == source.author_id else ""
        for chars in MERGE_TITLE_CHARS:
            text = " ".join(
                [f"{moderator.name} merged {whose}{_title(source, chars)} into {_title(into, chars)}.", *said]
            )
            if len(text) <= TEXT_MAX:
                break
        notified = notify(
            recipients=[asker_id],
            kind=Kind.MODERATION,
            actor=moderator,
            text=text,
            url=f"{into.get_absolute_url()}#{answer.anchor}",
            question=into,
            answer=answer,
        )
        told |= {row.recipient_id for row in notified}
    return told


def flags_handled(*, flags, post, moderator, accepted: bool) -> None:
    """Each member whose flag a moderator handled hears the outcome."""
    question = post.thread
    article = "an" if post.kind[0] in "aeiou" else "a"
    if accepted:
        gone = "removed" if post.deleted_at else "hidden"
        outcome = f"a moderator agreed and the post is {gone}. Thank you"
    else:
        outcome = "a moderator reviewed it and left the post as it is"
    # A flagged question that is now hidden or removed has no page left to link to.
    question_gone = post.kind == "question" and not _is_public(post)
    notify(
        recipients=[flag.flagger_id for flag in flags],
        kind=Kind.FLAG_HANDLED,
        actor=moderator,
        text=f"Your flag on {article} {post.kind} in {_title(question)}: {outcome}.",
        url=reverse("forum:question_list") if question_gone else post.anchor_url,
        question=question,
    )


def reversal_appeal_decided(*, member_id: int, moderator, restored: bool, note: str, url: str) -> None:
    """The member who appealed a serial-voting reversal of their reputation hears the decision,
    with the moderator's note (the page at `url` shows all of it)."""
    if restored:
        outcome = "A moderator restored the reputation a serial-voting reversal took back"
    else:
        outcome = "A moderator reviewed your appeal and kept the serial-voting reversal"
    notify(
        recipients=[member_id],
        kind=Kind.MODERATION,
        actor=moderator,
        text=f"{outcome}: “{note}”" if note else f"{outcome}.",
        url=url,
    )


# --- The member's own account ---------------------------------------------------------------

RESTRICTED = {
    "suspend": (
        "suspended",
        "You can still log in and read, but not post, edit, vote, flag or accept answers until then.",
    ),
    "silence": (
        "silenced",
        "Your new questions and answers wait for a moderator, and you can't comment or edit until then.",
    ),
}


def account_restricted(*, restriction, actor) -> None:
    """The member hears at once, and by email (the ACCOUNT kind's default), why and until when.
    The reason comes last: a long one is cut short here, and read whole on the member's profile."""
    state, effect = RESTRICTED[restriction.kind]
    text = f"You are {state} {until_phrase(restriction.ends_at)}. {effect} Why: {restriction.reason}"
    _tell_member(restriction.user, actor, text)


def account_restriction_lifted(*, member, kind: str, actor) -> None:
    state, _ = RESTRICTED[kind]
    _tell_member(member, actor, f"You are no longer {state}: {actor.name} lifted it. Welcome back.")


def role_changed(*, member, role: str, grant: bool, actor, url: str) -> None:
    """`role` is what the role is called ("moderator"), `url` where its pages start. The nav
    remembers roles at login, so a new moderator is told when the links appear."""
    if grant:
        text = (
            f"{actor.name} made you a {role}. Thank you for helping run the community: the "
            "Moderation and Console links appear in your menu from your next login."
        )
    else:
        text = f"{actor.name} took away your {role} role. Thank you for the time you gave."
        url = None
    _tell_member(member, actor, text, url)


def _tell_member(member, actor, text: str, url: str | None = None) -> None:
    """About the member's own account; the link is their profile unless said otherwise."""
    notify(
        recipients=[member.pk],
        kind=Kind.ACCOUNT,
        actor=actor,
        text=text,
        url=url or member.get_absolute_url(),
    )
