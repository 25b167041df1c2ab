"""`manage.py devserver`: Django's development server (runserver, with static files) and, when
there is no broker, the periodic jobs' scheduler in a thread beside it (console/scheduler.py).

A command of its own rather than an override of `runserver`, because django.contrib.staticfiles
already overrides that name and comes first in INSTALLED_APPS. `make run` uses it.
"""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from console import scheduler


class Command(RunserverCommand):
    help = (
        "Start the development server and, without REDIS_URL, the scheduler of the periodic jobs "
        "(insights, digests, outbox resend, serial voting, escalation reminders) in a thread."
    )

    def inner_run(self, *args, **options):
        # inner_run is what the autoreloader runs in its child process (or the one process with
        # --noreload), never in the parent that only watches files: so exactly one scheduler per
        # server, and a reload restarts it on the new code. It stops with the process (atexit).
        self.scheduler = scheduler.start_embedded()
        super().inner_run(*args, **options)
