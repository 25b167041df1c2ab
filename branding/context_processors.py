import datetime as dt

from django.utils import timezone
from django.utils.functional import SimpleLazyObject, lazy

from branding.selectors import Brand, current
from branding.views import BANNER_COOKIE

# Members who joined this recently still see the welcome banner, as visitors do.
NEW_MEMBER_DAYS = 7


def brand_for(request) -> Brand:
    """The branding, read once per request however many templates ask (fragments included)."""
    brand = getattr(request, "branding_brand", None)
    if brand is None:
        brand = current()
        request.branding_brand = brand
    return brand


def banner_shown(request, brand: Brand) -> bool:
    """To visitors and members in their first week, until this browser dismisses this text."""
    if not brand.welcome_banner or request.COOKIES.get(BANNER_COOKIE) == brand.banner_key:
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return True
    joined = getattr(user, "date_joined", None)
    return joined is not None and timezone.now() - joined < dt.timedelta(days=NEW_MEMBER_DAYS)


def branding(request):
    """`brand` (a branding.selectors.Brand), `SITE_NAME`, and `show_welcome_banner`, for every
    template; read only when a template uses them."""
    return {
        "brand": SimpleLazyObject(lambda: brand_for(request)),
        "SITE_NAME": lazy(lambda: brand_for(request).site_name, str)(),
        "show_welcome_banner": SimpleLazyObject(lambda: banner_shown(request, brand_for(request))),
    }
