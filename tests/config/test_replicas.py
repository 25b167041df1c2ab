"""Read replicas (README, "Read replicas"): settings, and where each read goes. The real thing, a
streaming standby the test starts, is in tests/integration/test_replicas.py."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from config import replicas
from config.replicas import STICKY_COOKIE, ReplicaMiddleware, ReplicaRouter, read_alias, replica_databases

PRIMARY = {"ENGINE": "django.db.backends.postgresql", "NAME": "commonplace", "CONN_MAX_AGE": 60}


def test_each_replica_url_becomes_an_alias_that_tests_mirror_to_the_primary():
    databases = replica_databases(
        ["postgres://reader@replica-a:5432/commonplace", "postgres://reader@replica-b:5432/commonplace"],
        PRIMARY,
        connect_timeout=2,
    )

    assert list(databases) == ["replica_1", "replica_2"]
    first = databases["replica_1"]
    assert (first["HOST"], first["USER"], first["NAME"]) == ("replica-a", "reader", "commonplace")
    assert first["CONN_MAX_AGE"] == 60 and first["CONN_HEALTH_CHECKS"] is True
    assert first["OPTIONS"]["connect_timeout"] == 2
    assert first["TEST"] == {"MIRROR": "default"}


def test_a_replica_url_may_ask_for_its_own_connect_timeout():
    databases = replica_databases(
        ["postgres://r@replica:5432/c?connect_timeout=7"], PRIMARY, connect_timeout=2
    )

    assert databases["replica_1"]["OPTIONS"]["connect_timeout"] == 7


def test_replicas_need_a_postgresql_primary_and_postgresql_urls():
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL primary"):
        replica_databases(
            ["postgres://r@replica/c"], {"ENGINE": "django.db.backends.sqlite3"}, connect_timeout=2
        )
    with pytest.raises(ImproperlyConfigured, match="replica 1 is not a PostgreSQL URL"):
        replica_databases(["mysql://r@replica/c"], PRIMARY, connect_timeout=2)


@pytest.mark.django_db
def test_without_replica_urls_nothing_changes(client):
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []
    assert "config.replicas.ReplicaMiddleware" not in settings.MIDDLEWARE

    response = client.post("/accounts/login/", {"login": "nobody", "password": "wrong"})

    assert STICKY_COOKIE not in response.cookies


# --- Where reads go, with one replica that is up --------------------------------------------


@pytest.fixture
def one_replica(monkeypatch):
    up = {"replica_1": True}
    monkeypatch.setattr(replicas, "replica_aliases", lambda: list(up))
    monkeypatch.setattr(replicas, "is_usable", lambda alias: up[alias])
    return up


def serve(request, view=lambda: None):
    """Run `request` through the middleware; returns (the read alias the view saw, response)."""
    seen = {}

    def get_response(request):
        view()
        seen["alias"] = read_alias()
        return HttpResponse()

    response = ReplicaMiddleware(get_response)(request)
    return seen["alias"], response


def test_a_page_read_goes_to_the_replica(one_replica):
    alias, response = serve(RequestFactory().get("/questions/"))

    assert alias == "replica_1"
    assert STICKY_COOKIE not in response.cookies


def test_a_post_reads_the_primary_and_makes_the_client_sticky(one_replica, settings):
    settings.COMMONPLACE_REPLICA_STICKY_SECONDS = 7

    alias, response = serve(RequestFactory().post("/questions/1/answers/"))

    assert alias == "default"
    cookie = response.cookies[STICKY_COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_sticky_client_reads_the_primary(one_replica):
    request = RequestFactory().get("/questions/1/slug/")
    request.COOKIES[STICKY_COOKIE] = "1"

    alias, response = serve(request)

    assert alias == "default"
    assert STICKY_COOKIE not in response.cookies  # the window is not stretched by reading


def test_after_a_write_the_rest_of_the_request_reads_the_primary(one_replica):
    alias, _ = serve(RequestFactory().get("/"), view=lambda: ReplicaRouter().db_for_write(None))

    assert alias == "default"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_go_to_the_primary(one_replica):
    def in_atomic():
        with transaction.atomic():
            seen["alias"] = read_alias()

    seen = {}
    serve(RequestFactory().get("/"), view=in_atomic)

    assert seen["alias"] == "default"


@pytest.mark.django_db(transaction=True)  # outside a test's transaction, which reads the primary
def test_a_page_the_anonymous_cache_stores_is_read_from_the_primary(one_replica, settings):
    """A replica still behind a write would otherwise store the page from before it under the
    generations the write bumped (forum.pagecache), and readers would get it until the next one."""
    from forum.pagecache import anonymous_page

    settings.COMMONPLACE_PAGE_CACHE_SECONDS = 60
    seen = []

    @anonymous_page()
    def page(request):
        seen.append(read_alias())
        return HttpResponse("the list")

    ReplicaMiddleware(page)(RequestFactory().get("/questions/?replicas-test"))  # a miss: stored
    assert seen == ["default"]

    signed_in = RequestFactory().get("/questions/?replicas-test")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    ReplicaMiddleware(page)(signed_in)  # not the cache's: a replica serves it
    assert seen == ["default", "replica_1"]


def test_outside_a_request_reads_go_to_the_primary(one_replica):
    """Celery tasks, management commands and the shell have no request."""
    assert read_alias() == "default"


def test_a_replica_that_is_down_leaves_reads_to_the_primary(one_replica):
    one_replica["replica_1"] = False

    alias, _ = serve(RequestFactory().get("/questions/"))

    assert alias == "default"


def test_writes_always_go_to_the_primary_even_for_a_row_read_from_a_replica():
    class Row:
        class _state:
            db = "replica_1"

    assert ReplicaRouter().db_for_write(None, instance=Row()) == "default"
    assert ReplicaRouter().allow_migrate("replica_1", "forum") is False


# --- Remembering a replica that is down -----------------------------------------------------


def test_a_replica_found_down_is_left_alone_for_the_retry_interval_then_tried_again(monkeypatch, settings):
    settings.COMMONPLACE_REPLICA_RETRY_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(replicas.time, "monotonic", lambda: now[0])
    replicas.forget_health()
    try:
        replicas.mark_down("replica_1", "is unreachable (test)")

        now[0] += 4.9
        assert replicas.is_marked_down("replica_1")
        now[0] += 0.2
        assert not replicas.is_marked_down("replica_1")
    finally:
        replicas.forget_health()
