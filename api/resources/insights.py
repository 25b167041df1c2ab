"""/api/v1/insights/: the figures /insights/ shows (insights.selectors.insights_get, the stored
snapshot the scheduler refreshes), for a period and optionally one tag, with the private
follow-ups still waiting for their outcome after 7 days. Public unless
COMMONPLACE_INSIGHTS_PUBLIC is off; then staff only (insights.permissions.allow_view_insights).
Definitions of every figure: insights/figures.py."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.resources.reading import parsed
from api.serializers import absolute
from forum.selectors import tag_get
from insights import permissions, selectors
from insights.figures import DEFAULT_PERIOD, PERIODS


class InsightsQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=list(PERIODS), default=DEFAULT_PERIOD, help_text="Days back from now: 7, 30, 90 or 365."
    )
    tag = serializers.SlugField(required=False, help_text="Only questions with this tag (its slug).")


class SpreadSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Questions measured.")
    median = serializers.FloatField(allow_null=True, help_text="Seconds; null when nothing was measured.")
    p90 = serializers.FloatField(allow_null=True, help_text="90th percentile, seconds.")


class ShareSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    staff = serializers.IntegerField()
    customers = serializers.IntegerField()
    staff_share = serializers.FloatField(allow_null=True, help_text="0 to 1; null when there were none.")
    customer_share = serializers.FloatField(allow_null=True)


class HelperSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    is_bot = serializers.BooleanField(default=False)
    helpful_answers = serializers.IntegerField()
    accepted_answers = serializers.IntegerField()


class WaitingSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text='Questions in "Needs help" now.')
    median_wait = serializers.FloatField(allow_null=True, help_text="Seconds.")


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday the week starts (UTC).")
    asked = serializers.IntegerField()
    solved = serializers.IntegerField()
    solved_rate = serializers.FloatField(allow_null=True)
    first_answer_median = serializers.FloatField(allow_null=True, help_text="Seconds.")
    answers = serializers.IntegerField()
    staff_answers = serializers.IntegerField()
    customer_answers = serializers.IntegerField()


class OverdueSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    title = serializers.CharField(source="question.title")
    url = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()

    def get_url(self, escalation) -> str:
        """The thread's follow-up notice."""
        return absolute(self.context.get("request"), f"{escalation.question.get_absolute_url()}#follow-up")


class InsightsSerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="Days.")
    tag = serializers.CharField(help_text='The tag\'s slug, or "" for every tag.')
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    computed_at = serializers.DateTimeField(help_text="When these figures were computed (every 10 minutes).")
    asked = serializers.IntegerField(help_text="Questions asked in the period.")
    solved = serializers.IntegerField(help_text="Of those, how many have an accepted answer.")
    solved_rate = serializers.FloatField(allow_null=True)
    first_answer = SpreadSerializer(help_text="Time to first answer.")
    first_helpful = SpreadSerializer(help_text="Time to first helpful answer.")
    answers = ShareSerializer(help_text="Answers posted in the period, by staff and by customers.")
    accepted = ShareSerializer(help_text="Accepted answers among them.")
    top_helpers = HelperSerializer(many=True)
    waiting = WaitingSerializer()
    weekly = WeekSerializer(many=True)
    escalations_overdue = OverdueSerializer(
        many=True, help_text="Private follow-ups without an outcome after 7 days, the longest-waiting first."
    )


class InsightsView(APIView):
    query_serializer = InsightsQuery

    @extend_schema(parameters=[InsightsQuery], responses=InsightsSerializer, summary="Care insights figures")
    def get(self, request):
        permissions.allow_view_insights(request.user)
        query = parsed(InsightsQuery, request)
        slug = query.get("tag", "")
        if slug:
            tag_get(slug)  # an unknown tag is a 404, as on /insights/?tag=
        insights = selectors.insights_get(period=query["period"], tag=slug)
        data = {
            **insights.data,
            "computed_at": insights.computed_at,
            "escalations_overdue": selectors.escalations_overdue(tag=slug),
        }
        return Response(InsightsSerializer(data, context={"request": request}).data)
