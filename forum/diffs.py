"""Word-level diffs between consecutive revisions, as escaped HTML with <ins>/<del>."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from forum.models import Revision

TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


def diff_html(before: str, after: str) -> SafeString:
    old, new = TOKEN_RE.findall(before), TOKEN_RE.findall(after)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@dataclass
class RevisionDiff:
    revision: Revision
    title: SafeString | None
    body: SafeString
    tags: SafeString | None


def revision_diffs(history: list[Revision]) -> list[RevisionDiff]:
    """Newest first; each revision compared with the one before it (the first with nothing)."""
    diffs = []
    previous = None
    for revision in history:
        diffs.append(
            RevisionDiff(
                revision=revision,
                title=diff_html(previous.title if previous else "", revision.title)
                if revision.title
                else None,
                body=diff_html(previous.body if previous else "", revision.body),
                tags=diff_html(previous.tags if previous else "", revision.tags) if revision.tags else None,
            )
        )
        previous = revision
    return list(reversed(diffs))
