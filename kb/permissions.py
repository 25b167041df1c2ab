"""Who may curate the knowledge base: members with the "curate" privilege, and moderators (who
hold every privilege). Staff status grants nothing here either. The `allow_*` / `can_*` shape is
explained in accounts.permissions."""

from django.core.exceptions import PermissionDenied

from accounts.permissions import allow_participate, allow_post_unreviewed, allow_signed_in, boolean
from accounts.privileges import has_privilege, threshold


def allow_curate(user) -> None:
    allow_signed_in(user, "Log in to curate the knowledge base.")
    allow_participate(user)
    allow_post_unreviewed(user)  # articles are published at once: nothing holds them for review
    if not has_privilege(user, "curate"):
        raise PermissionDenied(
            f"Curating the knowledge base needs {threshold('curate')} reputation; you have {user.reputation}."
        )


can_curate = boolean(allow_curate)
