from django.core.exceptions import DisallowedHost


def site(request):
    """The site's origin ("https://host") for canonical and OpenGraph URLs. A
    request for a host the site does not serve has no origin: its 400 page must render without
    asking for the host again (which would raise and turn a bad request into a server error),
    and the unknown host is never written into a link."""
    try:
        origin = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        origin = ""
    return {"SITE_ORIGIN": origin}
