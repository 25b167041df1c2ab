"""/api/v1/comments/<id>/: one comment. Comments are listed and posted under their question or
answer (/api/v1/questions/<id>/comments/, /api/v1/answers/<id>/comments/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from api.resources.posts import CommentSerializer
from forum import selectors


class CommentViewSet(viewsets.GenericViewSet):
    """A comment as the site shows it to the caller."""

    serializer_class = CommentSerializer
    lookup_value_converter = "int"

    @extend_schema(summary="One comment")
    def retrieve(self, request, pk):
        return Response(self.get_serializer(selectors.post_get("comment", int(pk), request.user)).data)
