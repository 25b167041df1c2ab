"""Titles as they will show, for the forms and the services alike (the API's forms are the web's)."""

from django.core.exceptions import ValidationError

from accounts.lookalikes import has_visible_characters, visible_text

NO_VISIBLE_TEXT = "The title must have visible text."


def visible_title(value: str) -> str:
    """NFKC-normalised, invisible characters (zero-width spaces, direction marks) out, one space
    between words. A title with nothing visible left is refused."""
    title = visible_text(value)
    if not has_visible_characters(title):
        raise ValidationError(NO_VISIBLE_TEXT, code="invisible")
    return title
