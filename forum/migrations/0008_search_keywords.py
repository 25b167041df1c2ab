"""Tags and hyphenated words written as one in the search documents (see forum/search.py).

Adds the ``keywords`` and ``variants`` texts to ``forum_search_document`` and indexes every
question again. As in 0002, no model goes with the table and the DDL is spelled out here; the
reindex uses the current indexing code (the rebuild command does the same at any time).
"""

from django.db import migrations

VECTOR = """
    vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, keywords), 'A')
        || setweight(to_tsvector('english'::regconfig, body), 'B')
        || setweight(to_tsvector('english'::regconfig, variants), 'B')
        || setweight(to_tsvector('english'::regconfig, answers), 'C')
    ) STORED
"""
OLD_VECTOR = """
    vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, body), 'B')
        || setweight(to_tsvector('english'::regconfig, answers), 'C')
    ) STORED
"""
GIN = "CREATE INDEX forum_search_document_vector ON forum_search_document USING gin (vector)"

FORWARD = {
    "postgresql": [
        "ALTER TABLE forum_search_document DROP COLUMN vector",
        "ALTER TABLE forum_search_document ADD COLUMN keywords text NOT NULL DEFAULT ''",
        "ALTER TABLE forum_search_document ADD COLUMN variants text NOT NULL DEFAULT ''",
        f"ALTER TABLE forum_search_document ADD COLUMN {VECTOR}",
        GIN,
    ],
    "sqlite": [
        "DROP TABLE forum_search_document",
        """CREATE VIRTUAL TABLE forum_search_document USING fts5(
            title, body, answers, keywords, variants, tokenize = 'porter unicode61 remove_diacritics 0'
        )""",
    ],
}
BACKWARD = {
    "postgresql": [
        "ALTER TABLE forum_search_document DROP COLUMN vector",
        "ALTER TABLE forum_search_document DROP COLUMN keywords",
        "ALTER TABLE forum_search_document DROP COLUMN variants",
        f"ALTER TABLE forum_search_document ADD COLUMN {OLD_VECTOR}",
        GIN,
    ],
    "sqlite": [
        "ALTER TABLE forum_search_document RENAME TO forum_search_document_0008",
        """CREATE VIRTUAL TABLE forum_search_document USING fts5(
            title, body, answers, tokenize = 'porter unicode61 remove_diacritics 0'
        )""",
        """INSERT INTO forum_search_document (rowid, title, body, answers)
           SELECT rowid, title, body, answers FROM forum_search_document_0008""",
        "DROP TABLE forum_search_document_0008",
    ],
}


def add_keywords(apps, schema_editor):
    for statement in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)
    from forum.search import search_rebuild

    search_rebuild(apps)


def remove_keywords(apps, schema_editor):
    for statement in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0007_table_alignment_classes"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_keywords, remove_keywords)]
