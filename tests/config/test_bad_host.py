"""A request for a host the site does not serve is a bad request (400), answered by the site's
own page, never a server error."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/questions/", "/no-such-page/", "/search/?q=router"])
def test_a_host_that_is_not_allowed_answers_400_with_the_sites_page(path):
    client = Client(raise_request_exception=False)

    response = client.get(path, HTTP_HOST="evil.example")

    assert response.status_code == 400
    page = response.content.decode()
    assert "That request could not be understood" in page
    assert "evil.example" not in page  # the unknown host is never echoed into links
