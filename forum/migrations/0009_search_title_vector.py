"""The titles and keywords (tags) indexed on their own, so a search can take the newest
questions whose title matches as candidates without reading every match (see forum/search.py,
"Bounded candidates"): on PostgreSQL a second, small generated tsvector under its own GIN index,
on SQLite a second FTS5 table (a column filter on the main one still reads every match's
positions).
"""

from django.db import migrations

POSTGRESQL = [
    """ALTER TABLE forum_search_document ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title) || to_tsvector('english'::regconfig, keywords)
    ) STORED""",
    "CREATE INDEX forum_search_document_title_vector ON forum_search_document USING gin (title_vector)",
]
SQLITE = [
    """CREATE VIRTUAL TABLE forum_search_title USING fts5(
        title, keywords, tokenize = 'porter unicode61 remove_diacritics 0'
    )""",
    """INSERT INTO forum_search_title (rowid, title, keywords)
       SELECT rowid, title, keywords FROM forum_search_document""",
]
BACKWARD = {
    "postgresql": ["ALTER TABLE forum_search_document DROP COLUMN title_vector"],
    "sqlite": ["DROP TABLE forum_search_title"],
}


def add_title_index(apps, schema_editor):
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def remove_title_index(apps, schema_editor):
    for statement in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("forum", "0008_search_keywords")]

    operations = [migrations.RunPython(add_title_index, remove_title_index)]
