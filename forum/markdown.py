"""Markdown for questions, answers and comments.

``render_markdown`` turns what a member typed into HTML that is safe to mark safe in a template.
The pipeline has three stages, and the last one alone is enough to keep the page safe:

1. **Parse** with markdown-it-py in CommonMark mode plus GFM tables, strikethrough and linkify
   (bare ``https://…``, ``www.…`` and e-mail addresses become links). ``html=False``: raw HTML in
   the source is shown as text, never passed through.
2. **Adjust** the token stream for a forum:

   * *Headings are demoted by two levels* (``#`` → ``<h3>``, ``##`` → ``<h4>``, everything from
     ``####`` down → ``<h6>``) so a post never competes with the page's single ``<h1>`` or the
     ``<h2>`` section headings around it.
   * *Images become links.* ``![a diagram](https://…/d.png)`` renders as
     ``<a href="https://…/d.png">a diagram</a>`` (the URL is the link text when the alt text is
     empty). Inline third-party images would let any poster log every reader's IP address and
     browser (tracking pixels), break layouts with huge files, pull in mixed content and publish
     images without a text alternative; a link keeps the content one click away without those
     costs. An image inside a link becomes just its alt text, so links never nest.
   * *Table columns are aligned by class* (``class="align-left|center|right"`` on ``th``/``td``,
     styled in ``static/css/site.css``) rather than markdown-it's ``style`` attribute, which the
     Content-Security-Policy (no inline style) would refuse.
   * *Code blocks are highlighted on the server* with Pygments, as
     ``<div class="highlight"><pre><code>…spans…</code></pre></div>`` (styles in
     ``static/css/highlight.css``). The fence's language is looked up by name only; an unknown,
     missing or oversized one falls back to plain escaped text in the same wrapper. Indented code
     blocks use the same wrapper so every code block looks alike.

3. **Sanitise** with nh3 (ammonia) against the explicit allowlist below: only the tags markdown
   can produce, ``href``/``title`` on links, ``start`` on ``ol``, and ``class`` only with the
   alignment classes on ``th``/``td``, the value ``highlight`` on ``div`` and Pygments' token
   classes on ``span``. No ``style`` attribute survives. URLs may use http, https or mailto
   (relative links, such as to another question, are kept). Every link gets
   ``rel="nofollow ugc noopener"``.

Rendering never raises: a failure anywhere falls back to the escaped source text in paragraphs.

**Tables have a budget.** A table row shorter than its header is filled out with empty cells, so
a header of 1,000 columns followed by a few thousand one-character lines asks for tens of
thousands of cells: 30,000 characters so crafted took a second or more of CPU to render (markdown-
it-py itself stops at 65,536 filled-in cells). Before a table is parsed its cells are counted
from the source (columns times lines, an upper bound): more than ``MAX_TABLE_COLUMNS`` columns,
or more than ``MAX_TABLE_CELLS`` cells in all the tables of one text, and the text is refused
by the forms (``markdown_problem``, the same sentence in the API) and rendered as plain escaped
text by ``render_markdown`` (texts saved before the limit). The count is made where markdown-it
finds the table, so a table inside a quote or a list is counted as well.
"""

from __future__ import annotations

import html
import logging
import re
from functools import lru_cache

import nh3
from django.db.migrations import RunPython
from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_RE, escapeHtml, mdTrim, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as gfm_table
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

__all__ = ["MarkdownTooComplex", "markdown_problem", "render_markdown", "render_plain_excerpt"]

logger = logging.getLogger(__name__)

#: Code blocks longer than this are shown without highlighting, to bound the time one post costs.
MAX_HIGHLIGHT_CHARS = 20_000
#: Pygments lexer names are short (``python``, ``objective-c``, ``html+django``).
_MAX_LANGUAGE_CHARS = 40
#: Headings move down this many levels (``#`` → ``<h3>``), never below ``<h6>``.
HEADING_SHIFT = 2
#: A table may have this many columns, and one text this many table cells in all.
MAX_TABLE_COLUMNS = 30
MAX_TABLE_CELLS = 3_000

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        # only h3-h6: demotion means markdown never produces h1 or h2 here
        "h3", "h4", "h5", "h6",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a",
        "table", "thead", "tbody", "tr", "th", "td",
        "div", "span",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
#: markdown-it's column alignment, and the class that stands for it.
ALIGNMENT_CLASSES = {f"text-align:{side}": f"align-{side}" for side in ("left", "center", "right")}
_ALLOWED_CLASSES = {
    "th": set(ALIGNMENT_CLASSES.values()),
    "td": set(ALIGNMENT_CLASSES.values()),
    "div": {"highlight"},
    "span": {css_class for css_class in STANDARD_TYPES.values() if css_class},
}

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
_WHITESPACE_RE = re.compile(r"\s+")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def render_markdown(source: str, *, line_breaks: bool = False) -> str:
    """Render member-written Markdown to sanitised HTML; ``""`` for empty or blank input.

    See the module docstring for the rules: CommonMark + tables, strikethrough and linkify; raw
    HTML escaped; headings demoted by two levels (``# Title`` → ``<h3>``, capped at ``<h6>``);
    images turned into links; code highlighted by Pygments; output cleaned by nh3 against an
    allowlist, links limited to http/https/mailto and given ``rel="nofollow ugc noopener"``.
    With ``line_breaks`` a single newline is a line break (``<br>``), as in a profile's bio,
    which members long wrote as plain text; posts keep CommonMark's soft breaks.
    """
    if not source or not source.strip():
        return ""
    try:
        return _sanitise((_MD_BREAKS if line_breaks else _MD).render(source))
    except MarkdownTooComplex:
        return _fallback(source)
    except Exception:
        logger.exception("Markdown rendering failed; showing the source as escaped text")
        return _fallback(source)


class MarkdownTooComplex(ValueError):
    """Markdown whose tables would cost more than their budget to render."""


TOO_COMPLEX = (
    f"This has too big a table to show: a table can have at most {MAX_TABLE_COLUMNS} columns, "
    f"and a post {MAX_TABLE_CELLS:,} table cells in all (a row shorter than its header still "
    "fills every column). Split it into smaller tables, or use a list."
)


def markdown_problem(source: str) -> str | None:
    """Why this Markdown cannot be accepted (the sentence a form shows), or None when it can."""
    try:
        _MD.parse(source or "")
    except MarkdownTooComplex:
        return TOO_COMPLEX
    return None


@lru_cache(maxsize=512)
def render_plain_excerpt(source: str, length: int = 200) -> str:
    """A plain-text excerpt of Markdown for lists, meta descriptions and OpenGraph.

    The Markdown is rendered, its tags removed, HTML entities decoded (the result is plain text:
    let the template escape it) and whitespace collapsed. Text longer than ``length`` is cut at
    the last word boundary that fits and ends with "…"; the result is never longer than
    ``length`` characters. A pure function of its arguments, remembered for the posts pages show
    again and again (a thread's meta description renders its question's Markdown each view).
    """
    if length < 1:
        return ""
    rendered = render_markdown(source)
    if not rendered:
        return ""
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = _WHITESPACE_RE.sub(" ", text).strip()
    if len(text) <= length:
        return text
    room = length - 1  # the ellipsis takes one character
    cut = text[:room]
    if not text[room].isspace():
        head, space, _partial_word = cut.rpartition(" ")
        if space and head:
            cut = head
    cut = cut.rstrip(" ,;:-\u2013\u2014")  # no dangling punctuation or dashes
    return f"{cut}…"


# --- parsing ---------------------------------------------------------------------------------


def _demote_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1:])
            token.tag = f"h{min(level + HEADING_SHIFT, 6)}"


def _alignment_classes(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style") in ALIGNMENT_CLASSES:
            token.attrs = {"class": ALIGNMENT_CLASSES[str(token.attrs["style"])]}


def _images_to_links(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        if not any(child.type == "image" for child in block.children):
            continue
        children: list[Token] = []
        link_depth = 0
        for child in block.children:
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth = max(link_depth - 1, 0)
            if child.type != "image":
                children.append(child)
                continue
            alt = _plain_text(child.children or []).strip()
            src = str(child.attrGet("src") or "")
            if link_depth or not _is_allowed_url(src):
                if alt:
                    children.append(_text_token(alt))
                continue
            attrs: dict[str, str | int | float] = {"href": src}
            title = child.attrGet("title")
            if title:
                attrs["title"] = title
            children.append(Token("link_open", "a", 1, attrs=attrs, markup="image"))
            children.append(_text_token(alt or src))
            children.append(Token("link_close", "a", -1, markup="image"))
        block.children = children


def _is_allowed_url(url: str) -> bool:
    """Relative URLs and those with an allowed scheme; the sanitiser enforces this again."""
    if not url:
        return False
    scheme = _SCHEME_RE.match(url)
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def _plain_text(tokens: list[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.children:
            parts.append(_plain_text(token.children))
    return "".join(parts)


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


# --- code highlighting -----------------------------------------------------------------------


@lru_cache(maxsize=256)
def _lexer_for(language: str) -> Lexer | None:
    if not language or len(language) > _MAX_LANGUAGE_CHARS:
        return None
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None
    except Exception:
        logger.warning("Pygments failed to load a lexer for %r", language, exc_info=True)
        return None


def _highlight(code: str, language: str) -> str:
    lexer = _lexer_for(language.lower()) if len(code) <= MAX_HIGHLIGHT_CHARS else None
    if lexer is not None:
        try:
            return highlight(code, lexer, _FORMATTER)
        except Exception:
            logger.warning("Pygments failed to highlight %r code", language, exc_info=True)
    return f'<div class="highlight"><pre><code>{escapeHtml(code)}</code></pre></div>\n'


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    info = mdTrim(unescapeAll(token.info)) if token.info else ""
    language = MD_TRIM_RE.split(info, maxsplit=1)[0] if info else ""
    return _highlight(token.content, language)


def _render_code_block(self, tokens, idx, options, env) -> str:
    return _highlight(tokens[idx].content, "")


# --- the table budget ----------------------------------------------------------------------


def _table_cells(state: StateBlock, start: int, end: int) -> tuple[int, int]:
    """(columns, cells) of the table markdown-it found at `start`, counted before it builds a
    token per cell: the delimiter row's columns times every line up to the next blank one (the
    table may end sooner; never later)."""
    delimiter = state.src[state.bMarks[start + 1] + state.tShift[start + 1] : state.eMarks[start + 1]]
    columns = sum(1 for part in delimiter.split("|") if part.strip())
    line = start + 2
    while line < end and not state.isEmpty(line) and state.sCount[line] >= state.blkIndent:
        line += 1
    return columns, columns * (line - start - 1)


def _budgeted_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not gfm_table(state, start, end, True):
        return False
    if silent:
        return True
    columns, cells = _table_cells(state, start, end)
    spent = state.env.get("table_cells", 0) + cells
    if columns > MAX_TABLE_COLUMNS or spent > MAX_TABLE_CELLS:
        raise MarkdownTooComplex(f"{columns} columns, {spent} cells")
    state.env["table_cells"] = spent
    return gfm_table(state, start, end, False)


def _build_parser(*, breaks: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"linkify": True, "html": False, "typographer": False, "breaks": breaks})
    md.enable(["table", "strikethrough", "linkify"])
    md.block.ruler.at("table", _budgeted_table, {"alt": ["paragraph", "reference"]})
    md.core.ruler.push("demote_headings", _demote_headings)
    md.core.ruler.push("images_to_links", _images_to_links)
    md.core.ruler.push("alignment_classes", _alignment_classes)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    return md


_MD = _build_parser()
_MD_BREAKS = _build_parser(breaks=True)


# --- sanitising ------------------------------------------------------------------------------


def _sanitise(untrusted_html: str) -> str:
    return nh3.clean(
        untrusted_html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def _fallback(source: str) -> str:
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", source))
    return "\n".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


# --- HTML rendered before alignment became a class ---------------------------------------------

_STYLED_CELL = re.compile(r'<(th|td) style="text-align:(left|center|right)">')
_CLASSED_CELL = re.compile(r'<(th|td) class="align-(left|center|right)">')


def alignment_migration(*fields: tuple[str, str, str]) -> RunPython:
    """A migration operation rewriting stored HTML, given as (app label, model, field), from the
    ``style="text-align:…"`` posts were once saved with to the classes (and back, unapplied)."""

    def rewrite(needle: str, pattern: re.Pattern, replacement: str):
        def run(apps, schema_editor) -> None:
            for app_label, model_name, field in fields:
                model = apps.get_model(app_label, model_name)
                changed = []
                for row in (
                    model.objects.filter(**{f"{field}__contains": needle}).only("pk", field).iterator()
                ):
                    setattr(row, field, pattern.sub(replacement, getattr(row, field)))
                    changed.append(row)
                model.objects.bulk_update(changed, [field], batch_size=500)

        return run

    return RunPython(
        rewrite('style="text-align:', _STYLED_CELL, r'<\1 class="align-\2">'),
        rewrite('class="align-', _CLASSED_CELL, r'<\1 style="text-align:\2">'),
    )
