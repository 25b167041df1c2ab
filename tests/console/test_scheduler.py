"""The scheduler of the periodic jobs: under `make run` (no broker) a thread of the development
server runs each job when it is due, one scheduler per schedule file, failures logged and not
fatal, and it stops with the server."""

import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.utils import timezone

from config.celery import app as celery_app
from console import scheduler
from console.management.commands.devserver import Command as DevserverCommand
from insights import figures
from insights.models import InsightSnapshot
from insights.selectors import REFRESH_EVERY

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

runs: list[str] = []


@celery_app.task(name="tests.console.probe")
def probe(label: str = "probe") -> None:
    runs.append(label)


@celery_app.task(name="tests.console.broken")
def broken() -> None:
    runs.append("broken")
    raise RuntimeError("the job broke")


@pytest.fixture
def schedule(tmp_path):
    """Give the Celery app this beat schedule, and a schedule file of the test's own."""
    conf = celery_app.conf
    previous = conf.beat_schedule, conf.beat_schedule_filename
    conf.beat_schedule_filename = str(tmp_path / "celerybeat-schedule")
    runs.clear()

    def use(entries: dict) -> str:
        conf.beat_schedule = entries
        return conf.beat_schedule_filename

    yield use
    conf.beat_schedule, conf.beat_schedule_filename = previous


@pytest.fixture
def started():
    """Embedded schedulers started by a test, stopped at its end whatever happens."""
    running: list[scheduler.EmbeddedScheduler] = []

    def start(**kwargs) -> scheduler.EmbeddedScheduler | None:
        service = scheduler.start_embedded(celery_app, max_interval=0.1, **kwargs)
        if service is not None:
            running.append(service)
        return service

    yield start
    for service in running:
        service.stop()


def eventually(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def every(seconds: float, task: str = "tests.console.probe", **extra) -> dict:
    return {"task": task, "schedule": seconds, **extra}


def test_the_embedded_scheduler_fires_a_job_on_its_interval_and_stops_when_told(schedule, started):
    schedule({"probe": every(0.3)})

    running = started()

    assert running is not None and running.thread.is_alive()
    assert eventually(lambda: len(runs) >= 3), runs  # at start, then every 0.3 s
    running.stop()
    assert not running.thread.is_alive()
    after_stop = len(runs)
    time.sleep(0.8)
    assert len(runs) == after_stop


def test_a_second_scheduler_on_the_same_schedule_does_not_start(schedule, started, caplog):
    filename = schedule({"probe": every(60.0)})
    first = started()
    assert eventually(lambda: runs == ["probe"])  # its start-up run

    with pytest.raises(scheduler.SchedulerBusy, match=f"process {os.getpid()}"):
        scheduler.EmbeddedScheduler(celery_app, max_interval=0.1)
    assert started() is None
    assert "Another scheduler" in caplog.text and "no job runs twice" in caplog.text
    assert runs == ["probe"]  # the second one ran nothing

    first.stop()
    assert started() is not None  # the lock went with the first one
    assert scheduler.lock_path(filename).read_text().strip() == str(os.getpid())


def _try_to_lock(filename: str, result) -> None:
    try:
        fd = scheduler.take_lock(filename)
    except scheduler.SchedulerBusy:
        result.value = 1
    else:
        os.close(fd)
        result.value = 2


def test_another_process_cannot_start_a_scheduler_on_the_same_schedule(schedule, started):
    filename = schedule({"probe": every(60.0)})
    context = multiprocessing.get_context("fork")
    result = context.Value("i", 0)

    def attempt() -> int:
        child = context.Process(target=_try_to_lock, args=(filename, result))
        child.start()
        child.join(5)
        return result.value

    running = started()
    assert attempt() == 1  # refused while ours runs
    running.stop()
    assert attempt() == 2  # free once it has stopped


def test_a_failing_job_is_logged_and_the_others_keep_running(schedule, started, caplog):
    schedule({"broken": every(0.3, "tests.console.broken"), "probe": every(0.3)})

    started()

    assert eventually(lambda: runs.count("broken") >= 2 and runs.count("probe") >= 2), runs
    assert "broken (tests.console.broken) failed; it runs again at its next time" in caplog.text
    assert "RuntimeError: the job broke" in caplog.text


def test_a_job_naming_no_registered_task_is_reported_not_silently_lost(schedule, started, caplog):
    schedule({"typo": every(0.3, "tests.console.no_such_task"), "probe": every(0.3)})

    started()

    assert eventually(lambda: "typo names tests.console.no_such_task" in caplog.text)
    assert "which is no registered task; not run" in caplog.text


def test_interval_jobs_never_run_are_due_at_start_and_set_times_wait(schedule):
    daily = {"task": "tests.console.probe", "schedule": crontab(minute=0, hour=7)}
    filename = schedule({"often": every(600.0), "daily": daily})

    first = scheduler.Scheduler(app=celery_app, schedule_filename=filename)
    try:
        assert first.schedule["often"].is_due()[0] is True
        assert first.schedule["daily"].is_due()[0] is False
        first.reserve(first.schedule["often"])  # what a run records
    finally:
        first.close()

    # Started again (a restarted server): what ran recently waits for its interval.
    again = scheduler.Scheduler(app=celery_app, schedule_filename=filename)
    try:
        due, next_in = again.schedule["often"].is_due()
        assert not due and 590 < next_in <= 600
    finally:
        again.close()


def test_with_a_broker_the_jobs_are_left_to_celery_beat(schedule, started, caplog):
    filename = schedule({"probe": every(0.3)})
    celery_app.conf.task_always_eager = False  # as with REDIS_URL (restored by conftest)

    assert started() is None

    assert "`celery -A config beat`" in caplog.text
    assert not scheduler.lock_path(filename).exists()
    assert runs == []


def test_devserver_runs_the_scheduler_in_the_serving_process(schedule, monkeypatch):
    schedule({"probe": every(60.0)})
    serving = []
    monkeypatch.setattr(
        RunserverCommand,
        "inner_run",
        lambda self, *args, **options: serving.append(self.scheduler.thread.is_alive()),
    )
    command = DevserverCommand()

    command.inner_run(use_threading=True)
    try:
        assert serving == [True]
        assert eventually(lambda: runs == ["probe"])
    finally:
        command.scheduler.stop()


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def test_make_runs_devserver_runs_one_scheduler_in_the_reloaders_child_and_it_stops_with_it(tmp_path):
    """The real command, as `make run` starts it: the autoreloader's parent watches files and
    its child serves; only the child runs the scheduler. Interrupted, both stop, and so does it.
    (The database is not migrated here: the jobs fail, are logged, and nothing else breaks.)"""
    log = tmp_path / "server.log"
    env = {**os.environ, "DATABASE_URL": "", "REDIS_URL": "", "COMMONPLACE_VAR_DIR": str(tmp_path)}
    address = f"127.0.0.1:{_free_port()}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "devserver", address],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        )
    try:
        assert eventually(lambda: "Quit the server with CONTROL-C" in log.read_text(), timeout=30), (
            log.read_text()
        )
        lock = scheduler.lock_path(tmp_path / "celerybeat-schedule")
        with pytest.raises(scheduler.SchedulerBusy) as busy:
            scheduler.take_lock(str(tmp_path / "celerybeat-schedule"))
        holder = int(lock.read_text())
        assert holder != server.pid  # the reloader's child, not the parent
        assert f"process {holder}" in str(busy.value)
        assert eventually(lambda: "insights-compute (insights.compute) failed" in log.read_text())
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(15)
    output = log.read_text()
    assert output.count("Scheduler: started") == 1
    assert "beat: Shutting down" in output
    os.close(scheduler.take_lock(str(tmp_path / "celerybeat-schedule")))  # free again


@pytest.mark.django_db(transaction=True)
def test_insights_are_computed_when_the_server_starts_and_the_page_says_so(schedule, started, client, caplog):
    """ "Refreshed every 10 minutes" holds from the start: the job never ran in this schedule, so
    it runs at once, not 10 minutes after the server starts."""
    entry = settings.CELERY_BEAT_SCHEDULE["insights-compute"]
    assert entry["schedule"] == REFRESH_EVERY.total_seconds() == 600
    schedule({"insights-compute": entry})

    started()

    assert eventually(lambda: InsightSnapshot.objects.count() == len(figures.PERIODS))
    assert eventually(lambda: "Scheduler: ran insights-compute (insights.compute) in " in caplog.text)
    snapshot = InsightSnapshot.objects.get(key=InsightSnapshot.key_for(figures.DEFAULT_PERIOD))
    assert timezone.now() - snapshot.computed_at < REFRESH_EVERY
    body = client.get("/insights/").content.decode()
    assert "refreshed every 10 minutes" in body
    assert snapshot.computed_at.strftime("%H:%M") in body


def test_every_scheduled_job_names_a_registered_task():
    celery_app.autodiscover_tasks(force=True)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name


def test_the_readme_says_what_runs_where_for_every_scheduled_job():
    readme = README.read_text()
    section = readme[readme.index("## What runs where") :]
    section = section[: section.index("\n## ", 1)]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE))
    assert listed == set(settings.CELERY_BEAT_SCHEDULE)
