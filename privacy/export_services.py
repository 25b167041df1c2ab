"""Writes for copies of members' data: asking for one, building it (the Celery task's work), and
deleting it when its 7 days are over (the sweep). Keyword-only, atomic, idempotent.

Asking records a pending copy and, after commit, queues `privacy.build_export`. Building reads
the member's data outside any lock, then stores the ZIP and marks the copy ready in one
transaction, with the notification that links to it (and its email, after commit). A second
delivery of the task finds the copy ready and does nothing; a lost message or a dead worker is
made good by the sweep, which starts again a try left pending, up to MAX_ATTEMPTS tries."""

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from moderation import audit
from notifications.models import Kind
from notifications.services import notify
from privacy import export_archive, export_permissions, export_selectors
from privacy.models import EXPORT_LIFETIME, DataExport
from queueing import publish

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A copy still pending this long after it was asked for (never started: the message was lost)
# or after its last try began (the worker died) is started again by the sweep.
NEVER_STARTED_AFTER = dt.timedelta(minutes=2)
STALLED_AFTER = dt.timedelta(minutes=15)
AUDIT_ACTION = "data_export.requested"
REASON_REQUIRED = "Say why you are exporting this member's data (it goes in the audit log)."


def enqueue_build(export_id: int) -> None:
    from privacy.export_tasks import build_export

    publish(build_export, (export_id,), what=f"data export {export_id}; the sweep will build it")


@transaction.atomic
def export_request(*, member, actor, reason: str = "") -> tuple[DataExport, bool]:
    """A copy of `member`'s data for `actor` (the member, or a community manager with a reason).
    One at a time: while one is being prepared or ready, that one is returned, with False."""
    export_permissions.allow_request_export(actor, member)
    reason = " ".join((reason or "").split())
    for_someone_else = member.pk != actor.pk
    if for_someone_else and not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    # Two requests at once take turns on the member's row; the second finds the first's copy.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=member.pk).first()
    existing = export_selectors.live_export(member=member, requester=actor)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            export = DataExport.objects.create(member=member, requested_by=actor)
    except IntegrityError:  # data_export_one_pending: another request won the race
        return export_selectors.live_export(member=member, requester=actor), False
    if for_someone_else:
        audit.record(
            moderator=actor, action=AUDIT_ACTION, target=member, reason=reason, after={"export": export.pk}
        )
        notify(
            recipients=[member],
            kind=Kind.ACCOUNT,
            actor=actor,
            text=f"{actor.name}, a community manager, asked for a copy of your data: {reason}",
            url=reverse("privacy:export"),
        )
    transaction.on_commit(lambda: enqueue_build(export.pk))
    return export, True


def _locked_pending(export_id: int) -> DataExport | None:
    export = (
        DataExport.objects.select_for_update()
        .select_related("member", "requested_by")
        .filter(pk=export_id)
        .first()
    )
    return export if export is not None and export.state == DataExport.State.PENDING else None


def export_build(*, export_id: int, now: dt.datetime | None = None) -> str:
    """Build a pending copy: "ready" when stored, "failed" after MAX_ATTEMPTS tries, "" when
    there was nothing to do (ready already, expired, or gone)."""
    with transaction.atomic():
        export = _locked_pending(export_id)
        if export is None:
            return ""
        if export.attempts >= MAX_ATTEMPTS:
            _fail(export)
            return "failed"
        export.attempts += 1
        export.started_at = timezone.now()
        export.save(update_fields=["attempts", "started_at"])
    now = now or timezone.now()
    archive = export_archive.build(member=export.member, requested_by=export.requested_by, now=now)
    with transaction.atomic():
        export = _locked_pending(export_id)
        if export is None:  # another try stored it meanwhile
            return ""
        export.archive = archive.content
        export.size = archive.size
        export.sha256 = archive.sha256
        export.state = DataExport.State.READY
        export.ready_at = now
        export.expires_at = now + EXPORT_LIFETIME
        export.save(update_fields=["archive", "size", "sha256", "state", "ready_at", "expires_at"])
        _tell_requester(export)
    return "ready"


def _tell_requester(export: DataExport) -> None:
    whose = (
        "your data"
        if not export.for_someone_else
        else f"{export.member.name}'s data (@{export.member.username})"
    )
    when = format_date(timezone.localtime(export.expires_at), "M j, Y")
    notify(
        recipients=[export.requested_by_id],
        kind=Kind.DATA_EXPORT,
        actor=None,
        text=f"A copy of {whose} is ready to download until {when}.",
        url=reverse("privacy:export_detail", kwargs={"pk": export.pk}),
    )


def _fail(export: DataExport) -> None:
    export.state = DataExport.State.FAILED
    export.save(update_fields=["state"])
    log.error("Data export %s failed %s times; marked failed.", export.pk, export.attempts)
    notify(
        recipients=[export.requested_by_id],
        kind=Kind.DATA_EXPORT,
        actor=None,
        text="We could not prepare the copy of data you asked for. Please ask again; if it fails "
        "again, tell the community managers.",
        url=reverse("privacy:export_detail", kwargs={"pk": export.pk}),
    )


def exports_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: delete the copies whose 7 days are over (the bytes go; the row stays,
    saying when), and start again the builds a lost message or a dead worker left pending."""
    now = now or timezone.now()
    expired = DataExport.objects.filter(state=DataExport.State.READY, expires_at__lte=now).update(
        state=DataExport.State.EXPIRED, archive=None, deleted_at=now
    )
    stalled = list(
        DataExport.objects.filter(
            Q(started_at__isnull=True, requested_at__lte=now - NEVER_STARTED_AFTER)
            | Q(started_at__lte=now - STALLED_AFTER),
            state=DataExport.State.PENDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for export_id in stalled:
        enqueue_build(export_id)
    return {"expired": expired, "restarted": len(stalled)}
