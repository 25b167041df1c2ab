"""The site's branding: one row (pk 1), written by branding.services and read through the cache
by branding.selectors. The logo is kept in the row itself, so every web server serves the same
file without shared media storage."""

from django.conf import settings
from django.db import models
from django.db.models import Q

BRANDING_PK = 1
DEFAULT_BRAND_COLOUR = "#0b5cad"  # site.css's accent
DEFAULT_BRAND_COLOUR_DARK = "#7db7ff"  # and its dark-mode accent


def default_site_name() -> str:
    return settings.SITE_NAME


class Branding(models.Model):
    site_name = models.CharField(max_length=60, default=default_site_name)
    brand_color = models.CharField(max_length=7, default=DEFAULT_BRAND_COLOUR)
    # Logo: the file's bytes and what was measured of it when it was checked (branding.images).
    logo = models.BinaryField(null=True, blank=True)
    logo_content_type = models.CharField(max_length=20, blank=True)
    logo_size = models.PositiveIntegerField(default=0)
    logo_width = models.PositiveIntegerField(default=0)
    logo_height = models.PositiveIntegerField(default=0)
    logo_sha256 = models.CharField(max_length=64, blank=True)
    # [{"label": "Help centre", "url": "https://..."}, ...], in the order shown.
    footer_links = models.JSONField(default=list, blank=True)
    welcome_banner = models.CharField(max_length=280, blank=True)
    escalation_contact_text = models.CharField(max_length=200, blank=True)
    escalation_contact_address = models.CharField(max_length=300, blank=True)  # https://... or an email
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=BRANDING_PK), name="branding_single_row")]

    def __str__(self) -> str:
        return f"Branding of {self.site_name}"
