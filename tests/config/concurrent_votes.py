"""Twenty members vote on one answer at the same moment, each in a thread of its own with its own
database connection, against the database DATABASE_URL names (a file SQLite database in
tests/config/test_sqlite_url.py). Run in a fresh interpreter: `python -m tests.config.concurrent_votes`.
Prints one JSON line: how many votes were cast, the answer's score, and the errors raised."""

import json
import os

import django

VOTERS = 20


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from forum import services
    from forum.models import Answer
    from tests.factories import UserFactory, make_answer, make_question
    from tests.integration.helpers import run_concurrently

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COMMONPLACE_POST_LIMITS_ENABLED = False
    call_command("migrate", verbosity=0)
    answer = make_answer(make_question())
    voters = [UserFactory(reputation=1000) for _ in range(VOTERS)]
    connection.close()

    errors = run_concurrently(
        [lambda voter=voter: services.vote_cast(voter=voter, post=answer, value=1) for voter in voters]
    )
    answer = Answer.objects.get(pk=answer.pk)
    print(json.dumps({"score": answer.score, "errors": [f"{type(e).__name__}: {e}" for e in errors]}))


if __name__ == "__main__":
    main()
