"""/api/v1/answers/<id>/: one answer, editing it, its comments and votes, and the asker's accept
and "also helped" marks. An answer is posted at /api/v1/questions/<id>/answers/."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.resources.moderation import PostModeration
from api.resources.posts import (
    PostSerializer,
    PostViewSet,
    SuggestedEditResponse,
    post_schemas,
    submission_token_field,
)
from api.serializers import FormSerializer
from forum import services
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
    submission_token = submission_token_field("answer")


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


@extend_schema_view(**post_schemas("an answer", edit_input=AnswerEditInput, edit_responses=EDIT_RESPONSES))
class AnswerViewSet(PostModeration, PostViewSet):
    """Answers as the site shows them to the caller, and what can be done to them, under the
    web's rules. An answer is posted at /api/v1/questions/<id>/answers/."""

    kind = "answer"
    serializer_class = AnswerSerializer
    edit_input = AnswerEditInput
    edit_service = staticmethod(services.answer_edit)

    def current_content(self, answer) -> dict:
        return {"body": answer.body}

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
        answer = self.get_post(pk)
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
        answer = self.get_post(pk)
        marked = services.answer_also_helped_toggle(
            answer=answer, user=request.user, mark=request.method == "POST"
        )
        return Response(AlsoHelpedSerializer({"also_helped": marked}).data)
