"""Table alignment in stored HTML becomes a class: the Content-Security-Policy allows no style
attribute (forum/markdown.py)."""

from django.db import migrations

from forum.markdown import alignment_migration


class Migration(migrations.Migration):
    dependencies = [("forum", "0006_question_outcome_at")]

    operations = [
        alignment_migration(
            ("forum", "Question", "body_html"),
            ("forum", "Answer", "body_html"),
            ("forum", "Comment", "body_html"),
        )
    ]
