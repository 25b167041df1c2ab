"""`user` and `perms` for templates, as django.contrib.auth's context processor gives them but
with the member itself rather than the request's lazy wrapper: a thread page reads the viewer
several hundred times (each permission filter, each `user.` in a template), and every read
through the wrapper costs a proxy call. Every page reads the user anyway (the navigation)."""

from django.contrib.auth.context_processors import PermWrapper

from accounts.selectors import member


def auth(request) -> dict:
    if hasattr(request, "user"):
        user = member(request.user)
    else:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    return {"user": user, "perms": PermWrapper(user)}
