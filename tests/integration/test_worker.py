import json

import pytest

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_sent_to_the_broker_is_run_by_the_separate_worker_process(celery_worker_process):
    assert not celery_app.conf.task_always_eager

    result = celery_app.send_task("commonplace.ping")

    assert result.get(timeout=20) == "pong"
    assert result.successful()


def test_healthz_reports_the_live_broker(client, celery_worker_process):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}
