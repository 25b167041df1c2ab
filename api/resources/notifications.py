"""/api/v1/notifications/: the caller's own inbox (/notifications/), newest first, its unread
count (the bell), and marking one or all read. Reading needs the read scope, marking the write
scope. Someone else's notification is a 404, as on the web."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.resources.reading import PagedReads
from api.serializers import AuthorSerializer, absolute
from notifications import permissions, selectors, services
from notifications.models import Kind


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField(help_text="What happened, as the inbox says it.")
    url = serializers.SerializerMethodField()
    actor = AuthorSerializer(allow_null=True, help_text="Who did it; null for the site itself.")
    question_id = serializers.IntegerField(allow_null=True)
    answer_id = serializers.IntegerField(allow_null=True)
    comment_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True, help_text="Null while unread.")

    def get_url(self, notification) -> str:
        """Where it leads on the site."""
        url = notification.url
        return absolute(self.context.get("request"), url) if url.startswith("/") else url


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField(help_text="Unread notifications: the bell's number.")


class MarkedAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread, and are now read.")
    unread_count = serializers.IntegerField()


class NotificationViewSet(PagedReads, viewsets.GenericViewSet):
    """The caller's own notifications."""

    serializer_class = NotificationSerializer
    lookup_value_converter = "int"

    def mine(self, pk):
        permissions.allow_read_notifications(self.request.user)
        return selectors.notification_get(user=self.request.user, pk=int(pk))

    @extend_schema(summary="Your notifications (newest first)")
    def list(self, request):
        permissions.allow_read_notifications(request.user)
        return self.paged(selectors.inbox(request.user), people=lambda notification: [notification.actor])

    @extend_schema(summary="One of your notifications")
    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.mine(pk)).data)

    @extend_schema(summary="How many of your notifications are unread", responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        permissions.allow_read_notifications(request.user)
        return Response(UnreadCountSerializer({"unread_count": selectors.unread_count(request.user)}).data)

    @extend_schema(summary="Mark one of your notifications read", request=None)
    @action(detail=True, methods=["post"], pagination_class=None)
    def read(self, request, pk):
        notification = self.mine(pk)
        services.notification_mark_read(user=request.user, notification=notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="Mark all your notifications read", request=None, responses=MarkedAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", pagination_class=None)
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        unread = selectors.unread_count(request.user)
        return Response(MarkedAllSerializer({"marked": marked, "unread_count": unread}).data)
