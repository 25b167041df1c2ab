"""A copy of a member's data, asked for by the member (or by a community manager for them),
built by a Celery task and kept for 7 days.

The ZIP is kept in the row itself, as the branding logo is: any web server can serve it without
shared media storage (the default storage is a directory on one machine's disk), it is written
in the same transaction that marks the export ready, and deleting the bytes is an UPDATE the
sweep can make atomically with the state."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# How long a finished copy can be downloaded; the sweep deletes its bytes afterwards.
EXPORT_LIFETIME = timedelta(days=7)


class DataExportQuerySet(models.QuerySet):
    def live(self):
        """Pending or ready, not yet past its expiry: the one a requester may have at a time."""
        return self.filter(
            Q(state=DataExport.State.PENDING) | Q(state=DataExport.State.READY, expires_at__gt=timezone.now())
        )


class DataExport(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Could not be prepared"
        EXPIRED = "expired", "Expired and deleted"

    # Whose data it is.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    # Who asked, and the only person who may download it: the member, or a community manager
    # exporting for them from the console or the API.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports_requested"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Tries of the build task; after a few failures the export is marked failed, so a bug or a
    # broken row never blocks the member from asking again.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the last try began: the sweep starts again a try that a lost message or a dead worker
    # left pending.
    started_at = models.DateTimeField(null=True, blank=True)
    archive = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One request at a time per member and requester (the rule, with its sentence, is
            # privacy.permissions; this is the database's guarantee against a double submit).
            models.UniqueConstraint(
                fields=["member", "requested_by"],
                condition=Q(state="pending"),
                name="data_export_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready")
                | Q(archive__isnull=False, ready_at__isnull=False, expires_at__isnull=False),
                name="data_export_ready_has_archive",
            ),
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="data_export_sweep")]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.member_id} for {self.requested_by_id} ({self.state})"

    @property
    def for_someone_else(self) -> bool:
        return self.member_id != self.requested_by_id

    def is_downloadable(self, now=None) -> bool:
        return self.state == self.State.READY and self.expires_at > (now or timezone.now())

    def filename(self) -> str:
        stamp = (self.ready_at or self.requested_at).strftime("%Y%m%d")
        return f"commonplace-data-{self.member.username}-{stamp}.zip"
