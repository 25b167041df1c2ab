"""/api/v1/questions/: the site's question lists (every sort, by tag and status), one question,
asking and editing, and the question's answers, comments and votes. Reads go through
forum.selectors, writes through forum.services, which ask forum.permissions: the same rules,
posting limits and holds for review as the web's pages."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.resources.answers import AnswerInput, AnswerSerializer
from api.resources.moderation import QuestionModeration
from api.resources.posts import (
    PostSerializer,
    PostViewSet,
    SuggestedEditResponse,
    created_or_replayed,
    post_schemas,
    submission_token_field,
    validated,
    with_roles,
)
from api.serializers import FormSerializer
from forum import selectors, services
from forum.forms import QuestionEditForm, QuestionForm
from forum.models import CloseReason


class QuestionListQuery(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[(name, label) for name, (label, _) in selectors.SORTS.items()],
        default=selectors.DEFAULT_SORT,
        help_text="active (latest activity), newest, votes, unanswered and waiting (the two help "
        "queues, longest-waiting first: waiting is the site's Needs help).",
    )
    tag = serializers.SlugField(required=False, help_text="Only questions with this tag (its slug).")
    status = serializers.ChoiceField(
        choices=[(name, label) for name, (label, _) in selectors.STATUSES.items()],
        required=False,
        help_text="Only questions in this state.",
    )


class QuestionSerializer(PostSerializer):
    title = serializers.CharField(read_only=True)
    tags = serializers.SerializerMethodField()
    score = serializers.IntegerField(read_only=True)
    answer_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    view_count = serializers.IntegerField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_activity_at = serializers.DateTimeField(read_only=True)
    accepted_answer_id = serializers.IntegerField(read_only=True, allow_null=True)
    is_solved = serializers.BooleanField(read_only=True)
    is_closed = serializers.BooleanField(read_only=True)
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, read_only=True, allow_blank=True)
    duplicate_of_id = serializers.IntegerField(read_only=True, allow_null=True)
    is_locked = serializers.BooleanField(read_only=True)
    me_too_count = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, question) -> list[str]:
        return sorted(tag.name for tag in question.shown_tags)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_me_too_count(self, question) -> int | None:
        """How many members said "I have this too" (in the help queues' lists, as on the web)."""
        return getattr(question, "me_too_count", None)


class TagsField(serializers.ListField):
    """Tags as a list (["billing", "two-factor"]); a string "billing two-factor" is taken too."""

    child = serializers.CharField()


class QuestionInput(FormSerializer):
    form_class = QuestionForm
    title = serializers.CharField(help_text="15 to 150 characters.")
    body = serializers.CharField(help_text="Markdown, 20 to 30,000 characters.")
    tags = TagsField(help_text="1 to 5 tags.")
    submission_token = submission_token_field("question")


class QuestionEditInput(FormSerializer):
    form_class = QuestionEditForm
    title = serializers.CharField(required=False, help_text="15 to 150 characters.")
    body = serializers.CharField(required=False, help_text="Markdown, 20 to 30,000 characters.")
    tags = TagsField(required=False, help_text="1 to 5 tags.")
    summary = serializers.CharField(required=False, help_text="What you changed and why (optional).")


EDIT_RESPONSES = {
    200: QuestionSerializer,
    202: OpenApiResponse(SuggestedEditResponse, description="Sent for review as a suggested edit."),
}


@extend_schema_view(
    **post_schemas(
        "a question",
        edit_input=QuestionEditInput,
        edit_responses=EDIT_RESPONSES,
    )
)
class QuestionViewSet(QuestionModeration, PostViewSet):
    """Questions as the site shows them to the caller (a deleted or held one is 404 to those who
    may not see it), and what can be done to them, under the web's rules."""

    kind = "question"
    serializer_class = QuestionSerializer
    edit_input = QuestionEditInput
    edit_service = staticmethod(services.question_edit)

    def current_content(self, question) -> dict:
        return {"title": question.title, "body": question.body, "tags": sorted(question.tags.names())}

    @extend_schema(parameters=[QuestionListQuery], summary="List questions")
    def list(self, request):
        query = QuestionListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        questions = selectors.question_list(viewer=request.user, **query.validated_data)
        page = self.paginate_queryset(questions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Ask a question",
        request=QuestionInput,
        responses=created_or_replayed(QuestionSerializer, "question"),
    )
    def create(self, request):
        data = validated(QuestionInput, request.data)
        question, created = services.question_create(
            author=request.user,
            title=data["title"],
            body=data["body"],
            tags=data["tags"],
            submission_token=data["submission_token"],
        )
        return Response(
            self.shown(self.get_post(question.pk)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:question-detail", kwargs={"pk": question.pk})},
        )

    @extend_schema(
        methods=["get"],
        summary="A question's answers (accepted first, then votes)",
        responses=AnswerSerializer(many=True),
    )
    @extend_schema(
        methods=["post"],
        summary="Answer a question",
        request=AnswerInput,
        responses=created_or_replayed(AnswerSerializer, "answer"),
    )
    @action(detail=True, methods=["get", "post"], serializer_class=AnswerSerializer)
    def answers(self, request, pk):
        question = self.get_post(pk)
        if request.method == "GET":
            answers = with_roles(self.paginate_queryset(selectors.answers_of(question, request.user)))
            for answer in answers:
                answer.question = question  # is_accepted without a query each
            return self.get_paginated_response(self.get_serializer(answers, many=True).data)
        data = validated(AnswerInput, request.data)
        answer, created = services.answer_create(
            question=question,
            author=request.user,
            body=data["body"],
            submission_token=data["submission_token"],
        )
        answer = selectors.post_get("answer", answer.pk, request.user)
        return Response(
            self.get_serializer(answer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:answer-detail", kwargs={"pk": answer.pk})},
        )
