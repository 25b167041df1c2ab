"""The email settings page and the one-click unsubscribe page. Thin: parse, authorise, one service
call, respond."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import email
from notifications.models import DEFAULT_FREQUENCY, Frequency, Kind
from notifications.unsubscribe import BadToken, read_token


class EmailSettingsForm(forms.Form):
    """One select per kind of notification, with its default said in the help text."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=current[kind.value],
                help_text=f"Default: {Frequency(DEFAULT_FREQUENCY[kind]).label}.",
            )


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    form = EmailSettingsForm(request.POST or None, current=email.frequencies_for(request.user))
    if request.method == "POST" and form.is_valid():
        email.email_preferences_set(user=request.user, frequencies=form.cleaned_data)
        messages.success(request, "Your email settings are saved.")
        return redirect("notifications:email_settings")
    return render(request, "notifications/settings.html", {"form": form})


# Mail clients send RFC 8058 one-click unsubscribes as a bare POST, without a CSRF token; the
# signed token in the URL is what authorises it, so this view alone is exempt.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user_id, kinds = read_token(token)
    except BadToken:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    context = {"labels": [Kind(kind).label for kind in kinds], "every_kind": set(kinds) == set(Kind.values)}
    if request.method == "POST":
        email.email_unsubscribe(user=user, kinds=kinds)
        return render(request, "notifications/unsubscribe.html", {**context, "done": True})
    return render(request, "notifications/unsubscribe.html", {**context, "token": token})
