"""/api/v1/users/<username>/: public profiles, as /users/<username>/ shows them (never an
email address), each member's reputation ledger (/users/<username>/reputation/) and their
badges. A closed account is a 404, as on the web."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import can_see_restriction_details, until_phrase
from accounts.selectors import mark_moderators, member_get
from api.resources.reading import PagedReads
from api.serializers import AuthorSerializer, absolute
from forum.markdown import render_markdown
from forum.permissions import can_see_post
from forum.selectors import member_post_counts
from reputation import selectors
from reputation.badges import BY_SLUG

# --- A profile --------------------------------------------------------------------------------


class RestrictionSerializer(serializers.Serializer):
    until = serializers.DateTimeField(allow_null=True, help_text="When it ends; null: indefinitely.")
    phrase = serializers.CharField(
        help_text='As the profile says it: "until Dec 3, 2026, 14:00 UTC" or "indefinitely".'
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why: shown to the member and to moderators only (else null)."
    )


class CountsSerializer(serializers.Serializer):
    questions = serializers.IntegerField(help_text="Their questions you can see.")
    answers = serializers.IntegerField(help_text="Their answers you can see.")
    accepted_answers = serializers.IntegerField(
        help_text="Answers of theirs accepted by someone else's asker."
    )
    people_helped = serializers.IntegerField(
        help_text="Askers helped: each person once, whose question they answered with an answer "
        "that was accepted, voted up, or marked as having also helped."
    )
    badges = serializers.IntegerField()


class ProfileSerializer(AuthorSerializer):
    bio = serializers.CharField(help_text="Markdown source.")
    bio_html = serializers.SerializerMethodField()
    joined = serializers.DateTimeField(source="date_joined")
    counts = serializers.SerializerMethodField()
    suspension = serializers.SerializerMethodField()
    silence = serializers.SerializerMethodField()
    reputation_ledger = serializers.SerializerMethodField()
    badges = serializers.SerializerMethodField()

    def get_bio_html(self, member) -> str:
        """The bio rendered and sanitised like a post, a new line kept as a line break."""
        return render_markdown(member.bio, line_breaks=True) if member.bio else ""

    @extend_schema_field(CountsSerializer)
    def get_counts(self, member) -> dict:
        return CountsSerializer(self.context["counts"]).data

    @staticmethod
    def _restriction(until, current) -> dict:
        phrase = until_phrase(until)
        return {
            "until": None if phrase == "indefinitely" else until,
            "phrase": phrase,
            "reason": current.reason if current is not None else None,
        }

    @extend_schema_field(RestrictionSerializer(allow_null=True))
    def get_suspension(self, member) -> dict | None:
        """Everyone sees that a member is suspended, and until when; why, only they and moderators."""
        if not member.is_suspended:
            return None
        return self._restriction(
            member.suspended_until, member.current_suspension if self.context["details"] else None
        )

    @extend_schema_field(RestrictionSerializer(allow_null=True))
    def get_silence(self, member) -> dict | None:
        """Shown to the member and moderators only: null for everyone else, as on the profile."""
        if not (member.is_silenced and self.context["details"]):
            return None
        return self._restriction(member.silenced_until, member.current_silence)

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_reputation_ledger(self, member) -> str:
        """Every reputation line, in the API."""
        return absolute(self.context.get("request"), reverse("api:member-reputation", args=[member.username]))

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_badges(self, member) -> str:
        """Their badges, in the API."""
        return absolute(self.context.get("request"), reverse("api:member-badges", args=[member.username]))


# --- The ledger ---------------------------------------------------------------------------------


class LedgerPostSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["question", "answer"])
    id = serializers.IntegerField()
    question_id = serializers.IntegerField()
    title = serializers.CharField(help_text="The question's title (for an answer, the question it answers).")
    url = serializers.URLField(help_text="The post on its thread's page.")


class LedgerLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    rule = serializers.CharField(help_text="The rule's code (/api/v1/reputation-rules/).")
    rule_label = serializers.CharField()
    reason = serializers.CharField(
        help_text="Why, when more than the rule says (daily cap, reputation floor, ...)."
    )
    occurred_at = serializers.DateTimeField(help_text="When the fact happened.")


class LedgerEntrySerializer(LedgerLineSerializer):
    post = serializers.SerializerMethodField()
    reverses = serializers.SerializerMethodField()
    reversed_by = serializers.SerializerMethodField()

    @extend_schema_field(LedgerPostSerializer(allow_null=True))
    def get_post(self, entry) -> dict | None:
        """The question or answer the line is about; null when there is none, or when the caller
        may not see it (deleted or held, like its page)."""
        post = entry.post
        request = self.context.get("request")
        if post is None or not can_see_post(getattr(request, "user", None), post):
            return None
        question = post.thread
        return {
            "kind": post.kind,
            "id": post.pk,
            "question_id": question.pk,
            "title": question.title,
            "url": absolute(
                request, post.anchor_url if post.kind == "answer" else question.get_absolute_url()
            ),
        }

    @extend_schema_field(LedgerLineSerializer(allow_null=True))
    def get_reverses(self, entry) -> dict | None:
        """The line this one reverses (a retracted vote, an unaccept, a deleted post, ...)."""
        return LedgerLineSerializer(entry.reverses).data if entry.reverses_id else None

    @extend_schema_field(LedgerLineSerializer(allow_null=True))
    def get_reversed_by(self, entry) -> dict | None:
        """The later line that reversed this one, if any."""
        later = getattr(entry, "reversed_by", None)
        return LedgerLineSerializer(later).data if later is not None else None


# --- Badges -------------------------------------------------------------------------------------


class BadgeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    criteria = serializers.CharField(help_text="What earns it.")


class BadgeAwardSerializer(serializers.Serializer):
    badge = serializers.SerializerMethodField()
    awarded_at = serializers.DateTimeField()

    @extend_schema_field(BadgeSerializer)
    def get_badge(self, award) -> dict:
        return BadgeSerializer(BY_SLUG[award.badge]).data


class MemberViewSet(PagedReads, viewsets.GenericViewSet):
    """Members as their public pages show them."""

    serializer_class = ProfileSerializer
    lookup_field = "username"
    lookup_value_converter = "str"

    @extend_schema(summary="A member's public profile")
    def retrieve(self, request, username):
        member = member_get(username)
        mark_moderators([member])
        summary = selectors.member_summary(member)
        counts = {
            **member_post_counts(member, request.user),
            "accepted_answers": summary.accepted_answers,
            "people_helped": summary.people_helped,
            "badges": len(summary.badges),
        }
        context = {
            **self.get_serializer_context(),
            "counts": counts,
            "details": can_see_restriction_details(request.user, member),
        }
        return Response(ProfileSerializer(member, context=context).data)

    @extend_schema(
        summary="A member's reputation ledger (newest first)", responses=LedgerEntrySerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=LedgerEntrySerializer)
    def reputation(self, request, username):
        return self.paged(selectors.ledger_of(member_get(username)))

    @extend_schema(
        summary="A member's badges (first earned first)", responses=BadgeAwardSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=BadgeAwardSerializer)
    def badges(self, request, username):
        return self.paged(selectors.badge_awards_of(member_get(username)))
