"""Saving the branding from the console: the rule, the write and its audit line, in one
transaction. The write is branding.services' (the branding app is below accounts and moderation,
so the console, which sits above both, asks the rule and records the audit line)."""

from django.db import transaction

from branding.models import Branding
from branding.services import branding_update
from console.permissions import allow_edit_branding
from moderation.audit import record

AUDIT_ACTION = "branding.update"


@transaction.atomic
def branding_save(*, by, **values) -> tuple[Branding, bool]:
    """Save the branding as `by` (a community manager); returns the row and whether anything
    changed. Every change is one audit-log line with the values before and after; a save that
    changed nothing writes none."""
    allow_edit_branding(by)
    change = branding_update(by=by, **values)
    if change.changed:
        record(
            moderator=by,
            action=AUDIT_ACTION,
            target=change.branding,
            before=change.before,
            after=change.after,
        )
    return change.branding, change.changed
