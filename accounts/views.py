from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from accounts import permissions
from accounts.forms import ProfileForm
from accounts.models import User
from accounts.services import profile_update


def profile(request, username: str):
    member = get_object_or_404(User, username=username, is_active=True)
    # The reputation summary comes from reputation's template tag: accounts does not import it.
    return render(request, "accounts/profile.html", {"member": member})


@login_required
def profile_edit(request, username: str):
    member = get_object_or_404(User, username=username, is_active=True)
    permissions.allow_edit_profile(request.user, member)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        profile_update(user=member, **form.cleaned_data)
        messages.success(request, "Your profile was saved.")
        return redirect(member)
    return render(request, "accounts/profile_edit.html", {"member": member, "form": form})
