import pytest

from branding.services import branding_update
from tests.branding.images import image_bytes
from tests.factories import CommunityManagerFactory

LOGO = image_bytes("PNG", size=(150, 50), colour="#7a1f5c")


@pytest.fixture
def brand_site(commit):
    """`brand_site(**values)`: save the branding as a community manager would, after commit."""

    def save(**values):
        defaults = {
            "site_name": "Acme Help",
            "brand_color": "#7a1f5c",
            "footer_links": [
                ("Status page", "https://status.acme.example/"),
                ("Privacy", "https://acme.example/privacy"),
            ],
            "welcome_banner": "Welcome to Acme Help: ask anything, customers and staff answer as equals.",
            "escalation_contact_text": "Our care team answers within a day:",
            "escalation_contact_address": "care@acme.example",
        }
        return commit(branding_update, by=CommunityManagerFactory(), **{**defaults, **values})

    return save
