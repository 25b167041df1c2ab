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


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
