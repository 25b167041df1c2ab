"""/api/v1/answers/<id>/: one answer, editing it, its comments and votes, and the asker's accept
and "also helped" marks. An answer is posted at /api/v1/questions/<id>/answers/."""

from functools import partial

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.resources.moderation import AnswerModeration
from api.resources.posts import (
    CommentSerializer,
    CommentsMixin,
    PostSerializer,
    SuggestedEditResponse,
    VotesMixin,
    comments_schema,
    edit_data,
    edit_or_suggest,
    validated,
    vote_schema,
)
from api.serializers import FormSerializer
from forum import selectors, services
from forum.forms import AnswerEditForm, AnswerForm


class AnswerSerializer(PostSerializer):
    question_id = serializers.IntegerField(read_only=True)
    score = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_accepted = serializers.BooleanField(read_only=True, help_text="The asker accepted it.")
    is_also_helped = serializers.BooleanField(
        read_only=True, help_text="The asker marked it as having also helped."
    )


class AnswerInput(FormSerializer):
    form_class = AnswerForm
    body = serializers.CharField(help_text="Markdown, 20 to 30,000 characters.")
    submission_token = serializers.UUIDField(
        required=False,
        help_text="Any UUID of yours: sending the same one again returns the first answer instead "
        "of posting twice (safe retries).",
    )


class AnswerEditInput(FormSerializer):
    form_class = AnswerEditForm
    body = serializers.CharField(required=False, help_text="Markdown, 20 to 30,000 characters.")
    summary = serializers.CharField(required=False, help_text="What you changed and why (optional).")


class AcceptedSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(help_text="Whether this answer is now the accepted one.")
    accepted_answer_id = serializers.IntegerField(
        allow_null=True, help_text="The question's accepted answer now."
    )


class AlsoHelpedSerializer(serializers.Serializer):
    also_helped = serializers.BooleanField(
        help_text="Whether the answer is now marked as having also helped."
    )


EDIT_RESPONSES = {
    200: AnswerSerializer,
    202: OpenApiResponse(SuggestedEditResponse, description="Sent for review as a suggested edit."),
}


class AnswerViewSet(AnswerModeration, CommentsMixin, VotesMixin, viewsets.GenericViewSet):
    """Answers as the site shows them to the caller, and what can be done to them, under the
    web's rules."""

    serializer_class = AnswerSerializer
    lookup_value_converter = "int"

    def answer(self, pk):
        """The answer as this caller may see it (and its question), else 404."""
        return selectors.post_get("answer", int(pk), self.request.user)

    def shown(self, answer) -> dict:
        return AnswerSerializer(answer, context=self.get_serializer_context()).data

    @extend_schema(summary="One answer")
    def retrieve(self, request, pk):
        return Response(self.shown(self.answer(pk)))

    def _edit(self, request, pk, *, partial_edit: bool):
        answer = self.answer(pk)
        content = validated(
            AnswerEditInput, edit_data(request.data, {"body": answer.body}, partial_edit=partial_edit)
        )
        summary = content.pop("summary", "")
        return edit_or_suggest(
            request,
            answer,
            edit=partial(services.answer_edit, answer=answer),
            content=content,
            summary=summary,
            refreshed=lambda: self.shown(self.answer(pk)),
        )

    @extend_schema(summary="Edit an answer (every field)", request=AnswerEditInput, responses=EDIT_RESPONSES)
    def update(self, request, pk):
        return self._edit(request, pk, partial_edit=False)

    @extend_schema(
        summary="Edit an answer (the fields sent)", request=AnswerEditInput, responses=EDIT_RESPONSES
    )
    def partial_update(self, request, pk):
        return self._edit(request, pk, partial_edit=True)

    @comments_schema("an answer")
    @action(detail=True, methods=["get", "post"], serializer_class=CommentSerializer)
    def comments(self, request, pk):
        answer = self.answer(pk)
        if request.method == "GET":
            return self.comments_list(request, answer)
        return self.comments_create(request, answer)

    @vote_schema("an answer")
    @action(detail=True, methods=["post", "delete"], serializer_class=None, pagination_class=None)
    def vote(self, request, pk):
        answer = self.answer(pk)
        if request.method == "DELETE":
            return self.vote_retract(request, answer)
        return self.vote_cast(request, answer)

    @extend_schema(
        methods=["post"], summary="Accept an answer (the asker)", request=None, responses=AcceptedSerializer
    )
    @extend_schema(
        methods=["delete"],
        summary="Take the acceptance back (the asker)",
        request=None,
        responses={200: AcceptedSerializer},
    )
    @action(detail=True, methods=["post", "delete"], serializer_class=None, pagination_class=None)
    def accept(self, request, pk):
        answer = self.answer(pk)
        accepted = services.answer_accept_toggle(
            answer=answer, user=request.user, accept=request.method == "POST"
        )
        answer.question.refresh_from_db(fields=["accepted_answer"])
        data = {"accepted": accepted, "accepted_answer_id": answer.question.accepted_answer_id}
        return Response(AcceptedSerializer(data).data)

    @extend_schema(
        methods=["post"],
        summary='Mark an answer as having "also helped" (the asker)',
        request=None,
        responses=AlsoHelpedSerializer,
    )
    @extend_schema(
        methods=["delete"],
        summary='Take the "also helped" mark back',
        request=None,
        responses={200: AlsoHelpedSerializer},
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        url_path="also-helped",
        serializer_class=None,
        pagination_class=None,
    )
    def also_helped(self, request, pk):
        answer = self.answer(pk)
        marked = services.answer_also_helped_toggle(
            answer=answer, user=request.user, mark=request.method == "POST"
        )
        return Response(AlsoHelpedSerializer({"also_helped": marked}).data)
