"""Tag input: "billing, two-factor" or "billing two-factor" both mean two tags."""

import re

from django.core.exceptions import ValidationError

from forum.models import TAGS_MAX, TAGS_MIN

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9.+#_-]{0,34}$")


def parse_tags(raw: str) -> list[str]:
    names: list[str] = []
    for piece in re.split(r"[\s,]+", raw or ""):
        name = piece.strip().strip("#").lower() if piece.strip() != "#" else ""
        if name and name not in names:
            names.append(name)
    return names


def validate_tags(names: list[str]) -> list[str]:
    if len(names) < TAGS_MIN:
        raise ValidationError("Add at least one tag, so the right people find your question.")
    if len(names) > TAGS_MAX:
        raise ValidationError(f"Use at most {TAGS_MAX} tags; you gave {len(names)}.")
    bad = [name for name in names if not TAG_RE.match(name)]
    if bad:
        raise ValidationError(
            "Tags use letters, digits and . + # _ - only, up to 35 characters: %(bad)s",
            params={"bad": ", ".join(bad)},
        )
    return names
