"""Small images made in the test, in any format Pillow writes."""

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 40), colour: str = "#0b5cad") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    """A PNG that does not compress: random pixels, so its file is about 3 bytes a pixel."""
    import os

    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def wordmark(text: str, colour: str = "#7a1f5c", size: tuple[int, int] = (240, 64)) -> bytes:
    """A logo that looks like one: a mark and the name, on a transparent background."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    side = size[1] - 8
    draw.rounded_rectangle((4, 4, 4 + side, 4 + side), radius=12, fill=colour)
    draw.ellipse((4 + side // 4, 4 + side // 4, 4 + 3 * side // 4, 4 + 3 * side // 4), fill="#ffffff")
    draw.text((side + 16, size[1] // 2), text, fill=colour, font=ImageFont.load_default(size=30), anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
