"""Reads of the copies of members' data. A copy is looked up among its requester's own: anyone
else's is a 404 (privacy.export_permissions.allow_see_export is the rule)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from privacy.models import DataExport

# What a page or the API shows of a copy: never the archive's bytes (only the download reads them).
LISTED = DataExport.objects.defer("archive").select_related("member", "requested_by")


def exports_requested_by(user) -> QuerySet[DataExport]:
    """Every copy `user` asked for (their own and, for a community manager, members'), newest
    first."""
    return LISTED.filter(requested_by=user).order_by("-requested_at", "-pk")


def own_exports(user) -> QuerySet[DataExport]:
    """The copies of their own data a member asked for, newest first."""
    return exports_requested_by(user).filter(member=user)


def exports_of_member_for(member, requester) -> QuerySet[DataExport]:
    """The copies of `member`'s data that `requester` (a community manager) asked for."""
    return exports_requested_by(requester).filter(member=member)


def live_export(*, member, requester) -> DataExport | None:
    """The copy being prepared or ready for this member and requester: one at a time."""
    return exports_requested_by(requester).filter(member=member).live().first()


def export_get(*, user, pk: int, with_archive: bool = False) -> DataExport:
    """One of the copies `user` asked for; anyone else's is a 404, as if it did not exist."""
    rows = DataExport.objects.select_related("member", "requested_by")
    if not with_archive:
        rows = rows.defer("archive")
    requester_id = user.pk if user is not None and user.is_authenticated else None
    return get_object_or_404(rows, pk=pk, requested_by_id=requester_id)
