"""Writing the branding. One service, `branding_update`: the console calls it (after asking
accounts' rule, as branding sits below accounts and cannot) and writes the audit line in the same
transaction from the `before` and `after` it returns."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from branding import validators
from branding.images import Logo, inspect_logo, kilobytes
from branding.models import BRANDING_PK, Branding
from branding.selectors import remember, snapshot


@dataclass(frozen=True)
class BrandingChange:
    branding: Branding
    before: dict
    after: dict

    @property
    def changed(self) -> bool:
        return self.before != self.after


def audit_view(row: Branding) -> dict:
    """The branding as the audit log shows it: words, not bytes or ids."""
    logo = ""
    if row.logo_sha256:
        kind = row.logo_content_type.removeprefix("image/").upper()
        size = f"{row.logo_width} by {row.logo_height} pixels, {kilobytes(row.logo_size)}"
        logo = f"{kind}, {size} ({row.logo_sha256[:12]})"
    contact = " — ".join(
        part for part in (row.escalation_contact_text, row.escalation_contact_address) if part
    )
    return {
        "site_name": row.site_name,
        "brand_colour": row.brand_color,
        "logo": logo,
        "footer_links": [f"{link['label']} ({link['url']})" for link in row.footer_links or ()],
        "welcome_banner": row.welcome_banner,
        "escalation_contact": contact,
    }


@transaction.atomic
def branding_update(
    *,
    by,
    site_name: str,
    brand_color: str,
    footer_links: Iterable = (),
    welcome_banner: str = "",
    escalation_contact_text: str = "",
    escalation_contact_address: str = "",
    logo: bytes | Logo | None = None,
    remove_logo: bool = False,
) -> BrandingChange:
    """Save the whole branding (every value checked again here: raises ValidationError). A new
    `logo` replaces the old one; `remove_logo` drops it; neither keeps it. After commit the new
    branding replaces the cached one, so the next page shows it."""
    values = {
        "site_name": validators.clean_site_name(site_name),
        "brand_color": validators.clean_brand_colour(brand_color),
        "footer_links": validators.clean_footer_links(footer_links),
        "welcome_banner": validators.clean_banner(welcome_banner),
        "escalation_contact_text": validators.clean_contact_text(escalation_contact_text),
        "escalation_contact_address": validators.clean_contact_address(escalation_contact_address),
    }
    if logo is not None and not isinstance(logo, Logo):
        logo = inspect_logo(bytes(logo))

    Branding.objects.get_or_create(pk=BRANDING_PK)
    row = (
        Branding.objects.select_for_update().defer("logo").get(pk=BRANDING_PK)
    )  # the bytes stay put unless replaced
    before = audit_view(row)
    for name, value in values.items():
        setattr(row, name, value)
    if logo is not None:
        row.logo = logo.data
        row.logo_content_type = logo.content_type
        row.logo_size = logo.size
        row.logo_width, row.logo_height = logo.width, logo.height
        row.logo_sha256 = logo.sha256
    elif remove_logo:
        row.logo = None
        row.logo_content_type = row.logo_sha256 = ""
        row.logo_size = row.logo_width = row.logo_height = 0
    row.updated_by = by
    row.save()
    brand = snapshot(row)
    transaction.on_commit(lambda: remember(brand))
    return BrandingChange(branding=row, before=before, after=audit_view(row))
