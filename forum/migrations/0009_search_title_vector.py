"""A second, small full-text vector on PostgreSQL: the title and keywords (tags) alone, under
its own GIN index, so a search can take the newest questions whose title matches as
candidates without reading every match (see forum/search.py, "Bounded candidates"). SQLite's
FTS5 table needs nothing: a column filter does the same there.
"""

from django.db import migrations

TITLE_VECTOR = """
    ALTER TABLE forum_search_document ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title) || to_tsvector('english'::regconfig, keywords)
    ) STORED
"""
INDEX = "CREATE INDEX forum_search_document_title_vector ON forum_search_document USING gin (title_vector)"


def add_title_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TITLE_VECTOR)
        schema_editor.execute(INDEX)


def remove_title_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE forum_search_document DROP COLUMN title_vector")


class Migration(migrations.Migration):
    dependencies = [("forum", "0008_search_keywords")]

    operations = [migrations.RunPython(add_title_vector, remove_title_vector)]
