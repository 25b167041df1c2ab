"""The member-facing appeal of a serial voting reversal (listed in urls.MEMBER_URL_NAMES).

A member whose reputation a serial voting reversal took back asks a moderator to review it. The
request becomes a "needs a moderator" flag on the post the votes were on, so it lands in the
same queue as every other flag. Only the entry's owner may appeal it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from moderation import permissions, serial_voting
from reputation.models import LedgerEntry


class AppealForm(forms.Form):
    text = forms.CharField(
        label="What should the moderator know?",
        max_length=800,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, why these votes came from someone who genuinely found your posts useful.",
        error_messages={"required": "Tell the moderator why the votes were genuine."},
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request, entry_id: int):
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("user", "reverses", "answer__question", "question"), pk=entry_id
    )
    if not serial_voting.is_appealable(entry):
        raise Http404("This entry is not a serial voting reversal.")
    permissions.allow_appeal(request.user, entry)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, created = serial_voting.appeal_create(
            entry=entry, member=request.user, text=form.cleaned_data["text"]
        )
        if created:
            messages.success(request, "Your request is sent. A moderator will review it.")
        else:
            messages.info(
                request,
                "You have already flagged this post, so nothing new was sent: "
                "a moderator will see your earlier flag.",
            )
        ledger_url = reverse("reputation:user_ledger", args=[request.user.username])
        return redirect(f"{ledger_url}?entry={entry.pk}#entry-{entry.pk}")
    status = 400 if form.is_bound else 200
    return render(request, "moderation/appeal.html", {"entry": entry, "form": form}, status=status)
