from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reputation", "0004_event_sent_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reputationevent",
            index=models.Index(
                condition=models.Q(("applied_at__isnull", True)), fields=["id"], name="repevent_pending_id"
            ),
        ),
    ]
