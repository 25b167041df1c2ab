"""A member's copy of their data (/accounts/data/): ask for one, follow it, download it. A copy
is only ever shown to whoever asked for it (a community manager's copy of a member's data
included): anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.dateformat import format as format_date
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_http_methods

from privacy import export_permissions, export_selectors, export_services
from privacy.models import DataExport

PAST_SHOWN = 10  # the copies listed on /accounts/data/, newest first


def already_asked(export: DataExport) -> str:
    """What a second request is told: the copy in hand, and where it is."""
    asked = format_date(localtime(export.requested_at), "M j, Y, H:i T")
    whose = f"{export.member.name}'s data" if export.for_someone_else else "your data"
    if export.state == DataExport.State.READY:
        until = format_date(localtime(export.expires_at), "M j, Y")
        state = f"it is ready to download until {until}"
    else:
        state = "it is still being prepared"
    return f"You already asked for a copy of {whose} on {asked}, and {state}: one copy at a time."


@login_required
@require_http_methods(["GET", "POST"])
def data(request):
    user = request.user
    if request.method == "POST":
        export, created = export_services.export_request(member=user, actor=user)
        if created:
            messages.success(
                request, "We are preparing a copy of your data. You will be notified when it is ready."
            )
        else:
            messages.info(request, already_asked(export))
        return redirect("privacy:export_detail", pk=export.pk)
    context = {
        "live": export_selectors.live_export(member=user, requester=user),
        "exports": export_selectors.own_exports(user)[:PAST_SHOWN],
    }
    return render(request, "privacy/export.html", context)


def _detail(request, export: DataExport, *, status: int = 200, refusal: str = ""):
    response = render(
        request, "privacy/export_detail.html", {"export": export, "refusal": refusal}, status=status
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def export_detail(request, pk: int):
    return _detail(request, export_selectors.export_get(user=request.user, pk=pk))


@login_required
@require_GET
def download(request, pk: int):
    export = export_selectors.export_get(user=request.user, pk=pk, with_archive=True)
    try:
        export_permissions.allow_download_export(request.user, export)
    except PermissionDenied as refused:
        # Gone for good (expired and deleted) is 410; not ready yet, or failed, is 409.
        gone = export.state == DataExport.State.EXPIRED or export.state == DataExport.State.READY
        return _detail(request, export, status=410 if gone else 409, refusal=str(refused))
    return archive_response(export)


def archive_response(export: DataExport) -> HttpResponse:
    """The ZIP as a download, never kept by a cache on the way (the API serves it this way too)."""
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    response["Content-Length"] = str(export.size)
    add_never_cache_headers(response)
    return response
