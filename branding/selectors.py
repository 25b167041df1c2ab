"""Reading the branding: `current()` is on every page and in every email, so it comes from the
cache (Django's: Redis in production), and costs one query only when the cache has forgotten it.
Saving (branding.services) puts the new branding in the cache after commit.

What is cached is a `Brand`: a small frozen snapshot without the logo's bytes, which only the
logo view reads (`logo_file`). With no row yet, the snapshot holds the defaults
(settings.SITE_NAME, the stock colour), and is cached too, so an unbranded site costs no query
either.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from branding import colour
from branding.images import EXTENSIONS
from branding.models import BRANDING_PK, DEFAULT_BRAND_COLOUR, DEFAULT_BRAND_COLOUR_DARK, Branding

log = logging.getLogger(__name__)

# The version in the key changes whenever Brand's fields do, so a deploy never reads a snapshot
# pickled by the previous code.
CACHE_KEY = "branding:current:v1"
# With Redis every process shares the key and a save replaces it at once; this bounds how long a
# per-process cache (no REDIS_URL, several web processes) can show the previous branding.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class FooterLink:
    label: str
    url: str


@dataclass(frozen=True)
class Brand:
    site_name: str
    brand_color: str = DEFAULT_BRAND_COLOUR
    footer_links: tuple[FooterLink, ...] = ()
    welcome_banner: str = ""
    escalation_contact_text: str = ""
    escalation_contact_address: str = ""
    logo_sha256: str = ""
    logo_content_type: str = ""
    logo_width: int = 0
    logo_height: int = 0
    logo_size: int = 0
    saved: bool = False  # a Branding row exists (else these are the defaults)
    updated_at: object = field(default=None, compare=False)
    updated_by_name: str = ""

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_sha256)

    @property
    def logo_url(self) -> str:
        """A URL naming the file's hash: it never changes meaning, so browsers keep it a year."""
        if not self.has_logo:
            return ""
        extension = EXTENSIONS.get(self.logo_content_type, "img")
        return reverse("branding:logo", kwargs={"sha256": self.logo_sha256, "extension": extension})

    @cached_property
    def brand_color_dark(self) -> str:
        if self.brand_color == DEFAULT_BRAND_COLOUR:
            return DEFAULT_BRAND_COLOUR_DARK  # the stock dark theme, unchanged
        return colour.dark_mode_tint(self.brand_color)

    @property
    def contrast(self) -> str:
        return colour.shown_ratio(colour.contrast(self.brand_color, colour.WHITE))

    @property
    def theme_version(self) -> str:
        return hashlib.sha256(f"{self.brand_color}:{self.brand_color_dark}".encode()).hexdigest()[:12]

    @property
    def theme_url(self) -> str:
        return f"{reverse('branding:theme')}?v={self.theme_version}"

    @property
    def banner_key(self) -> str:
        """Names this banner's text: dismissing it hides this text, not the next one."""
        return hashlib.sha256(self.welcome_banner.encode()).hexdigest()[:16] if self.welcome_banner else ""

    @property
    def escalation_contact_href(self) -> str:
        address = self.escalation_contact_address
        if not address:
            return ""
        return address if "://" in address else f"mailto:{address}"

    @property
    def has_escalation_contact(self) -> bool:
        return bool(self.escalation_contact_text or self.escalation_contact_address)


def snapshot(row: Branding | None) -> Brand:
    if row is None:
        return Brand(site_name=settings.SITE_NAME)
    return Brand(
        site_name=row.site_name,
        brand_color=row.brand_color,
        footer_links=tuple(FooterLink(link["label"], link["url"]) for link in row.footer_links or ()),
        welcome_banner=row.welcome_banner,
        escalation_contact_text=row.escalation_contact_text,
        escalation_contact_address=row.escalation_contact_address,
        logo_sha256=row.logo_sha256,
        logo_content_type=row.logo_content_type,
        logo_width=row.logo_width,
        logo_height=row.logo_height,
        logo_size=row.logo_size,
        saved=True,
        updated_at=row.updated_at,
        updated_by_name=row.updated_by.name if row.updated_by else "",
    )


def load() -> Brand:
    """From the database, in one query (the logo's bytes left behind)."""
    row = Branding.objects.select_related("updated_by").defer("logo").filter(pk=BRANDING_PK).first()
    return snapshot(row)


def remember(brand: Brand) -> None:
    try:
        cache.set(CACHE_KEY, brand, CACHE_SECONDS)
    except Exception:  # a cache outage costs a query per page, never the page
        log.warning("Could not cache the branding.", exc_info=True)


def current() -> Brand:
    """The branding every page and email uses: from the cache, else one query."""
    try:
        brand = cache.get(CACHE_KEY)
    except Exception:
        log.warning("Could not read the branding from the cache.", exc_info=True)
        brand = None
    if isinstance(brand, Brand):
        return brand
    brand = load()
    remember(brand)
    return brand


def logo_file(sha256: str) -> tuple[bytes, str] | None:
    """The logo's bytes and type, if `sha256` is still the logo's hash."""
    row = (
        Branding.objects.filter(pk=BRANDING_PK, logo_sha256=sha256)
        .exclude(logo_sha256="")
        .values_list("logo", "logo_content_type")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1]
