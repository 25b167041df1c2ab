"""The member's data page (/accounts/data/): ask for a copy, see its state, download it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods


@login_required
@require_http_methods(["GET", "POST"])
def data(request):
    return render(request, "privacy/export.html", {})


@login_required
def export_detail(request, pk: int):
    raise Http404


@login_required
def download(request, pk: int):
    raise Http404
