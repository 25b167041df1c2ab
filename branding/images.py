"""Checking an uploaded logo by what it is, not by what it is called.

Pillow reads the file's own signature and header, so a GIF renamed logo.png is a GIF and a page
of HTML renamed logo.png is refused. Only raster formats browsers show safely are taken: no SVG,
which can carry script. Sizes are checked from the header before anything is decoded, so a small
file that claims to be 50,000 pixels wide (a decompression bomb) is refused without being
decoded; then the whole image is decoded once, so a truncated or corrupt file is refused too.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 512 * 1024
MIN_SIDE = 16
MAX_SIDE = 2048
# The formats taken, as Pillow names them, with the type they are served as.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
ACCEPTED = "PNG, JPEG, WebP or GIF"


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def kilobytes(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def inspect_logo(data: bytes) -> Logo:
    """The logo's type, size and hash, or ValidationError with the sentence the person sees."""
    if not data:
        raise ValidationError("The file is empty. Choose an image file.", code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"The file is {kilobytes(len(data))}; a logo can be at most {kilobytes(MAX_BYTES)}. "
            "Export it smaller (a logo shown 40 pixels high needs no more than 200 pixels) and choose it "
            "again.",
            code="too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES))
            content_type = CONTENT_TYPES[image.format]
            width, height = image.size
            _check_dimensions(width, height)
            image.load()  # decodes the first frame: a truncated or corrupt file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"The image claims to be millions of pixels; a logo can be at most {MAX_SIDE} pixels on each "
            "side. Scale it down and choose it again.",
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            f"That file is not a {ACCEPTED} image, whatever its name says. SVG is not accepted "
            "(it can carry scripts). Export the logo as PNG and choose it again.",
            code="not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError, KeyError):
        raise ValidationError(
            "The image could not be read: it looks damaged or cut short. Export it again and choose it "
            "again.",
            code="damaged",
        ) from None
    return Logo(
        data=data,
        content_type=content_type,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _check_dimensions(width: int, height: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(
            f"The image is {width} by {height} pixels; a logo can be at most {MAX_SIDE} pixels on each "
            "side. Scale it down and choose it again.",
            code="too_many_pixels",
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ValidationError(
            f"The image is {width} by {height} pixels; a logo needs at least {MIN_SIDE} pixels on each "
            "side to be legible.",
            code="too_few_pixels",
        )
