"""The branding's public files: the logo, the theme stylesheet, the colour preview stylesheet,
and dismissing the welcome banner. Colours reach pages through stylesheets, never style
attributes, so a strict Content-Security-Policy can forbid inline styles."""

from functools import wraps

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from branding import colour
from branding.selectors import current, logo_file

A_YEAR = 60 * 60 * 24 * 365
FOREVER = f"public, max-age={A_YEAR}, immutable"
BANNER_COOKIE = "commonplace_banner_dismissed"


def _etag_matches(request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in sent.split(",") if tag.strip())


def _not_modified(etag: str, cache_control: str) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


def _embeddable_anywhere(view):
    """Cross-Origin-Resource-Policy: cross-origin, where the site says same-origin
    (config/security.py): webmail shows the logo in emails, link previews beside shared links."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return wrapped


@require_GET
@_embeddable_anywhere
def logo(request, sha256: str, extension: str):
    """The logo, named by its hash: kept by browsers for a year, and revalidated by ETag (304)
    without reading its bytes. An old hash (an email sent before the logo changed) is sent on to
    the current logo."""
    brand = current()
    if not brand.has_logo:
        raise Http404("No logo.")
    if sha256 != brand.logo_sha256:
        response = redirect(brand.logo_url)
        response["Cache-Control"] = "public, max-age=300"
        return response
    etag = f'"{sha256}"'
    if _etag_matches(request, etag):
        return _not_modified(etag, FOREVER)
    found = logo_file(sha256)
    if found is None:  # replaced a moment ago
        raise Http404("No logo.")
    data, content_type = found
    response = HttpResponse(data, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = FOREVER
    response["Content-Disposition"] = f'inline; filename="logo.{extension}"'
    # An image, never a document: even if a browser were talked into opening it as one.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def theme(request):
    """`--brand` and its dark-mode tint, as site.css expects them. The URL carries a version of the
    colours (?v=), so it is kept for a year and a save changes the URL."""
    brand = current()
    etag = f'"{brand.theme_version}"'
    cache_control = FOREVER if request.GET.get("v") == brand.theme_version else "public, max-age=60"
    if _etag_matches(request, etag):
        return _not_modified(etag, cache_control)
    css = render_to_string(
        "branding/theme.css",
        {"brand": brand, "brand_text": colour.WHITE, "dark_text": colour.DARK_TEXT},
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


@require_GET
def preview(request):
    """The colour the console's form is showing (?colour=0b5cad), as `--preview`: a stylesheet, so
    the swatch needs no style attribute. Anything but a hex colour gives an empty stylesheet."""
    hex_value = colour.normalise(request.GET.get("colour", ""))
    css = f".colour-preview {{ --preview: {hex_value}; }}\n" if hex_value else ""
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={A_YEAR}"
    return response


@require_POST
def dismiss_banner(request):
    """Hide the welcome banner for this browser. A plain form post (back to the page it came from)
    or htmx (the banner is removed in place); nothing on the page is lost either way."""
    brand = current()
    if request.htmx:
        response = HttpResponse("")
    else:
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        response = redirect(back if safe else "/")
    if brand.banner_key:
        response.set_cookie(
            BANNER_COOKIE,
            brand.banner_key,
            max_age=A_YEAR,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
