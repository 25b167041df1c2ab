"""Threads whose private follow-up already has a public outcome leave the help queues and the
sitemap: copy each outcome's time onto its question (forum's Question.outcome_at), which
insights.services.escalation_resolve sets from now on."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_outcome_times(apps, schema_editor):
    Escalation = apps.get_model("insights", "Escalation")
    Question = apps.get_model("forum", "Question")
    outcome = Escalation.objects.filter(question=OuterRef("pk"), state="resolved").values("outcome_at")[:1]
    Question.objects.filter(outcome_at__isnull=True, escalation__state="resolved").update(
        outcome_at=Subquery(outcome)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("forum", "0006_question_outcome_at"),
    ]

    operations = [migrations.RunPython(copy_outcome_times, migrations.RunPython.noop)]
