"""What erasing an account would take and leave: read by the confirmation pages (the member's
own and the console's) and by the erasure service itself, so the page and the deed agree."""

import copy
from collections import Counter
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from accounts.models import ERASED_DISPLAY_NAME_PREFIX, User
from forum.models import Answer, Comment, Question, Vote
from moderation.permissions import allow_delete


def as_author(member: User) -> User:
    """The member as the rules see an author with no role. A moderator or community manager
    deletes, on their way out, only what any author may delete: their roles would otherwise let
    them take away an accepted answer or a question others helped with, which must stay."""
    author = copy.copy(member)
    author.__dict__.update(is_moderator=False, is_community_manager=False)
    return author


@dataclass(frozen=True)
class OwnPosts:
    """The member's questions and answers not yet deleted, split by the author rules
    (moderation.permissions.allow_delete): those they may delete, and why each other one stays."""

    deletable: list
    kept: list[tuple[object, str]]  # (post, the sentence the rules refuse its deletion with)

    @property
    def kept_reasons(self) -> list[tuple[str, int]]:
        """Each reason a post stays, with how many posts it keeps, the most common first."""
        return Counter(reason for _, reason in self.kept).most_common()

    def count(self, kind: str) -> int:
        return sum(1 for post in self.deletable if post.kind == kind)

    @property
    def deletable_questions(self) -> int:
        return self.count("question")

    @property
    def deletable_answers(self) -> int:
        return self.count("answer")


def own_posts(member: User) -> OwnPosts:
    """Three queries, however much the member posted: their questions with their answers (the
    rule asks whether any helped), and their answers with their questions."""
    author = as_author(member)
    alive = {"author": member, "deleted_at__isnull": True}
    questions = Question.objects.filter(**alive).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("pk"))
    )
    answers = Answer.objects.filter(**alive).select_related("question")
    deletable, kept = [], []
    for post in [*questions.order_by("pk"), *answers.order_by("pk")]:
        thread_answers = list(post.answers.all()) if post.kind == "question" else None
        try:
            allow_delete(author, post, answers=thread_answers)
        except PermissionDenied as refused:
            kept.append((post, str(refused)))
        else:
            deletable.append(post)
    return OwnPosts(deletable=deletable, kept=kept)


@dataclass(frozen=True)
class ErasurePreview:
    """What the confirmation page lists."""

    member: User
    posts: OwnPosts
    comments: int
    votes: int
    emails: int

    @property
    def anonymous_name(self) -> str:
        return f"{ERASED_DISPLAY_NAME_PREFIX}{self.member.pk}"


def erasure_preview(member: User) -> ErasurePreview:
    """Six queries."""
    return ErasurePreview(
        member=member,
        posts=own_posts(member),
        emails=EmailAddress.objects.filter(user=member).count(),
        comments=Comment.objects.filter(author=member, deleted_at__isnull=True).count(),
        votes=Vote.objects.filter(voter=member).exclude(value=Vote.RETRACTED).count(),
    )
