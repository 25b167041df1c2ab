from django.db import migrations

COMMUNITY_MANAGERS_GROUP = "Community managers"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=COMMUNITY_MANAGERS_GROUP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_reputation")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
