"""The site as production runs it, plus what the page benchmark needs and nothing the site
should ship: a trivial view to measure every page beside, at /bench/trivial/. Used by
bench/pages.py as both DJANGO_SETTINGS_MODULE and ROOT_URLCONF (gunicorn runs with bench/ on
the path). BENCH_BROKER_URL points the Celery broker somewhere else than REDIS_URL (a closed
port: the broker is down while the cache is up)."""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_URL

ROOT_URLCONF = "bench_site"
CELERY_BROKER_URL = os.environ.get("BENCH_BROKER_URL") or CELERY_BROKER_URL


def trivial(request):
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def _urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns as site

    return [path("bench/trivial/", trivial), *site]


def __getattr__(name):  # the URLconf is built when Django first asks, after settings are loaded
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)
