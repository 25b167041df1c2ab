"""Table alignment in stored HTML becomes a class: the Content-Security-Policy allows no style
attribute (forum/markdown.py)."""

from django.db import migrations

from forum.markdown import alignment_migration


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_escalation_last_reminded_at")]

    operations = [
        alignment_migration(
            ("insights", "Escalation", "outcome_html"),
        )
    ]
