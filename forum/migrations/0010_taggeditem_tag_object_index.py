"""An index on taggit's tagged items by (tag, object id): a search narrowed to one tag walks that
tag's questions newest first through it (see forum/search.py, "Bounded candidates"), instead
of every tagged question. taggit's own indexes are by object, or by tag alone."""

from django.db import migrations

NAME = "forum_taggeditem_tag_object"


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0009_search_title_vector"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON taggit_taggeditem (tag_id, object_id)",
            f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
