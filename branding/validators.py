"""What a branding value must be, each check raising ValidationError with the sentence shown.

The console's form and branding.services both use these, so a value that reaches the database by
any door has passed them.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from branding import colour

SITE_NAME_MAX = 60
BANNER_MAX = 280
FOOTER_LINKS_MAX = 8
LINK_LABEL_MAX = 40
URL_MAX = 300
CONTACT_TEXT_MAX = 200

_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


def one_line(value: str) -> str:
    """Runs of white space, line breaks included, collapse to one space."""
    return " ".join((value or "").split())


def at_most(value: str, limit: int, what: str) -> str:
    """One line of text, at most `limit` characters."""
    text = one_line(value)
    if len(text) > limit:
        raise ValidationError(f"Keep {what} to {limit} characters; this one has {len(text)}.")
    return text


def clean_site_name(value: str) -> str:
    name = at_most(value, SITE_NAME_MAX, "the name")
    if not name:
        raise ValidationError(
            "Give the site a name: it is the page titles' last words and the emails' sender."
        )
    return name


def clean_brand_colour(value: str) -> str:
    """'#0B5CAD' → '#0b5cad', if white text on it reads at 4.5:1 or better."""
    hex_value = colour.normalise(value)
    if hex_value is None:
        raise ValidationError(
            f"“{one_line(value)}” is not a colour this form reads. Write it as a hex code: # and six "
            "digits or letters a to f, like #0b5cad."
        )
    ratio = colour.contrast(hex_value, colour.WHITE)
    if ratio < colour.MINIMUM_CONTRAST:
        raise ValidationError(
            f"White text on {hex_value} has a contrast of {colour.shown_ratio(ratio)}; buttons and links "
            f"need at least {colour.MINIMUM_CONTRAST}:1 to be readable. Choose a darker shade: "
            f"{colour.darker_that_passes(hex_value)} is the nearest that passes."
        )
    return hex_value


def clean_web_url(value: str, *, what: str = "The address") -> str:
    """An absolute http(s) URL, nothing else: no javascript:, data: or relative links."""
    url = (value or "").strip()
    if len(url) > URL_MAX:
        raise ValidationError(f"{what} is too long: keep it to {URL_MAX} characters.")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(
            f"{what} must start with https:// or http://"
            + (f"; “{scheme}:” links are not allowed." if scheme else ", like https://example.com/help.")
        )
    try:
        _url(url)
    except ValidationError:
        raise ValidationError(
            f"{what} is not a web address this form understands; check for typing errors."
        ) from None
    return url


def clean_footer_link(position: int, label: str, url: str) -> dict[str, str]:
    """One link: {"label", "url"}; a refusal names the part at fault ({"label": ...} or {"url": ...})."""
    label = one_line(label)
    if not label:
        raise ValidationError({"label": f"Give footer link {position} a label, or empty its address."})
    if len(label) > LINK_LABEL_MAX:
        raise ValidationError(
            {"label": f"Keep footer link {position}'s label to {LINK_LABEL_MAX} characters."}
        )
    try:
        url = clean_web_url(url, what=f"Footer link {position}'s address")
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    return {"label": label, "url": url}


def clean_footer_links(links) -> list[dict[str, str]]:
    """[(label, url), ...] or [{"label", "url"}, ...] → [{"label", "url"}, ...], in order."""
    cleaned = []
    for position, link in enumerate(links or [], start=1):
        label, url = (link["label"], link["url"]) if isinstance(link, dict) else link
        try:
            cleaned.append(clean_footer_link(position, label, url))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
    if len(cleaned) > FOOTER_LINKS_MAX:
        raise ValidationError(
            f"The footer holds at most {FOOTER_LINKS_MAX} links; remove {len(cleaned) - FOOTER_LINKS_MAX}."
        )
    return cleaned


def clean_banner(value: str) -> str:
    return at_most(value, BANNER_MAX, "the welcome banner")


def clean_contact_text(value: str) -> str:
    return at_most(value, CONTACT_TEXT_MAX, "the contact")


def clean_contact_address(value: str) -> str:
    """A web address (https://...) or an email address; empty is fine."""
    address = (value or "").strip()
    if not address:
        return ""
    if "@" in address and "://" not in address:
        address = address.removeprefix("mailto:")
        try:
            _email(address)
        except ValidationError:
            raise ValidationError(f"“{address}” is not an email address this form understands.") from None
        return address
    return clean_web_url(address, what="The contact address")
