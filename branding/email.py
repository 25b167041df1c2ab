"""The branding of every email: the site's name in the subject and the sender, a header with the
logo (or the name) on the brand colour, and the footer links. Notifications' emails and allauth's
account emails (accounts/adapter.py) both take it from here.

Emails are read away from any request, so their links and the logo's address are built on
COMMONPLACE_SITE_URL.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings

from branding.selectors import Brand, current


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.COMMONPLACE_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def subject_prefix(brand: Brand | None = None) -> str:
    return f"[{(brand or current()).site_name}] "


def from_email(brand: Brand | None = None) -> str:
    """DEFAULT_FROM_EMAIL, under the site's current name unless the operator named the sender
    themselves (a display name other than settings.SITE_NAME, the default's)."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:
        return settings.DEFAULT_FROM_EMAIL
    if name and name != settings.SITE_NAME:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr(((brand or current()).site_name, address))


def email_context(brand: Brand | None = None) -> dict:
    """What branding/email/*.html and *.txt use (`site_name`, `site_url`, `brand`, ...)."""
    brand = brand or current()
    return {
        "brand": brand,
        "site_name": brand.site_name,
        "site_url": absolute("/"),
        "brand_color": brand.brand_color,
        "logo_src": absolute(brand.logo_url) if brand.has_logo else "",
        "footer_links": brand.footer_links,
    }
