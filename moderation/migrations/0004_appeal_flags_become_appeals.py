"""Appeals made before appeals had a review item of their own were "needs a moderator" flags
raised by the member on their own post, with the text "Review of the serial voting reversal,
reputation entry #<id>: <their words>". Each pending one becomes a pending ReversalAppeal (one
per member and reversal: several flags about the same reversal, one per post, merge into one
appeal with every distinct reason kept), and the flag is removed from the flag queue, where a
moderator could only hide or delete the member's post. Handled appeal flags stay as history:
a moderator answered them under the old rules, which had no way to give reputation back, so
the member may appeal that reversal again. A flag whose entry is gone or is no serial-voting
reversal is left in the flag queue for a moderator to read."""

import re

from django.db import migrations

APPEAL_TEXT = re.compile(r"\AReview of the serial voting reversal, reputation entry #(\d+): (.*)\Z", re.S)
SERIAL_VOTING_REASON = "serial voting reversed"  # moderation.serial_voting, as of this migration
TEXT_MAX = 800


def appeal_flags_to_appeals(apps, schema_editor):
    Flag = apps.get_model("moderation", "Flag")
    ReversalAppeal = apps.get_model("moderation", "ReversalAppeal")
    LedgerEntry = apps.get_model("reputation", "LedgerEntry")
    candidates = Flag.objects.filter(status="pending", reason="needs_moderator", text__startswith="Review of")
    found: dict[tuple[int, int], dict] = {}
    for flag in candidates.order_by("created_at", "pk"):
        match = APPEAL_TEXT.match(flag.text)
        if match is None:
            continue
        entry = LedgerEntry.objects.filter(pk=int(match[1]), user_id=flag.flagger_id).first()
        if entry is None or entry.event_id is None or SERIAL_VOTING_REASON not in entry.reason:
            continue
        appeal = found.setdefault(
            (flag.flagger_id, entry.event_id), {"texts": [], "created_at": flag.created_at, "flags": []}
        )
        if match[2].strip() and match[2].strip() not in appeal["texts"]:
            appeal["texts"].append(match[2].strip())
        appeal["flags"].append(flag.pk)
    for (member_id, reversal_id), appeal in found.items():
        if not ReversalAppeal.objects.filter(member_id=member_id, reversal_id=reversal_id).exists():
            ReversalAppeal.objects.create(
                member_id=member_id,
                reversal_id=reversal_id,
                text="\n\n".join(appeal["texts"])[:TEXT_MAX] or "(no reason given)",
                created_at=appeal["created_at"],
            )
        Flag.objects.filter(pk__in=appeal["flags"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_reversal_appeal"),
        ("reputation", "0003_appeal_restored_event_kind"),
    ]

    # Not reversible into flags: the old path is gone, and its flags were only ever a stand-in.
    operations = [migrations.RunPython(appeal_flags_to_appeals, migrations.RunPython.noop)]
