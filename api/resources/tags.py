"""/api/v1/tags/: the site's tags with how many questions carry each (most used first, as
/tags/ lists them), and one tag with the link to its questions and, for a signed-in caller,
whether they watch or ignore it (notifications' Watch / Ignore buttons on the tag page)."""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from api.resources.reading import PagedReads, parsed
from api.serializers import absolute
from forum import selectors


class TagListQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Only tags whose name contains this."
    )


class TagSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField(help_text="What `?tag=` takes in question lists and search.")
    question_count = serializers.IntegerField(help_text="Questions carrying the tag, as /tags/ counts them.")
    url = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, tag) -> str:
        """The tag's page on the site."""
        return absolute(self.context.get("request"), reverse("forum:tag_detail", kwargs={"slug": tag.slug}))

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_questions(self, tag) -> str:
        """The tag's questions in the API: /api/v1/questions/?tag=<slug>."""
        path = f"{reverse('api:question-list')}?{urlencode({'tag': tag.slug})}"
        return absolute(self.context.get("request"), path)


class TagDetailSerializer(TagSerializer):
    viewer_mode = serializers.ChoiceField(
        choices=["watch", "ignore"],
        allow_null=True,
        source="viewer_tag_mode",
        default=None,
        help_text="Whether you watch (new questions notify you) or ignore (its questions leave "
        "your lists) this tag; null when neither, or when not signed in.",
    )


class TagViewSet(PagedReads, viewsets.GenericViewSet):
    """Tags as /tags/ shows them."""

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"

    @extend_schema(parameters=[TagListQuery], summary="List tags (most questions first)")
    def list(self, request):
        return self.paged(selectors.tag_list(query=parsed(TagListQuery, request).get("q", "").strip()))

    @extend_schema(summary="One tag", responses=TagDetailSerializer)
    def retrieve(self, request, slug):
        tag = selectors.tag_get(slug, viewer=request.user)
        counted = selectors.tag_list().filter(pk=tag.pk).values_list("question_count", flat=True).first()
        tag.question_count = counted or 0
        return Response(TagDetailSerializer(tag, context=self.get_serializer_context()).data)
