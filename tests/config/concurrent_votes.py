"""Twenty members vote on one answer at the same moment, each in a thread of its own with its own
database connection, against the database DATABASE_URL names (a file SQLite database in
tests/config/test_sqlite_url.py). Run in a fresh interpreter: `python -m tests.config.concurrent_votes`.
Prints one JSON line: how many votes were cast, the answer's score, and the errors raised."""

import json
import os
import threading

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

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COMMONPLACE_POST_LIMITS_ENABLED = False
    call_command("migrate", verbosity=0)
    answer = make_answer(make_question())
    voters = [UserFactory(reputation=1000) for _ in range(VOTERS)]
    connection.close()

    start = threading.Barrier(VOTERS)
    errors: list[str] = []

    def vote(voter) -> None:
        try:
            start.wait()
            services.vote_cast(voter=voter, post=answer, value=1)
        except Exception as exc:  # each failure is what the test reports
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(voter,)) for voter in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answer = Answer.objects.get(pk=answer.pk)
    print(
        json.dumps(
            {"score": answer.score, "errors": errors, "options": settings.DATABASES["default"]["OPTIONS"]}
        )
    )


if __name__ == "__main__":
    main()
