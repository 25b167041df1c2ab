"""Moderation through the API, on questions and answers: flags and close votes (members with
the privilege; the write scope), and moderators' own actions (close, reopen, lock, unlock,
restore, deleting someone else's post: the moderate scope, and the account must be a moderator,
which moderation.permissions decides). Every call is moderation's own service, so each action
is audit-logged with its public note exactly as from the thread page."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import ApiKey
from accounts.permissions import allow_api_scope
from api.resources.posts import validated
from api.serializers import FormSerializer
from moderation import closing, flags
from moderation.closing_forms import CloseForm, ReasonForm
from moderation.forms import FlagForm
from moderation.models import FlagReason

MODERATE = {"POST": ApiKey.Scope.MODERATE}


class ReasonInput(FormSerializer):
    form_class = ReasonForm
    reason = serializers.CharField(required=False, help_text="A note for the moderation log (optional).")


class CloseInput(FormSerializer):
    form_class = CloseForm
    reason = serializers.ChoiceField(
        choices=[choice for choice, _ in CloseForm.base_fields["reason"].choices]
    )
    duplicate_of = serializers.CharField(
        required=False, help_text="For a duplicate: the original question's number or link."
    )


class FlagInput(FormSerializer):
    form_class = FlagForm
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    duplicate_of = serializers.CharField(
        required=False, help_text="Only for duplicate: the question's number or link."
    )
    text = serializers.CharField(
        required=False, help_text="Details for moderators (required for needs_moderator)."
    )


class FlaggedSerializer(serializers.Serializer):
    flag_id = serializers.IntegerField()
    reason = serializers.CharField()


class CloseVoteSerializer(serializers.Serializer):
    recorded = serializers.BooleanField(help_text="Your vote was counted (false: you had voted already).")
    acted = serializers.BooleanField(help_text="Your vote closed (or reopened) the question.")
    votes = serializers.IntegerField(help_text="Votes so far.")
    needed = serializers.IntegerField(help_text="Votes that act.")


def _scope_to_delete(request, post) -> None:
    """Deleting your own post is writing; deleting someone else's is moderating."""
    key = request.auth if isinstance(request.auth, ApiKey) else None
    if request.user.is_authenticated and post.author_id != request.user.pk:
        allow_api_scope(key, ApiKey.Scope.MODERATE)


def delete_post(request, post) -> Response:
    _scope_to_delete(request, post)
    closing.post_delete(
        post=post, actor=request.user, reason=validated(ReasonInput, request.data or {})["reason"]
    )
    return Response(status=status.HTTP_204_NO_CONTENT)


def flag_post(request, post) -> Response:
    data = validated(FlagInput, request.data, kind=post.kind)
    flag = flags.flag_create(
        flagger=request.user,
        post=post,
        reason=data["reason"],
        duplicate_of_id=data.get("duplicate_of"),
        text=data["text"],
    )
    return Response(FlaggedSerializer({"flag_id": flag.pk, "reason": flag.reason}).data, status=201)


DELETE_SCHEMA = extend_schema(
    summary="Delete (your own, as the web allows; anyone's with the moderate scope, as a moderator)",
    request=None,
    responses={204: OpenApiResponse(description="Deleted.")},
)
FLAG_SCHEMA = extend_schema(
    summary="Flag for moderators", request=FlagInput, responses={201: FlaggedSerializer}
)


class PostModeration:
    # Mixed into the questions' and answers' viewsets (api.resources.posts.PostViewSet:
    # `get_post`, `shown`); no docstring, which the schema would show as every operation's.

    @DELETE_SCHEMA
    def destroy(self, request, pk):
        return delete_post(request, self.get_post(pk))

    @FLAG_SCHEMA
    @action(detail=True, methods=["post"], serializer_class=None, pagination_class=None)
    def flag(self, request, pk):
        return flag_post(request, self.get_post(pk))

    @extend_schema(summary="Restore a deleted post (moderators)", request=ReasonInput)
    @action(detail=True, methods=["post"], required_scopes=MODERATE, pagination_class=None)
    def restore(self, request, pk):
        reason = validated(ReasonInput, request.data)["reason"]
        closing.post_restore(post=self.get_post(pk), moderator=request.user, reason=reason)
        return Response(self.shown(self.get_post(pk)))


class QuestionModeration(PostModeration):
    def _moderated(self, request, pk, service, **kwargs):
        service(question=self.get_post(pk), moderator=request.user, **kwargs)
        return Response(self.shown(self.get_post(pk)))

    @extend_schema(summary="Close a question (moderators)", request=CloseInput)
    @action(detail=True, methods=["post"], required_scopes=MODERATE, pagination_class=None)
    def close(self, request, pk):
        data = validated(CloseInput, request.data)
        return self._moderated(
            request, pk, closing.question_close, reason=data["reason"], duplicate_of=data["duplicate_of"]
        )

    @extend_schema(summary="Reopen a question (moderators)", request=None)
    @action(detail=True, methods=["post"], required_scopes=MODERATE, pagination_class=None)
    def reopen(self, request, pk):
        return self._moderated(request, pk, closing.question_reopen)

    @extend_schema(summary="Lock a thread (moderators)", request=ReasonInput)
    @action(detail=True, methods=["post"], required_scopes=MODERATE, pagination_class=None)
    def lock(self, request, pk):
        return self._moderated(
            request, pk, closing.question_lock, reason=validated(ReasonInput, request.data)["reason"]
        )

    @extend_schema(summary="Unlock a thread (moderators)", request=ReasonInput)
    @action(detail=True, methods=["post"], required_scopes=MODERATE, pagination_class=None)
    def unlock(self, request, pk):
        return self._moderated(
            request, pk, closing.question_unlock, reason=validated(ReasonInput, request.data)["reason"]
        )

    @extend_schema(
        summary="Vote to close (the close privilege; a moderator's vote acts alone)",
        request=CloseInput,
        responses=CloseVoteSerializer,
    )
    @action(
        detail=True, methods=["post"], url_path="close-vote", serializer_class=None, pagination_class=None
    )
    def close_vote(self, request, pk):
        data = validated(CloseInput, request.data)
        result = closing.question_close_vote(
            question=self.get_post(pk),
            voter=request.user,
            reason=data["reason"],
            duplicate_of=data["duplicate_of"],
        )
        return Response(vote_result(result))

    @extend_schema(
        summary="Vote to reopen (the close privilege)", request=None, responses=CloseVoteSerializer
    )
    @action(
        detail=True, methods=["post"], url_path="reopen-vote", serializer_class=None, pagination_class=None
    )
    def reopen_vote(self, request, pk):
        return Response(
            vote_result(closing.question_reopen_vote(question=self.get_post(pk), voter=request.user))
        )


def vote_result(result) -> dict:
    data = {
        "recorded": result.recorded,
        "acted": result.acted,
        "votes": result.votes,
        "needed": closing.VOTES_NEEDED,
    }
    return CloseVoteSerializer(data).data
