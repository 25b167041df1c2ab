"""The console's "Copy of their data" on a member's page: a community manager asks for a copy
of a member's data (privacy.export_services), with a reason for the audit log; only they can
open it, from the link they are notified with (privacy.export_views)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from console.views import _member, _member_page, console_page
from privacy.export_forms import MemberExportForm
from privacy.export_permissions import allow_export_member_data
from privacy.export_services import export_request
from privacy.export_views import already_asked


@console_page
@require_POST
def member_export(request, username: str):
    member = _member(username)
    allow_export_member_data(request.user, member)  # 403 with the reason, whatever was typed
    form = MemberExportForm(request.POST, prefix="export")
    if form.is_valid():
        try:
            export, created = export_request(
                member=member, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not created:
                messages.info(request, already_asked(export))
                return redirect("privacy:export_detail", pk=export.pk)
            messages.success(
                request,
                f"A copy of {member.name}'s data is being prepared; you will be notified when it is ready. "
                f"{member.name} has been told, with your reason.",
            )
            return redirect("console:member", username=member.username)
    return _member_page(request, member, status=400, export_form=form)
