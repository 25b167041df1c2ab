from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_moderator)


def moderator_required(view):
    """Moderators only: anonymous visitors are sent to log in, members get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            raise PermissionDenied("Only moderators can do this.")
        return view(request, *args, **kwargs)

    return wrapper
