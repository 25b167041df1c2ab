"""Colours as WCAG 2.x measures them: relative luminance and contrast ratio.

The brand colour fills buttons and colours links, with white text on it (light mode), so it must
reach 4.5:1 against white (WCAG 1.4.3, normal text). Dark mode cannot use it as it is (a colour
dark enough for white text is too dark to read on a dark page), so a lighter tint is derived that
reaches 4.5:1 on the dark surface, with dark text on it.
"""

import re

HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
WHITE = "#ffffff"
MINIMUM_CONTRAST = 4.5
# site.css's dark palette: the surface links sit on, and the text on buttons.
DARK_SURFACE = "#1e2026"
DARK_TEXT = "#0d1117"

RGB = tuple[int, int, int]


def normalise(value: str) -> str | None:
    """'#0B5CAD', '0b5cad' and '#0bc' read as '#0b5cad' / '#00bbcc'; anything else is None."""
    match = HEX.fullmatch((value or "").strip())
    if not match:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def rgb(colour: str) -> RGB:
    hex_value = normalise(colour)
    if hex_value is None:
        raise ValueError(f"Not a hex colour: {colour!r}")
    return int(hex_value[1:3], 16), int(hex_value[3:5], 16), int(hex_value[5:7], 16)


def to_hex(value: RGB) -> str:
    return "#" + "".join(f"{max(0, min(255, round(part))):02x}" for part in value)


def relative_luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(part) for part in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown_ratio(ratio: float) -> str:
    """The ratio as people read it: 4.47 is shown as 4.4:1, never rounded up to a pass."""
    return f"{int(ratio * 10) / 10:.1f}:1"


def mix(colour: str, towards: str, share: float) -> str:
    a, b = rgb(colour), rgb(towards)
    return to_hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))


def _first_mix(colour: str, towards: str, passes) -> str:
    """The least mix of `colour` towards `towards` (in 1% steps) for which `passes` holds."""
    for step in range(101):
        candidate = mix(colour, towards, step / 100)
        if passes(candidate):
            return candidate
    return normalise(towards) or towards


def darker_that_passes(colour: str) -> str:
    """The nearest darker shade with white text at 4.5:1: what to suggest when a colour fails."""
    return _first_mix(colour, "#000000", lambda c: contrast(c, WHITE) >= MINIMUM_CONTRAST)


def dark_mode_tint(colour: str) -> str:
    """The nearest lighter tint readable as a link on the dark surface and under dark text."""
    return _first_mix(
        colour,
        WHITE,
        lambda c: (
            contrast(c, DARK_SURFACE) >= MINIMUM_CONTRAST and contrast(c, DARK_TEXT) >= MINIMUM_CONTRAST
        ),
    )
