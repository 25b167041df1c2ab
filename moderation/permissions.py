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


def can_flag(user, post) -> bool:
    """Signed in, holding the flag privilege, and not the post's author."""
    from reputation.privileges import has_privilege

    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and post.author_id != user.pk
        and has_privilege(user, "flag")
    )


def flag_refusal(user, post) -> str:
    """Why can_flag says no, in words a member understands."""
    from reputation.privileges import threshold

    if not (user and user.is_authenticated and user.is_active):
        return "Log in to flag a post."
    if post.author_id == user.pk:
        return "You can't flag your own post."
    return f"Flagging needs {threshold('flag')} reputation; you have {user.reputation}."
