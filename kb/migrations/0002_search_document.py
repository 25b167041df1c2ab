"""The articles' full-text search document table (see kb/search.py), one kind per database.

No model goes with it, so this migration changes no model state. The DDL is spelled out here
rather than imported, so later changes to kb/search.py cannot change what this migration creates.
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE TABLE kb_search_document (
        article_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        summary text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, summary), 'B')
            || setweight(to_tsvector('english'::regconfig, body), 'C')
        ) STORED
    )
    """,
    "CREATE INDEX kb_search_document_vector ON kb_search_document USING gin (vector)",
]
SQLITE = [
    """
    CREATE VIRTUAL TABLE kb_search_document USING fts5(
        title, summary, body, tokenize = 'porter unicode61 remove_diacritics 0'
    )
    """,
]


def create_search_document(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for statement in statements:
        schema_editor.execute(statement)
    from kb.search import search_rebuild

    search_rebuild(apps)


def drop_search_document(apps, schema_editor):
    if schema_editor.connection.vendor in {"postgresql", "sqlite"}:
        schema_editor.execute("DROP TABLE IF EXISTS kb_search_document")


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create_search_document, drop_search_document)]
