"""What questions, answers and comments share in the API: the state a post is in, the fields
every post shows, votes, comments and the edit-or-suggest rule of the web's edit page."""

from functools import partial

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import mark_moderators
from api.serializers import AuthorSerializer, FormSerializer, WebUrlField
from forum import permissions, selectors, services
from forum.forms import CommentForm, VoteForm

STATES = ("visible", "deleted", "hidden", "held")


def state_of(post) -> str:
    """Anyone sees visible posts; authors and moderators also see their deleted, flag-hidden or
    held ones (forum.permissions.allow_see_post), and this says which."""
    return permissions.why_not_shown(post) or "visible"


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


def submission_token_field(what: str) -> serializers.UUIDField:
    return serializers.UUIDField(
        required=False,
        help_text=f"Any UUID of yours: sending the same one again returns the first {what} instead "
        "of posting twice (safe retries).",
    )


def created_or_replayed(serializer, what: str) -> dict:
    """The responses of a post made with an optional submission_token: 201, or 200 with the
    first one when the same token comes again (a retry)."""
    replayed = f"The same submission_token again: the first {what}, not a second."
    return {201: serializer, 200: OpenApiResponse(serializer, description=replayed)}


class CommentInput(FormSerializer):
    form_class = CommentForm
    body = serializers.CharField(help_text="2 to 600 characters of Markdown.")
    submission_token = submission_token_field("comment")


# --- Revisions --------------------------------------------------------------------------------


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 is the post as first written.")
    title = serializers.CharField(help_text="Questions only; empty for an answer.")
    body = serializers.CharField(help_text="Markdown source, as of this revision.")
    tags = serializers.SerializerMethodField()
    editor = AuthorSerializer(help_text="Who wrote this revision (a suggested edit's suggester).")
    summary = serializers.CharField(help_text="The editor's summary (may be empty).")
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, revision) -> list[str]:
        """Questions only: the tags as of this revision."""
        return revision.tags.split()


# --- Votes ------------------------------------------------------------------------------------


class VoteInput(FormSerializer):
    form_class = VoteForm
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text="1 up, -1 down, 0 take the vote back.")


class VoteSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="Your vote now: 1, -1, or 0 (none).")
    score = serializers.IntegerField(help_text="The post's score now.")


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


# --- What questions' and answers' viewsets share ------------------------------------------------


class PostViewSet(viewsets.GenericViewSet):
    """Overridden: `kind` ("question" or "answer"), `serializer_class`, `edit_input` (the edit's
    FormSerializer), `edit_service` (forum.services' edit) and `current_content(post)`."""

    kind = ""
    edit_input = None
    edit_service = None
    lookup_value_converter = "int"
    required_scopes: dict = {}  # set per action where it is not read/write (api/permissions.py)

    def get_post(self, pk):
        """The post as this caller may see it, else 404 (forum.permissions.allow_see_post)."""
        return selectors.post_get(self.kind, int(pk), self.request.user)

    def shown(self, post) -> dict:
        return self.serializer_class(post, context=self.get_serializer_context()).data

    def current_content(self, post) -> dict:
        raise NotImplementedError

    def retrieve(self, request, pk):
        return Response(self.shown(self.get_post(pk)))

    def _edit(self, request, pk, *, partial_edit: bool):
        post = self.get_post(pk)
        data = edit_data(request.data, self.current_content(post), partial_edit=partial_edit)
        content = validated(self.edit_input, data)
        summary = content.pop("summary", "")
        return edit_or_suggest(
            request,
            post,
            edit=partial(self.edit_service, **{self.kind: post}),
            content=content,
            summary=summary,
            refreshed=lambda: self.shown(self.get_post(pk)),
        )

    def update(self, request, pk):
        return self._edit(request, pk, partial_edit=False)

    def partial_update(self, request, pk):
        return self._edit(request, pk, partial_edit=True)

    @action(detail=True, methods=["get", "post"], serializer_class=CommentSerializer)
    def comments(self, request, pk):
        post = self.get_post(pk)
        if request.method == "GET":
            comments = with_roles(self.paginate_queryset(selectors.comments_of(post, request.user)))
            for comment in comments:
                setattr(comment, post.kind, post)  # its link reads the post: no query per comment
            return self.get_paginated_response(self.get_serializer(comments, many=True).data)
        data = validated(CommentInput, request.data)
        comment, created = services.comment_create(
            post=post, author=request.user, body=data["body"], submission_token=data["submission_token"]
        )
        return Response(
            self.get_serializer(comment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["get"], serializer_class=RevisionSerializer)
    def revisions(self, request, pk):
        """The web's revisions page: every revision, newest first (a 404 to whoever may not see
        the post, as there)."""
        history = selectors.revisions_for(self.get_post(pk), request.user).order_by("-number")
        revisions = self.paginate_queryset(history)
        mark_moderators([revision.editor for revision in revisions])
        return self.get_paginated_response(self.get_serializer(revisions, many=True).data)

    @action(detail=True, methods=["post", "delete"], serializer_class=None, pagination_class=None)
    def vote(self, request, pk):
        """POST casts or changes a vote, DELETE takes it back, as the web's vote buttons."""
        post = self.get_post(pk)
        value = 0 if request.method == "DELETE" else validated(VoteInput, request.data)["value"]
        vote = services.vote_cast(voter=request.user, post=post, value=value)
        post.refresh_from_db(fields=["score"])
        return Response(VoteSerializer({"value": vote.value, "score": post.score}).data)


def post_schemas(what: str, *, edit_input, edit_responses) -> dict:
    """The schema of a post viewset's shared operations, worded for `what` ("a question"):
    for `@extend_schema_view(**post_schemas(...))` on the viewset."""
    return {
        "retrieve": extend_schema(summary=f"One {what.split()[-1]}"),
        "update": extend_schema(
            summary=f"Edit {what} (every field)", request=edit_input, responses=edit_responses
        ),
        "partial_update": extend_schema(
            summary=f"Edit {what} (the fields sent)", request=edit_input, responses=edit_responses
        ),
        "comments": [
            extend_schema(
                methods=["get"],
                summary=f"Comments on {what} (oldest first)",
                responses=CommentSerializer(many=True),
            ),
            extend_schema(
                methods=["post"],
                summary=f"Comment on {what}",
                request=CommentInput,
                responses=created_or_replayed(CommentSerializer, "comment"),
            ),
        ],
        "revisions": extend_schema(
            summary=f"Revisions of {what} (newest first)", responses=RevisionSerializer(many=True)
        ),
        "vote": [
            extend_schema(
                methods=["post"],
                summary=f"Vote on {what} (1 up, -1 down, 0 take back)",
                request=VoteInput,
                responses=VoteSerializer,
            ),
            extend_schema(
                methods=["delete"],
                summary=f"Take back your vote on {what}",
                request=None,
                responses={200: VoteSerializer},
            ),
        ],
    }
