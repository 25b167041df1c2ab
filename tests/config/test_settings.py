"""Settings load from the environment in both modes; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "Zq8xN2vLp0aR7tYw5mB1cE4hJ6gK9sD3fU" * 2

PROBE = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_options": {k: str(v) for k, v in settings.DATABASES["default"].get("OPTIONS", {}).items()},
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "email": settings.EMAIL_BACKEND,
    "verification": settings.ACCOUNT_EMAIL_VERIFICATION,
    "hosts": settings.ALLOWED_HOSTS,
}))
"""


def run(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    clean.pop("ACCOUNT_EMAIL_VERIFICATION", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe(env: dict[str, str]) -> dict:
    result = run(PROBE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_are_sqlite_wal_eager_console_debug(tmp_path):
    values = probe({"COMMONPLACE_VAR_DIR": str(tmp_path)})

    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["db_options"]["init_command"]
    assert values["cache"].endswith("LocMemCache")
    assert values["eager"] is True
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["verification"] == "optional"
    assert values["acks_late"] is True
    assert values["reject_on_worker_lost"] is True


def test_production_environment_switches_database_broker_cache_and_email():
    values = probe(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": STRONG_KEY,
            "DJANGO_ALLOWED_HOSTS": "help.example.com,www.example.com",
            "DATABASE_URL": "postgres://app:secret@db.internal:5432/commonplace",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "EMAIL_URL": "smtp://mailer:pw@smtp.example.com:587/?tls=True",
            "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
        }
    )

    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["cache"] == "config.cache.RedisCache"  # Django's Redis cache, a client per pool
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["verification"] == "mandatory"
    assert values["hosts"] == ["help.example.com", "www.example.com"]


def test_refuses_to_start_without_debug_on_the_development_key():
    result = run(PROBE, {"DJANGO_DEBUG": "0"})

    assert result.returncode != 0
    assert "refusing to start with the public development key" in result.stderr


def test_bad_verification_value_is_a_clear_error():
    result = run(PROBE, {"ACCOUNT_EMAIL_VERIFICATION": "sometimes"})

    assert result.returncode != 0
    assert "ACCOUNT_EMAIL_VERIFICATION must be one of" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_boolean_is_a_clear_error(value):
    result = run(PROBE, {"DJANGO_DEBUG": value})

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_check_deploy_reports_nothing_with_debug_off(tmp_path):
    result = run(
        "",
        {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": STRONG_KEY, "COMMONPLACE_VAR_DIR": str(tmp_path)},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
