"""/api/v1/data-exports/: copies of members' data, as /accounts/data/ and the console's member
page make them. Ask for a copy of your own data (write scope), follow it and download the ZIP
when it is ready (read scope); community managers ask for a member's copy with the manage
scope, with a reason for the audit log. A copy is only ever seen by whoever asked for it: anyone
else's is a 404. Writes go through privacy.export_services, which asks
privacy.export_permissions, as the web does."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import ApiKey
from api.resources.posts import validated
from api.resources.reading import PagedReads
from api.resources.webhooks import ObjectInput
from api.schema import ErrorSerializer
from api.serializers import AuthorSerializer, absolute
from privacy import export_permissions, export_selectors, export_services
from privacy.export_views import archive_response
from privacy.models import DataExport


class DataExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = AuthorSerializer(help_text="Whose data it is: you, or the member a community manager exported.")
    state = serializers.ChoiceField(
        choices=DataExport.State.choices,
        help_text="pending (being prepared), ready (to download until expires_at), failed (ask again) "
        "or expired (deleted).",
    )
    requested_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the copy is deleted: 7 days after ready_at."
    )
    deleted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the copy was deleted, once expired."
    )
    size = serializers.SerializerMethodField()
    sha256 = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_size(self, export):
        """The ZIP's size in bytes, while it can be downloaded."""
        return export.size if export.is_downloadable() else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sha256(self, export):
        """The ZIP's SHA-256 (hex), to check the download, while it can be downloaded."""
        return export.sha256 if export.is_downloadable() else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, export):
        """The ZIP (read scope), while it can be downloaded; null otherwise."""
        if not export.is_downloadable():
            return None
        return absolute(
            self.context.get("request"), reverse("api:data-export-download", kwargs={"pk": export.pk})
        )

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_web_url(self, export) -> str:
        """Its page on the site (only you can open it)."""
        return absolute(
            self.context.get("request"), reverse("privacy:export_detail", kwargs={"pk": export.pk})
        )


class MemberExportInput(ObjectInput):
    member = serializers.CharField(help_text="The member's username.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (required): the member is told, and it stays in the audit log. Up to 500 characters.",
    )


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ONE_AT_A_TIME = (
    "One copy at a time: while one you asked for is being prepared or ready, asking again answers it, "
    "with 200."
)
REQUESTED = {
    201: DataExportSerializer,
    200: OpenApiResponse(
        DataExportSerializer, description="The copy you already asked for. " + ONE_AT_A_TIME
    ),
}


class DataExportViewSet(PagedReads, viewsets.GenericViewSet):
    """Copies of members' data that you asked for."""

    serializer_class = DataExportSerializer
    lookup_value_converter = "int"
    required_scopes: dict = {}  # per action below: exporting a member's data needs `manage`

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Signed in, before anything is looked up: a visitor is told to log in (401), not 404.
        export_permissions.allow_export_own_data(request.user)

    def answer(self, export: DataExport, **kwargs) -> Response:
        return Response(self.get_serializer(export).data, **kwargs)

    def requested(self, export: DataExport, created: bool) -> Response:
        export = export_selectors.export_get(user=self.request.user, pk=export.pk)
        return self.answer(
            export,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:data-export-detail", kwargs={"pk": export.pk})},
        )

    @extend_schema(summary="The copies of data you asked for (newest first)")
    def list(self, request):
        return self.paged(
            export_selectors.exports_requested_by(request.user), people=lambda export: [export.member]
        )

    @extend_schema(
        summary="Ask for a copy of your data",
        description="A ZIP of everything the site keeps about you (README.txt inside says what), "
        "prepared in the background: follow its state, or wait for the notification. It can be "
        f"downloaded for 7 days, then it is deleted. {ONE_AT_A_TIME}",
        request=None,
        responses=REQUESTED,
    )
    def create(self, request):
        export, created = export_services.export_request(member=request.user, actor=request.user)
        return self.requested(export, created)

    @extend_schema(summary="One copy of data you asked for")
    def retrieve(self, request, pk):
        return self.answer(export_selectors.export_get(user=request.user, pk=int(pk)))

    @extend_schema(
        summary="Download a copy of data you asked for (a ZIP)",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The ZIP."),
            409: _error("Not ready yet (being prepared), or it could not be prepared: ask again."),
            410: _error("Expired, and deleted: ask for a new one."),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def download(self, request, pk):
        export = export_selectors.export_get(user=request.user, pk=int(pk), with_archive=True)
        try:
            export_permissions.allow_download_export(request.user, export)
        except PermissionDenied as refused:
            gone = export.state in (DataExport.State.EXPIRED, DataExport.State.READY)
            raise (Gone if gone else NotReady)(str(refused)) from refused
        return archive_response(export)

    @extend_schema(
        summary="Export a member's data (community managers)",
        description="A copy of the member's data, exactly as they get it themselves, for you alone to "
        "download. Audit-logged with your reason, and the member is told. " + ONE_AT_A_TIME,
        request=MemberExportInput,
        responses=REQUESTED,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="for-member",
        url_name="for-member",
        required_scopes={"POST": ApiKey.Scope.MANAGE},
        pagination_class=None,
    )
    def for_member(self, request):
        export_permissions.allow_export_member_data(request.user)  # community managers, before the body
        data = validated(MemberExportInput, request.data)
        member = get_user_model().objects.filter(username=data["member"], is_active=True).first()
        if member is None:
            raise exceptions.ValidationError({"member": [f"No member is called “{data['member']}”."]})
        export, created = export_services.export_request(
            member=member, actor=request.user, reason=data["reason"]
        )
        return self.requested(export, created)
