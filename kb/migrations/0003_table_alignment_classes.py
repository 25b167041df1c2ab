"""Table alignment in stored HTML becomes a class: the Content-Security-Policy allows no style
attribute (forum/markdown.py)."""

from django.db import migrations

from forum.markdown import alignment_migration


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_document")]

    operations = [
        alignment_migration(
            ("kb", "Article", "body_html"),
        )
    ]
