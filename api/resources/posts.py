"""What questions, answers and comments share in the API: the state a post is in, the fields
every post shows, votes, comments and the edit-or-suggest rule of the web's edit page."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.selectors import mark_moderators
from api.serializers import AuthorSerializer, FormSerializer, WebUrlField
from forum import permissions, selectors, services
from forum.forms import CommentForm, VoteForm

STATES = ("visible", "deleted", "hidden", "held")


def state_of(post) -> str:
    """Anyone sees visible posts; authors and moderators also see their deleted, flag-hidden or
    held ones (forum.permissions.allow_see_post), and this says which."""
    if post.deleted_at is not None:
        return "deleted"
    if post.hidden_at is not None:
        return "hidden"
    if post.held_at is not None:
        return "held"
    return "visible"


def with_roles(posts):
    """Settle the authors' moderator flair for a page of posts in one query."""
    posts = list(posts)
    mark_moderators([post.author for post in posts])
    return posts


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="Markdown source.")
    body_html = serializers.CharField(read_only=True, help_text="Rendered and sanitised HTML.")
    author = AuthorSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    state = serializers.SerializerMethodField(
        help_text="visible; or, for its author and moderators, deleted, hidden (by flags, pending "
        "review) or held (a first post or a silenced member's, waiting for a moderator)."
    )
    url = WebUrlField()

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, post) -> str:
        return state_of(post)


# --- Comments ---------------------------------------------------------------------------------


class CommentSerializer(PostSerializer):
    question_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Set on a question's comment."
    )
    answer_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Set on an answer's comment."
    )


class CommentInput(FormSerializer):
    form_class = CommentForm
    body = serializers.CharField(help_text="2 to 600 characters of Markdown.")
    submission_token = serializers.UUIDField(
        required=False,
        help_text="Any UUID of yours: sending the same one again returns the first comment instead "
        "of posting twice (safe retries).",
    )


class CommentsMixin:
    # GET and POST <post>/comments/ for the viewset of questions or answers.

    def comments_list(self, request, post):
        comments = with_roles(self.paginate_queryset(selectors.comments_of(post, request.user)))
        for comment in comments:
            setattr(comment, post.kind, post)  # its link reads the post: no query per comment
        return self.get_paginated_response(
            CommentSerializer(comments, many=True, context={"request": request}).data
        )

    def comments_create(self, request, post):
        data = validated(CommentInput, request.data)
        comment, created = services.comment_create(
            post=post, author=request.user, body=data["body"], submission_token=data["submission_token"]
        )
        return Response(
            CommentSerializer(comment, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Votes ------------------------------------------------------------------------------------


class VoteInput(FormSerializer):
    form_class = VoteForm
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text="1 up, -1 down, 0 take the vote back.")


class VoteSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="Your vote now: 1, -1, or 0 (none).")
    score = serializers.IntegerField(help_text="The post's score now.")


def vote_response(request, post, value: int) -> Response:
    vote = services.vote_cast(voter=request.user, post=post, value=value)
    post.refresh_from_db(fields=["score"])
    return Response(VoteSerializer({"value": vote.value, "score": post.score}).data)


class VotesMixin:
    # POST <post>/vote/ (cast or change) and DELETE (take back), as the web's vote buttons.

    def vote_cast(self, request, post):
        return vote_response(request, post, validated(VoteInput, request.data)["value"])

    def vote_retract(self, request, post):
        return vote_response(request, post, 0)


def vote_schema(what: str):
    """The schema of a post's vote action (POST and DELETE on one address)."""

    def apply(view):
        view = extend_schema(
            methods=["post"],
            summary=f"Vote on {what} (1 up, -1 down, 0 take back)",
            request=VoteInput,
            responses=VoteSerializer,
        )(view)
        return extend_schema(
            methods=["delete"],
            summary=f"Take back your vote on {what}",
            request=None,
            responses={200: VoteSerializer},
        )(view)

    return apply


def comments_schema(what: str):
    """The schema of a post's comments action (GET lists, POST comments)."""

    def apply(view):
        view = extend_schema(
            methods=["get"],
            summary=f"Comments on {what} (oldest first)",
            responses=CommentSerializer(many=True),
        )(view)
        return extend_schema(
            methods=["post"],
            summary=f"Comment on {what}",
            request=CommentInput,
            responses={201: CommentSerializer},
        )(view)

    return apply


# --- Editing: directly, or as a suggestion for review -----------------------------------------


class SuggestedEditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending until a reviewer approves or rejects it.")
    title = serializers.CharField(help_text="Questions only; empty for an answer.")
    body = serializers.CharField()
    tags = serializers.CharField(help_text="Questions only, separated by spaces.")
    summary = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = WebUrlField()


class SuggestedEditResponse(serializers.Serializer):
    suggested_edit = SuggestedEditSerializer(
        help_text="Below the edit privilege, an edit of someone else's post waits for review, as on the web."
    )


def edit_or_suggest(request, post, *, edit, content: dict, summary: str, refreshed):
    """The web's edit page: edit directly where allowed (a new revision), else, below the edit
    privilege on someone else's post, send a suggested edit for review (202); else refuse with
    the rule's sentence."""
    if permissions.can_edit(request.user, post):
        edit(editor=request.user, summary=summary, **content)
        return Response(refreshed())
    if permissions.can_suggest_edit(request.user, post):
        suggestion = services.suggested_edit_create(
            post=post, editor=request.user, summary=summary, **content
        )
        data = SuggestedEditResponse({"suggested_edit": suggestion}, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
    permissions.allow_edit(request.user, post)  # refuses, saying why
    return None  # unreachable: allow_edit refused above


def validated(serializer_class, data, **form_kwargs) -> dict:
    """The request body checked by an input serializer: 400 with per-field messages if not."""
    serializer = serializer_class(data=data, context={"form_kwargs": form_kwargs})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def edit_data(data, current: dict, *, partial_edit: bool):
    """PATCH sends only what changes: the rest is the post as it reads now."""
    if partial_edit and isinstance(data, dict):
        return {**current, **data}
    return data
