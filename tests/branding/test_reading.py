"""Reading the branding: from the cache on almost every page, one query when it has been
forgotten, replaced on save; settings.SITE_NAME is only the default until the first save."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branding.selectors import CACHE_KEY, current
from tests.branding.conftest import LOGO

pytestmark = pytest.mark.django_db


def branding_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "branding_branding" in query["sql"]]


def test_unbranded_site_uses_the_setting_and_caches_the_defaults(settings, django_assert_num_queries):
    settings.SITE_NAME = "Plain Forum"
    cache.clear()  # as after a restart (tests otherwise start with the defaults cached)
    with django_assert_num_queries(1):
        assert current().site_name == "Plain Forum"
    with django_assert_num_queries(0):
        assert current().site_name == "Plain Forum"
        assert not current().saved


def test_once_saved_the_setting_is_no_longer_the_name(settings, brand_site):
    brand_site(site_name="Acme Help")
    settings.SITE_NAME = "Something Else"
    cache.clear()
    assert current().site_name == "Acme Help"


def test_saving_replaces_the_cached_branding_at_once(brand_site, django_assert_num_queries):
    assert current().site_name != "Acme Help"  # cached: the defaults
    brand_site(site_name="Acme Help", brand_color="#1d4d2b")
    with django_assert_num_queries(0):
        brand = current()
    assert (brand.site_name, brand.brand_color) == ("Acme Help", "#1d4d2b")


def test_a_save_rolled_back_leaves_the_cache_alone(brand_site):
    from django.db import transaction

    from branding.services import branding_update
    from tests.factories import CommunityManagerFactory

    brand_site(site_name="Acme Help")
    manager = CommunityManagerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        branding_update(by=manager, site_name="Never Saved", brand_color="#1d4d2b")
        raise RuntimeError("the request failed after the write")
    assert current().site_name == "Acme Help"


def test_the_cache_holds_no_logo_bytes(brand_site):
    brand_site(logo=LOGO)
    cached = cache.get(CACHE_KEY)
    assert cached.has_logo and cached.logo_size == len(LOGO)
    assert not any(isinstance(value, bytes | memoryview) for value in vars(cached).values())


def test_a_page_reads_the_branding_once_then_never_while_cached(client, brand_site):
    brand_site()
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/").status_code == 200
    assert len(branding_queries(first.captured_queries)) == 1
    assert branding_queries(second.captured_queries) == []


def test_a_cache_outage_costs_a_query_not_the_page(client, brand_site, monkeypatch):
    brand_site()

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    with CaptureQueriesContext(connection) as page:
        response = client.get("/")
    assert response.status_code == 200
    assert "Acme Help" in response.content.decode()
    assert len(branding_queries(page.captured_queries)) == 1  # once per request, however many templates


def test_a_branded_page_costs_no_more_queries_than_an_unbranded_one(client, brand_site):
    from tests.branding.conftest import LOGO
    from tests.factories import make_question

    make_question()
    client.get("/")
    with CaptureQueriesContext(connection) as unbranded:
        client.get("/")
    brand_site(logo=LOGO)
    client.get("/")
    with CaptureQueriesContext(connection) as branded:
        html = client.get("/").content.decode()
    assert "Acme Help" in html and "Status page" in html and 'class="brand-logo"' in html
    assert len(branded.captured_queries) == len(unbranded.captured_queries)
