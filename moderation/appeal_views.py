"""The member-facing appeal of a serial voting reversal (listed in urls.MEMBER_URL_NAMES).

A member whose reputation a serial voting reversal took back asks a moderator to review it: the
request becomes a review item of its own (moderation/appeals.py), decided in the review queue.
Only the entry's owner may appeal it, once per reversal; afterwards this page shows where the
appeal stands and, once decided, the outcome and the moderator's note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from moderation import appeals, permissions
from moderation.forms import AppealForm
from reputation.models import LedgerEntry


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request, entry_id: int):
    entry = get_object_or_404(LedgerEntry.objects.select_related("user", "reverses"), pk=entry_id)
    if not appeals.is_appealable(entry):
        raise Http404("This entry is not a serial voting reversal.")
    permissions.allow_appeal(request.user, entry)
    existing = appeals.appeal_of(entry)
    form = AppealForm(request.POST or None) if existing is None else None
    if request.method == "POST":
        if existing is not None:  # asked already (or decided): say so, change nothing
            messages.info(request, appeals.refusal(request.user, entry, existing))
            return redirect(request.path)
        if form.is_valid():
            text = form.cleaned_data["text"]
            _, created = appeals.appeal_create(entry=entry, member=request.user, text=text)
            if created:
                messages.success(request, "Your request is sent. A moderator will review it.")
            return redirect(request.path)
    lines = appeals.reversal_lines(member_id=entry.user_id, reversal_id=entry.event_id).select_related(
        "reverses", "question", "answer__question", "reversed_by"
    )
    context = {
        "entry": entry,
        "form": form,
        "appeal": existing,
        "lines": list(lines),
        "refusal": appeals.refusal(request.user, entry, existing) if existing else "",
    }
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "moderation/appeal.html", context, status=status)
