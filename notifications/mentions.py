"""@mentions in posts and comments.

Mentions are read from the rendered HTML, not the Markdown source: the renderer has already
decided what is code, so `@name` inside a code span or block (text inside `<code>`) is never a
mention, however it was fenced or indented.
"""

import re
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

MAX_MENTIONS = 10
# Django's usernames: letters, digits and @ . + - _. A mention stops at "@" and is not preceded
# by a word character, so "alice@example.com" mentions nobody.
_MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")
_SKIPPED_TAGS = {"code", "pre"}


class _TextOutsideCode(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self.depth += 1
        elif tag in {"p", "br", "li", "td", "th", "h3", "h4", "h5", "h6", "blockquote"}:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS and self.depth:
            self.depth -= 1
        else:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def text_outside_code(html: str) -> str:
    parser = _TextOutsideCode()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts)


def mentioned_names(html: str) -> list[str]:
    """Lower-cased candidate usernames in order of first appearance. A trailing full stop or
    dash ends the sentence, not the name ("thanks @bob.") unless the name itself has one."""
    names: dict[str, None] = {}
    for match in _MENTION_RE.finditer(text_outside_code(html)):
        raw = match.group(1)
        for candidate in (raw, raw.rstrip(".-")):
            if candidate:
                names.setdefault(candidate.lower(), None)
    return list(names)


def mentioned_user_ids(html: str, *, limit: int = MAX_MENTIONS, exclude: set[int] | None = None) -> list[int]:
    """Existing active members mentioned in `html`, case-insensitively, in order of first
    mention, at most `limit` of them (people in `exclude`, such as the author, do not count)."""
    names = mentioned_names(html)
    if not names:
        return []
    rows = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(lower_username=Lower("username"))
        .filter(lower_username__in=names)
        .values_list("pk", "lower_username")
    )
    by_name = {name: pk for pk, name in rows}
    exclude = exclude or set()
    found: list[int] = []
    for name in names:
        pk = by_name.get(name)
        if pk is not None and pk not in exclude and pk not in found:
            found.append(pk)
        if len(found) >= limit:
            break
    return found
