"""What the benchmarks in bench/ share: their own database on the server DATABASE_URL names,
and a description of the machine they ran on. Run the benchmarks as scripts
(`.venv/bin/python bench/<name>.py`), so this module is importable as `common`."""

import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
UNUSABLE = "!"  # an unusable password hash: benchmark members cannot log in


def database_url(name: str) -> str:
    """DATABASE_URL with the database name replaced: each benchmark runs on one of its own."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test")
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def recreate_database(url: str, *, drop_only: bool = False) -> str:
    """Drop the database (and create it afresh unless drop_only); returns the server version."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
        return conn.execute("SHOW server_version").fetchone()[0]


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def setup_django(db_url: str, redis_url: str = "", **environ: str) -> None:
    """Point Django at the benchmark's database (and broker, or none: tasks run in-process),
    set it up and migrate."""
    os.environ.update(environ, DATABASE_URL=db_url, REDIS_URL=redis_url)
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timings(fn, repeat: int, warm_up: bool = False) -> list[float]:
    """Seconds each of `repeat` calls of fn took (after one untimed call with warm_up)."""
    if warm_up:
        fn()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def report(result: dict, *, as_json: bool) -> None:
    """Print a benchmark's result, one line per key, then (with --json) as JSON."""
    import json

    for key, value in result.items():
        print(f"{key}: {value}")
    if as_json:
        print(json.dumps(result, indent=2, default=str))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
