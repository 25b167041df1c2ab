"""What the branding accepts: a colour readable under white text, a logo that is really an image
of an allowed kind and size, and footer links that are web addresses."""

import pytest
from django.core.exceptions import ValidationError

from branding import colour, validators
from branding.images import MAX_BYTES, inspect_logo
from tests.branding.images import image_bytes, noisy_png

# --- Colour ---------------------------------------------------------------------------------


def test_contrast_is_measured_as_wcag_does():
    assert colour.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert colour.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert colour.shown_ratio(4.478) == "4.4:1"  # never rounded up into a pass


@pytest.mark.parametrize("typed", ["#0B5CAD", "0b5cad", " #0b5cad ", "#0b5cad"])
def test_a_hex_colour_is_accepted_however_it_is_typed(typed):
    assert validators.clean_brand_colour(typed) == "#0b5cad"


def test_three_digit_hex_is_expanded():
    assert validators.clean_brand_colour("#036") == "#003366"


@pytest.mark.parametrize("typed", ["blue", "#12345", "#gggggg", "rgb(0,0,0)", ""])
def test_what_is_not_a_hex_colour_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as error:
        validators.clean_brand_colour(typed)
    assert "like #0b5cad" in error.value.messages[0]


def test_a_colour_too_light_for_white_text_is_refused_with_its_ratio_and_a_darker_shade():
    with pytest.raises(ValidationError) as error:
        validators.clean_brand_colour("#ff8800")
    message = error.value.messages[0]
    assert "White text on #ff8800 has a contrast of 2.3:1" in message
    assert "at least 4.5:1" in message
    suggestion = message.rsplit(": ", 1)[1].split(" ")[0]
    assert colour.contrast(suggestion, "#ffffff") >= 4.5
    assert validators.clean_brand_colour(suggestion) == suggestion


def test_the_dark_mode_tint_reads_on_the_dark_page():
    tint = colour.dark_mode_tint("#1a3d2b")
    assert colour.contrast(tint, colour.DARK_SURFACE) >= 4.5
    assert colour.contrast(tint, colour.DARK_TEXT) >= 4.5


# --- Logo -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_png_jpeg_webp_and_gif_logos_are_accepted_and_measured(fmt, content_type):
    logo = inspect_logo(image_bytes(fmt, size=(160, 48)))
    assert logo.content_type == content_type
    assert (logo.width, logo.height) == (160, 48)
    assert len(logo.sha256) == 64


def test_an_svg_is_refused_because_it_can_carry_script():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError) as error:
        inspect_logo(svg)
    assert "SVG is not accepted" in error.value.messages[0]


def test_a_page_of_html_is_not_an_image_whatever_it_is_called():
    with pytest.raises(ValidationError) as error:
        inspect_logo(b"<html><body>not a logo</body></html>")
    assert "not a PNG, JPEG, WebP or GIF image" in error.value.messages[0]


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(ValidationError):
        inspect_logo(image_bytes(fmt))


def test_a_file_over_512_kb_is_refused():
    data = noisy_png((600, 400))
    assert len(data) > MAX_BYTES
    with pytest.raises(ValidationError) as error:
        inspect_logo(data)
    assert "at most 512 KB" in error.value.messages[0]


def test_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ValidationError) as error:
        inspect_logo(image_bytes("PNG", size=(4000, 20)))
    assert "4000 by 20 pixels" in error.value.messages[0]


def test_a_tiny_image_is_refused():
    with pytest.raises(ValidationError) as error:
        inspect_logo(image_bytes("PNG", size=(8, 8)))
    assert "at least 16 pixels" in error.value.messages[0]


def test_a_truncated_image_is_refused():
    data = noisy_png((100, 60))
    with pytest.raises(ValidationError) as error:
        inspect_logo(data[: len(data) // 2])
    assert "damaged or cut short" in error.value.messages[0]


# --- Footer links and contact ---------------------------------------------------------------


def test_footer_links_keep_their_order_and_tidy_labels():
    links = validators.clean_footer_links(
        [("  Help   centre ", "https://help.example.com/"), ("Status", "http://status.example.com")]
    )
    assert links == [
        {"label": "Help centre", "url": "https://help.example.com/"},
        {"label": "Status", "url": "http://status.example.com"},
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "/relative/page",
        "ftp://example.com/x",
    ],
)
def test_a_footer_link_must_be_an_http_or_https_address(url):
    with pytest.raises(ValidationError) as error:
        validators.clean_footer_links([("Help", url)])
    assert "must start with https:// or http://" in error.value.messages[0]


def test_the_footer_holds_at_most_eight_links():
    with pytest.raises(ValidationError) as error:
        validators.clean_footer_links([(f"Link {n}", f"https://example.com/{n}") for n in range(9)])
    assert "at most 8 links" in error.value.messages[0]


def test_the_escalation_contact_is_a_web_or_email_address():
    assert validators.clean_contact_address("care@example.com") == "care@example.com"
    assert validators.clean_contact_address("mailto:care@example.com") == "care@example.com"
    assert validators.clean_contact_address("https://example.com/care") == "https://example.com/care"
    for bad in ("javascript:alert(1)", "not an address", "care@"):
        with pytest.raises(ValidationError):
            validators.clean_contact_address(bad)
