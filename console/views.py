from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from console.permissions import allow_open_console


@login_required
def home(request):
    allow_open_console(request.user)
    return render(request, "console/home.html", {"section": "home"})
