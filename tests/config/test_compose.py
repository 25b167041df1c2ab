"""docker-compose.yml cannot be run here (no Docker engine), so its shape is checked by parsing."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_a_healthcheck():
    services = compose()["services"]

    by_default = {name for name, service in services.items() if not service.get("profiles")}
    assert by_default == {"web", "worker", "beat", "postgres", "redis"}
    assert {name: services[name]["profiles"] for name in set(services) - by_default} == {
        "db-replica": ["replica"]
    }
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
        assert service["healthcheck"]["test"], name


def test_web_worker_and_beat_run_one_image_with_the_same_settings():
    services = compose()["services"]
    app_services = [services["web"], services["worker"], services["beat"]]

    assert {s["image"] for s in app_services} == {"commonplace:latest"}
    assert all(s["build"] == "." for s in app_services)
    web, worker, beat = (s["environment"] for s in app_services)
    assert web == worker == beat


def test_app_services_read_every_other_setting_from_env_when_there_is_one():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == [{"path": ".env", "required": False}], name


def test_app_services_use_postgres_redis_and_production_mode():
    env = compose()["services"]["web"]["environment"]

    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["DJANGO_DEBUG"] == "0"
    assert "DJANGO_SECRET_KEY" in env


def test_commands_serve_with_gunicorn_and_run_celery_worker_and_beat():
    services = compose()["services"]

    assert "gunicorn config.wsgi:application --config gunicorn.conf.py" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert "8000:8000" in services["web"]["ports"]


def test_app_services_wait_for_healthy_database_and_broker():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_every_compose_variable_is_documented_in_env_example():
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    env = compose()["services"]["web"]["environment"]

    assert set(env) <= documented, set(env) - documented


def test_a_read_replica_streams_from_postgres_only_when_asked_for():
    """`docker compose --profile replica up` adds a hot standby made with pg_basebackup; the app
    reads from it only when DATABASE_REPLICA_URLS names it (README, "Read replicas")."""
    services = compose()["services"]
    replica = services["db-replica"]
    script = replica["command"][0]

    assert replica["image"] == services["postgres"]["image"]
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_basebackup --host=postgres" in script and "--write-recovery-conf" in script
    assert "hot_standby=on" in script
    assert replica["volumes"] != services["postgres"]["volumes"]
    # The primary lets it connect for replication, from the script run when its volume is made.
    mounted = [volume.split(":")[0] for volume in services["postgres"]["volumes"]]
    allow = ROOT / "docker" / "postgres-allow-replication.sh"
    assert "./docker/postgres-allow-replication.sh" in mounted
    assert "host replication" in allow.read_text()
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_REPLICA_URLS"] == "${DATABASE_REPLICA_URLS:-}", name


def test_dockerfile_installs_pinned_requirements_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "FROM python:3.11" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
