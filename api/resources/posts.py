"""What questions, answers and comments share in the API: the state a post is in, and the
fields every post shows."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import AuthorSerializer, WebUrlField

STATES = ("visible", "deleted", "hidden", "held")


def state_of(post) -> str:
    """Anyone sees visible posts; authors and moderators also see their deleted, flag-hidden or
    held ones (forum.permissions.allow_see_post), and this says which."""
    if post.deleted_at is not None:
        return "deleted"
    if post.hidden_at is not None:
        return "hidden"
    if post.held_at is not None:
        return "held"
    return "visible"


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="Markdown source.")
    body_html = serializers.CharField(read_only=True, help_text="Rendered and sanitised HTML.")
    author = AuthorSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    state = serializers.SerializerMethodField()
    url = WebUrlField()

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, post) -> str:
        return state_of(post)
