import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits count in the cache; each test starts with none spent.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    `post_limits` run with the posting limits of moderation/abuse.py switched on."""
    settings.COMMONPLACE_POST_LIMITS_ENABLED = request.node.get_closest_marker("post_limits") is not None


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
