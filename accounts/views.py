from allauth.account.views import LoginView as AllauthLoginView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions, services
from accounts.forms import ApiKeyForm, ProfileForm
from accounts.models import ApiKey
from accounts.selectors import api_keys_of, member_get
from accounts.services import profile_update


class LoginView(AllauthLoginView):
    """allauth's sign-in page, answering 429 with Retry-After to a client past its failed
    sign-ins (accounts/adapter.py): the form comes back with what was typed, the sentence saying
    how long to wait, and the link to sign in by email code."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        wait = getattr(self.request, "login_retry_after", None)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


login = LoginView.as_view()


def profile(request, username: str):
    member = member_get(username)
    # The reputation summary comes from reputation's template tag: accounts does not import it.
    return render(request, "accounts/profile.html", {"member": member})


@login_required
def profile_edit(request, username: str):
    member = member_get(username)
    permissions.allow_edit_profile(request.user, member)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        profile_update(user=member, **form.cleaned_data)
        messages.success(request, "Your profile was saved.")
        return redirect(member)
    return render(request, "accounts/profile_edit.html", {"member": member, "form": form})


# --- API keys -------------------------------------------------------------------------------------


def api_keys_response(request, owner, *, template: str, revoke_url, **context):
    """The keys of `owner` and the form for a new one (the member's own page and the console's
    integration account page). A key created by a POST is shown once, on this response only:
    its secret is never stored, so it cannot be shown again."""
    form = ApiKeyForm(request.POST or None, owner=owner)
    new_key, status = None, 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                new_key = services.api_key_create(owner=owner, actor=request.user, **form.key_fields())
            except PermissionDenied as refused:
                form.add_error(None, str(refused))
                status = 403
            else:
                form = ApiKeyForm(owner=owner)
    keys = list(api_keys_of(owner))
    for key in keys:
        key.revoke_url = revoke_url(key)
    refusal = None
    try:
        permissions.allow_create_api_key(request.user, owner, [ApiKey.Scope.READ])
    except PermissionDenied as refused:
        refusal = str(refused)
    context.update(owner=owner, keys=keys, form=form, new_key=new_key, create_refusal=refusal)
    return render(request, template, context, status=status)


def api_key_revoke_response(request, key: ApiKey, back: str):
    if services.api_key_revoke(key=key, actor=request.user):
        messages.success(request, f"The key “{key.name}” ({key.prefix}) is revoked: it no longer works.")
    else:
        messages.info(request, f"The key “{key.name}” ({key.prefix}) was already revoked.")
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    return api_keys_response(
        request,
        request.user,
        template="accounts/api_keys.html",
        revoke_url=lambda key: reverse("accounts:api_key_revoke", args=[key.pk]),
    )


@login_required
@require_POST
def api_key_revoke(request, pk: int):
    key = get_object_or_404(ApiKey.objects.select_related("owner"), pk=pk, owner=request.user)
    return api_key_revoke_response(request, key, reverse("accounts:api_keys"))
