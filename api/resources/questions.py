"""/api/v1/questions/: the site's question lists (every sort, by tag and status), one question,
asking and editing. Reads go through forum.selectors, writes through forum.services, which ask
forum.permissions: the same rules, limits and holds as the web's pages."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from api.resources.posts import PostSerializer
from forum import selectors
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
        return sorted(tag.name for tag in question.tags.all())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_me_too_count(self, question) -> int | None:
        """How many members said "I have this too" (in the help queues' lists, as on the web)."""
        return getattr(question, "me_too_count", None)


class QuestionViewSet(viewsets.GenericViewSet):
    serializer_class = QuestionSerializer
    lookup_value_regex = r"[0-9]+"

    @extend_schema(parameters=[QuestionListQuery], summary="List questions")
    def list(self, request):
        query = QuestionListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        questions = selectors.question_list(viewer=request.user, **query.validated_data)
        page = self.paginate_queryset(questions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="One question")
    def retrieve(self, request, pk: int):
        question = selectors.post_get("question", int(pk), request.user)
        return Response(self.get_serializer(question).data)
