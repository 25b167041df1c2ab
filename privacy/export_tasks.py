"""Celery tasks for copies of members' data. Thin: they call privacy.export_services.

Registered by PrivacyConfig.ready (Celery's autodiscovery looks for `tasks` modules only)."""

from celery import shared_task

from insights.tasks import PERIODIC
from privacy import export_services

# insights' policy: acks late, redelivered if a worker dies, a few retries on database errors.
# Any other failure is left to the sweep, which tries a pending copy again up to
# export_services.MAX_ATTEMPTS times, then marks it failed and says so.
RELIABLE = PERIODIC


@shared_task(name="privacy.build_export", **RELIABLE)
def build_export(export_id: int) -> str:
    """Build one copy, if it is still pending (a second delivery finds it ready)."""
    return export_services.export_build(export_id=export_id)


@shared_task(name="privacy.sweep_exports", **RELIABLE)
def sweep_exports() -> dict:
    """Delete copies past their 7 days; start again builds left pending (the scheduler)."""
    return export_services.exports_sweep()
