"""The erasure pages: the member's own (/accounts/delete/) and the console's (a community
manager erasing a member). Parse, authorise, call privacy.erasure.account_erase, respond."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import permissions as account_rules
from accounts.models import User
from accounts.selectors import mark_moderators
from privacy.erasure import account_erase
from privacy.erasure_forms import (
    EraseMemberForm,
    EraseOwnAccountForm,
    provider_confirmations,
    recent_provider_login,
)
from privacy.erasure_selectors import erasure_preview


@login_required
@require_http_methods(["GET", "POST"])
def erase(request):
    member = request.user
    refusal = account_rules.refusal(account_rules.allow_erase_account, member, member)
    form = EraseOwnAccountForm(
        request.POST if request.method == "POST" and not refusal else None, request=request
    )
    if form.is_bound and form.is_valid():
        account_erase(member=member, actor=member, delete_posts=form.cleaned_data["delete_posts"])
        logout(request)
        return redirect("privacy:erase_done")
    status = 403 if refusal else 429 if form.rate_limited else 400 if form.is_bound else 200
    context = {"form": form, "refusal": refusal, "preview": None if refusal else erasure_preview(member)}
    if not refusal and not form.uses_password:
        context.update(
            confirmed_with=recent_provider_login(request, member),
            providers=provider_confirmations(request, member),
        )
    return render(request, "privacy/erase.html", context, status=status)


@require_GET
def erase_done(request):
    return render(request, "privacy/erase_done.html")


@login_required
@require_http_methods(["GET", "POST"])
def erase_member(request, username: str):
    mark_moderators([request.user])
    member = get_object_or_404(User, username=username, is_active=True)
    if member.pk == request.user.pk:  # their own account: with their password, on their page
        return redirect("privacy:erase")
    account_rules.allow_erase_account(request.user, member)
    form = EraseMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erased = account_erase(member=member, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"The account is erased: it shows as “{erased.name}” now. {erased.posts_deleted} of its "
                f"posts were deleted and {erased.posts_kept} stay under that name.",
            )
            return redirect("console:members")
    context = {
        "member": member,
        "form": form,
        "preview": erasure_preview(member),
        # The console's layout (console/base.html): its nav, with this page under Members.
        "section": "members",
        "can_manage_roles": request.user.is_community_manager,
    }
    return render(request, "privacy/erase_member.html", context, status=400 if form.is_bound else 200)
