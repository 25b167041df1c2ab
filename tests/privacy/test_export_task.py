"""The build task and the periodic sweep: idempotent, queued after commit, copies deleted after
their 7 days, lost builds started again, and a build that keeps failing given up with a word to
the member."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Kind, Notification
from privacy import export_archive, export_services
from privacy.export_tasks import build_export, sweep_exports
from privacy.models import DataExport
from tests.factories import UserFactory


def ready_export(member, *, days_ago: float = 0) -> DataExport:
    export = DataExport.objects.create(member=member, requested_by=member)
    assert export_services.export_build(export_id=export.pk) == "ready"
    if days_ago:
        at = timezone.now() - dt.timedelta(days=days_ago)
        DataExport.objects.filter(pk=export.pk).update(ready_at=at, expires_at=at + dt.timedelta(days=7))
    export.refresh_from_db()
    return export


def test_asking_queues_the_build_only_after_commit(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export, created = export_services.export_request(member=member, actor=member)
    assert created and len(callbacks) == 1
    assert DataExport.objects.get(pk=export.pk).state == DataExport.State.PENDING  # nothing built yet
    callbacks[0]()
    assert DataExport.objects.get(pk=export.pk).state == DataExport.State.READY


def test_a_second_delivery_of_the_build_writes_nothing_and_notifies_once(member):
    export = ready_export(member)
    assert build_export.delay(export.pk).get() == ""
    export_after = DataExport.objects.get(pk=export.pk)
    assert export_after.sha256 == export.sha256 and export_after.ready_at == export.ready_at
    assert Notification.objects.filter(recipient=member, kind=Kind.DATA_EXPORT).count() == 1


def test_the_sweep_deletes_copies_past_their_seven_days_and_keeps_the_others(db):
    old, fresh = ready_export(UserFactory(), days_ago=7.01), ready_export(UserFactory(), days_ago=6.9)
    assert sweep_exports.delay().get() == {"expired": 1, "restarted": 0}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == DataExport.State.EXPIRED and old.archive is None and old.deleted_at is not None
    assert fresh.state == DataExport.State.READY and fresh.archive is not None
    assert export_services.exports_sweep()["expired"] == 0  # a second run deletes nothing more


def test_the_sweep_is_a_periodic_job(db):
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == sweep_exports.name]
    assert entry["schedule"] <= 600


def test_the_sweep_starts_again_a_build_whose_message_was_lost(member):
    export = DataExport.objects.create(member=member, requested_by=member)  # never queued
    assert export_services.exports_sweep()["restarted"] == 0  # asked a moment ago: give it time
    DataExport.objects.filter(pk=export.pk).update(requested_at=timezone.now() - dt.timedelta(minutes=3))
    assert export_services.exports_sweep()["restarted"] == 1
    assert DataExport.objects.get(pk=export.pk).state == DataExport.State.READY


def test_a_build_that_keeps_failing_is_given_up_and_the_member_told(member):
    export = DataExport.objects.create(member=member, requested_by=member)
    with mock.patch.object(export_archive, "build", side_effect=RuntimeError("a bug")):
        for _ in range(export_services.MAX_ATTEMPTS):
            with pytest.raises(RuntimeError):
                export_services.export_build(export_id=export.pk)
        assert export_services.export_build(export_id=export.pk) == "failed"
    export.refresh_from_db()
    assert export.state == DataExport.State.FAILED and export.attempts == export_services.MAX_ATTEMPTS
    [told] = Notification.objects.filter(recipient=member, kind=Kind.DATA_EXPORT)
    assert "could not prepare" in told.text
    # A failed copy blocks nothing: the member asks again.
    assert export_services.export_request(member=member, actor=member)[1] is True


def test_a_stalled_build_is_tried_again_after_fifteen_minutes(member):
    export = DataExport.objects.create(
        member=member, requested_by=member, attempts=1, started_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert export_services.exports_sweep()["restarted"] == 0
    DataExport.objects.filter(pk=export.pk).update(started_at=timezone.now() - dt.timedelta(minutes=16))
    assert export_services.exports_sweep()["restarted"] == 1
    export.refresh_from_db()
    assert export.state == DataExport.State.READY and export.attempts == 2
