import contextlib
import copy
import os

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

import queueing
from branding.selectors import remember as remember_branding
from branding.selectors import snapshot as branding_snapshot
from config.celery import app as celery_app
from tests.factories import UserFactory

FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Set by pytest-xdist in its worker processes ("gw0", "gw1", ...); unset in a plain run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _redis_cache_location() -> str | None:
    default = django_settings.CACHES["default"]
    return default["LOCATION"] if default["BACKEND"].endswith("RedisCache") else None


@pytest.fixture(scope="session", autouse=True)
def _a_cache_of_its_own_per_xdist_worker():
    """On Redis (make test-services) every xdist worker uses the same database of the same server:
    give each worker a key prefix of its own, so one worker's tests never read another's cached
    counts (user ids repeat across the workers' test databases) or clear its rate limits."""
    if XDIST_WORKER is None or _redis_cache_location() is None:
        yield
        return
    caches = copy.deepcopy(django_settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX', '')}-{XDIST_WORKER}"
    with override_settings(CACHES=caches):
        yield


def _clear_cache() -> None:
    location = _redis_cache_location()
    if XDIST_WORKER is None or location is None:
        cache.clear()
        return
    # cache.clear() would flush the whole Redis database, the other workers' keys included.
    client = redis.Redis.from_url(location)
    try:
        keys = list(client.scan_iter(match=cache.make_key("*", version="*"), count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits count in the cache; each test starts with none spent.
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _branding_cached(_fresh_cache):
    """Every page reads the branding from the cache: one query per cache lifetime, not per page
    (branding/selectors.py). A test starts with no branding saved, so the cached value is the
    defaults, as on a running site after its first page; the pages' query budgets are thus the
    steady state. tests/branding/test_reading.py clears the cache to prove the cold read's cost."""
    remember_branding(branding_snapshot(None))


@pytest.fixture(autouse=True)
def _broker_not_known_down():
    """A test that made a publish fail must not leave the next one skipping its publishes."""
    queueing.forget_broker_down()
    yield
    queueing.forget_broker_down()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _eager_celery_unless_integration(request):
    """Unit tests run tasks inline even when REDIS_URL is set; integration tests use the worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _post_limits_only_when_marked(request, settings):
    """Tests post far faster than the one-post-per-15-seconds rule allows; only tests marked
    `post_limits` run with the posting limits of forum/limits.py switched on."""
    settings.COMMONPLACE_POST_LIMITS_ENABLED = request.node.get_closest_marker("post_limits") is not None


@pytest.fixture(autouse=True)
def _prepared_queries_verified(settings):
    """Every use of a kept, compiled query (prepared/__init__.py) is compiled afresh too and must
    match: a shape that leaves out something its builder reads fails the test that meets it."""
    settings.COMMONPLACE_PREPARED_QUERIES_VERIFY = True


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as a request would: `commit(fn, *args, **kwargs)` calls it, then runs the
    on-commit work it scheduled (reputation events, badges, email), and returns its result."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@contextlib.contextmanager
def _as_in_a_unit_test():
    """The settings the autouse fixtures above give each unit test, for work done outside one."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS, COMMONPLACE_POST_LIMITS_ENABLED=False):
            yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def build_once(django_db_setup, django_db_blocker):
    """Data built once for a whole module, for module-scoped fixtures: `build_once(fn, ...)` runs
    fn in a transaction that stays open until the module's last test has run and is then rolled
    back, as Django's TestCase.setUpTestData does for a class. Each test still runs in a savepoint
    of its own (`django_db`, not transactional), so what one test changes is undone before the
    next and the built data is the same for all. Transactional tests (`transaction=True`,
    live_server) flush the database and must not use it. On-commit hooks scheduled while building
    never run (nor did they when such data was built inside each test's transaction)."""
    atomic = None

    def build(fn, *args, **kwargs):
        nonlocal atomic
        with django_db_blocker.unblock(), _as_in_a_unit_test():
            if atomic is None:
                atomic = transaction.atomic()
                atomic._from_testcase = True  # as TestCase's class-wide atomic: tests nest inside it
                atomic.__enter__()
            return fn(*args, **kwargs)

    yield build
    if atomic is not None:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
