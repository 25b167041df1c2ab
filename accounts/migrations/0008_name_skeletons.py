"""What each member's username and display name look like (UTS #39 skeletons, accounts/lookalikes.py),
so that a new name can be refused when it looks like another member's."""

from django.db import migrations, models

from accounts.lookalikes import skeleton


def fill_skeletons(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for member in User.objects.only("pk", "username", "display_name").iterator(chunk_size=1000):
        member.username_skeleton = skeleton(member.username)
        member.display_name_skeleton = skeleton(member.display_name) if member.display_name else ""
        batch.append(member)
        if len(batch) == 1000:
            User.objects.bulk_update(batch, ["username_skeleton", "display_name_skeleton"])
            batch = []
    User.objects.bulk_update(batch, ["username_skeleton", "display_name_skeleton"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_erased_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="display_name_skeleton",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=600),
        ),
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=600),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop, elidable=True),
    ]
