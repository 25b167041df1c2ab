"""Who may ask for a copy of a member's data, and who may open it (the `allow_*` / `can_*` rules
of accounts/permissions.py, for the export; erasure has its own).

A member may always ask for a copy of their own data, suspended or not: it is their right
(GDPR articles 15 and 20), not a part they take in the community, so this rule alone does not
call `allow_participate`. A community manager may ask for a member's copy (a member who wrote
in asking for it, a regulator's request); that is a console action, so a suspended community
manager may not. Whoever asked is the only one who may open the copy: not the member when a
community manager asked, not a moderator, not another community manager."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.permissions import allow_community_manager, allow_participate, allow_signed_in, boolean


def allow_export_own_data(user) -> None:
    allow_signed_in(user, "Log in to ask for a copy of your data.")


can_export_own_data = boolean(allow_export_own_data)


def allow_export_member_data(user, member=None) -> None:
    """A community manager asking for a copy of another member's data (`member`, once known)."""
    allow_signed_in(user, "Log in to export a member's data.")
    allow_participate(user)
    allow_community_manager(user, "Only community managers can export another member's data.")
    if member is not None and not member.is_active:
        raise PermissionDenied(f"{member.name}'s account is closed: there is no member to export.")


can_export_member_data = boolean(allow_export_member_data)


def allow_request_export(user, member) -> None:
    """A copy of `member`'s data, asked for by `user`: their own, or a member's by a community
    manager."""
    if user is not None and user.is_authenticated and member.pk == user.pk:
        allow_export_own_data(user)
    else:
        allow_export_member_data(user, member)


can_request_export = boolean(allow_request_export)


def allow_see_export(user, export) -> None:
    """Only whoever asked for a copy sees it, moderators and other community managers included.
    The doors never say more: they look a copy up among the caller's own
    (privacy.export_selectors.export_get), so anyone else's is a 404 and nobody learns whose
    copies there are."""
    allow_signed_in(user, "Log in to download a copy of your data.")
    if export.requested_by_id != user.pk:
        raise PermissionDenied("Only the person who asked for this copy can open it.")


def expired_sentence(export) -> str:
    when = format_date(timezone.localtime(export.expires_at), "M j, Y, H:i T")
    return f"This copy expired on {when} and was deleted. Ask for a new one."


def allow_download_export(user, export) -> None:
    """The copy is theirs (else 404), ready, and not past its 7 days."""
    allow_see_export(user, export)
    if export.state == export.State.PENDING:
        raise PermissionDenied("This copy is still being prepared: you will be notified when it is ready.")
    if export.state == export.State.FAILED:
        raise PermissionDenied("This copy could not be prepared. Ask for a new one.")
    if not export.is_downloadable():
        raise PermissionDenied(expired_sentence(export))


can_download_export = boolean(allow_download_export)
