"""The site's public catalogues, read from the code as their pages read them
(reputation.selectors): /api/v1/badges/ (/badges/), /api/v1/privileges/ (/privileges/) and
/api/v1/reputation-rules/ (/reputation/rules/). Each is a few rows, so none is paged."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.resources.members import BadgeSerializer
from reputation import rules, selectors


class BadgeRowSerializer(BadgeSerializer):
    holders = serializers.IntegerField(help_text="Members who hold it.")


class BadgeCatalogue(serializers.Serializer):
    results = BadgeRowSerializer(many=True)


class BadgesView(APIView):
    @extend_schema(summary="Every badge, with what earns it and how many hold it", responses=BadgeCatalogue)
    def get(self, request):
        rows = [{**vars(row.badge), "holders": row.holders} for row in selectors.badge_table()]
        return Response(BadgeCatalogue({"results": rows}).data)


class PrivilegeRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="privilege.code")
    name = serializers.CharField(source="privilege.name")
    description = serializers.CharField(source="privilege.description")
    threshold = serializers.IntegerField(help_text="Reputation needed, in this site's preset.")
    other_presets = serializers.DictField(
        source="others",
        child=serializers.IntegerField(),
        help_text="The same privilege in the other presets.",
    )
    held = serializers.BooleanField(
        allow_null=True, help_text="Whether you hold it; null when not signed in."
    )
    to_go = serializers.IntegerField(
        allow_null=True, help_text="Reputation you still need; null when not signed in."
    )


class PrivilegeCatalogue(serializers.Serializer):
    preset = serializers.CharField(help_text="new or mature (REPUTATION_PRIVILEGE_PRESET).")
    results = PrivilegeRowSerializer(many=True, help_text="Lowest threshold first.")


class PrivilegesView(APIView):
    @extend_schema(
        summary="What reputation lets a member do (moderators hold every privilege; staff none)",
        responses=PrivilegeCatalogue,
    )
    def get(self, request):
        overview = selectors.privileges_overview(request.user)
        signed_in = overview.viewer is not None
        rows = [
            {**vars(row), "held": row.held if signed_in else None, "to_go": row.to_go if signed_in else None}
            for row in overview.rows
        ]
        return Response(PrivilegeCatalogue({"preset": overview.preset, "results": rows}).data)


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.IntegerField()
    label = serializers.CharField()
    explanation = serializers.CharField()
    capped_daily = serializers.BooleanField(help_text="Counts toward the daily cap on reputation from votes.")


class RuleCatalogue(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The rules' version: each ledger line records the one it used."
    )
    daily_cap = serializers.IntegerField(help_text="Most reputation anyone earns from votes in one UTC day.")
    floor = serializers.IntegerField(help_text="Reputation never drops below this.")
    results = RuleSerializer(many=True)


class ReputationRulesView(APIView):
    @extend_schema(
        summary="How reputation is earned and lost (the same rules for everyone)", responses=RuleCatalogue
    )
    def get(self, request):
        data = {
            "version": rules.RULES_VERSION,
            "daily_cap": rules.DAILY_VOTE_CAP,
            "floor": rules.REPUTATION_FLOOR,
            "results": selectors.rule_table(),
        }
        return Response(RuleCatalogue(data).data)
