"""The full-text search document table (see forum/search.py), one kind per database.

No model goes with it, so this migration changes no model state. The DDL is spelled out here
rather than imported, so later changes to forum/search.py cannot change what this migration
creates. Existing questions are indexed by migration 0008, which gives the table its current
columns (the current indexing code writes those).
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE TABLE forum_search_document (
        question_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        answers text NOT NULL DEFAULT '',
        vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, body), 'B')
            || setweight(to_tsvector('english'::regconfig, answers), 'C')
        ) STORED
    )
    """,
    "CREATE INDEX forum_search_document_vector ON forum_search_document USING gin (vector)",
]
SQLITE = [
    """
    CREATE VIRTUAL TABLE forum_search_document USING fts5(
        title, body, answers, tokenize = 'porter unicode61 remove_diacritics 0'
    )
    """,
]


def create_search_document(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for statement in statements:
        schema_editor.execute(statement)


def drop_search_document(apps, schema_editor):
    if schema_editor.connection.vendor in {"postgresql", "sqlite"}:
        schema_editor.execute("DROP TABLE IF EXISTS forum_search_document")


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [migrations.RunPython(create_search_document, drop_search_document)]
