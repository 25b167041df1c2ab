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
