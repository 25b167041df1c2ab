from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from branding.selectors import load
from console.branding_forms import BrandingForm
from console.branding_services import branding_save
from console.permissions import allow_edit_branding


@login_required
def branding(request):
    allow_edit_branding(request.user)
    saved = load()  # from the database, not the cache: the form edits what is really there
    form = BrandingForm(request.POST or None, request.FILES or None, brand=saved)
    if request.method == "POST" and form.is_valid():
        _, changed = branding_save(by=request.user, **form.service_values())
        if changed:
            messages.success(
                request, "The branding is saved. Every page and every email uses it from now on."
            )
        else:
            messages.info(request, "Nothing had changed, so nothing was saved.")
        return redirect("console:branding")
    context = {"section": "branding", "form": form, "saved": saved}
    return render(request, "console/branding.html", context, status=400 if form.errors else 200)
