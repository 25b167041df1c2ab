import random
import re
from html.parser import HTMLParser

import pytest
from django.utils.html import escape

from forum import markdown
from forum.markdown import render_markdown, render_plain_excerpt

REL = "nofollow ugc noopener"
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def tags(html: str) -> list[str]:
    return [tag for tag, _ in parse(html).elements]


def elements(html: str, tag: str) -> list[dict[str, str | None]]:
    return [attrs for name, attrs in parse(html).elements if name == tag]


def hrefs(html: str) -> list[str]:
    return [attrs["href"] for attrs in elements(html, "a") if attrs.get("href") is not None]


# --- basics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["", "   ", "\n\t\n", " \r\n "])
def test_empty_or_blank_input_renders_nothing(source):
    assert render_markdown(source) == ""
    assert render_plain_excerpt(source) == ""


def test_returns_a_plain_str():
    assert type(render_markdown("hello")) is str


def test_emphasis_strong_and_inline_code():
    html = render_markdown("*soft* **loud** `x < y`")
    assert "<em>soft</em>" in html
    assert "<strong>loud</strong>" in html
    assert "<code>x &lt; y</code>" in html


def test_lists_render_and_ordered_lists_keep_their_start():
    html = render_markdown("- one\n- two\n\n3. three\n4. four\n")
    assert "<ul>" in html
    assert html.count("<li>") == 4
    assert elements(html, "ol") == [{"start": "3"}]


def test_tables_render_with_alignment_as_classes_not_inline_style():
    """The Content-Security-Policy refuses style attributes: alignment is a class in site.css."""
    html = render_markdown("| left | centre | right | plain |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n")
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(tags(html))
    classes = [attrs.get("class") for attrs in elements(html, "th")]
    assert classes == ["align-left", "align-center", "align-right", None]
    assert [attrs.get("class") for attrs in elements(html, "td")] == classes
    assert "style" not in html


def test_strikethrough():
    assert "<s>gone</s>" in render_markdown("~~gone~~")


def test_blockquote_and_rule():
    html = render_markdown("> quoted\n\n---\n")
    assert "<blockquote>" in html
    assert "<hr>" in html


def test_soft_and_hard_line_breaks():
    html = render_markdown("one  \ntwo")
    assert "<br>" in html


# --- raw HTML and hostile input --------------------------------------------------------------


def test_script_tag_is_shown_as_text():
    html = render_markdown("<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in tags(html)


def test_img_with_onerror_is_shown_as_text():
    html = render_markdown("<img src=x onerror=alert(1)>")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "img" not in tags(html)
    assert all("onerror" not in attrs for _, attrs in parse(html).elements)


@pytest.mark.parametrize(
    "source",
    [
        "<div onclick=alert(1)>hi</div>",
        "<iframe src=https://example.com></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        "<style>body{display:none}</style>",
        "<!-- comment -->",
    ],
)
def test_raw_html_never_becomes_markup(source):
    html = render_markdown(source)
    assert set(tags(html)) <= {"p", "a"}  # a bare URL inside the text may still be linkified
    assert "&lt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x]( javascript:alert(1) )",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](file:///etc/passwd)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    ],
)
def test_dangerous_link_schemes_never_become_hrefs(source):
    html = render_markdown(source)
    for href in hrefs(html):
        scheme = SCHEME.match(href)
        assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}
    assert "javascript:" not in " ".join(hrefs(html)).lower()


def test_allowed_schemes_and_relative_links_are_kept():
    html = render_markdown(
        "[a](https://example.com) [b](http://example.com) [c](mailto:x@example.com) [d](/q/1/)"
    )
    assert hrefs(html) == ["https://example.com", "http://example.com", "mailto:x@example.com", "/q/1/"]


def test_ftp_links_lose_their_href():
    assert hrefs(render_markdown("[f](ftp://example.com/file)")) == []


# --- links -----------------------------------------------------------------------------------


def test_bare_urls_are_linkified():
    html = render_markdown(
        "See https://example.com/docs?a=1&b=2 or www.example.org, or write to help@example.com."
    )
    assert hrefs(html) == [
        "https://example.com/docs?a=1&b=2",
        "http://www.example.org",
        "mailto:help@example.com",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "[text](https://example.com)",
        "<https://example.com>",
        "https://example.com",
        "[ref]\n\n[ref]: https://example.com",
        "![picture](https://example.com/p.png)",
        '[titled](https://example.com "A title")',
        "[relative](/questions/1/)",
    ],
)
def test_every_link_gets_rel_nofollow_ugc_noopener(source):
    links = elements(render_markdown(source), "a")
    assert links
    assert all(attrs.get("rel") == REL for attrs in links)


def test_link_titles_are_kept():
    assert elements(render_markdown('[t](https://example.com "Docs")'), "a")[0]["title"] == "Docs"


# --- images ----------------------------------------------------------------------------------


def test_images_become_links_labelled_with_their_alt_text():
    html = render_markdown('![a *network* diagram](https://example.com/d.png "Diagram")')
    assert "img" not in tags(html)
    assert elements(html, "a") == [{"href": "https://example.com/d.png", "title": "Diagram", "rel": REL}]
    assert "a network diagram</a>" in html


def test_image_without_alt_text_is_labelled_with_its_url():
    html = render_markdown("![](https://example.com/d.png)")
    assert ">https://example.com/d.png</a>" in html


def test_image_with_forbidden_scheme_becomes_its_alt_text():
    html = render_markdown("![tracking](data:image/png;base64,AAAA)")
    assert tags(html) == ["p"]
    assert "tracking" in html


def test_image_inside_a_link_does_not_nest_links():
    html = render_markdown("[![badge](https://example.com/b.png)](https://example.com/ci)")
    assert hrefs(html) == ["https://example.com/ci"]
    assert ">badge</a>" in html


# --- code ------------------------------------------------------------------------------------


def test_python_fence_is_highlighted_by_pygments():
    html = render_markdown("```python\ndef greet(name):\n    return f'hi {name}'\n```\n")
    assert html.startswith('<div class="highlight"><pre>')
    assert "<code>" in html
    classes = {attrs.get("class") for attrs in elements(html, "span")}
    assert "k" in classes  # keyword: def, return
    assert "nf" in classes  # function name: greet
    assert '<span class="k">def</span>' in html


def test_fence_language_is_case_insensitive_and_ignores_extra_info():
    html = render_markdown("```Python title=example.py\nimport os\n```")
    assert '<span class="kn">import</span>' in html


def test_unknown_language_fence_renders_escaped_plain_code():
    html = render_markdown("```no-such-language\n<b>bold?</b> & more\n```")
    assert html == (
        '<div class="highlight"><pre><code>&lt;b&gt;bold?&lt;/b&gt; &amp; more\n</code></pre></div>'
    )


@pytest.mark.parametrize(
    "source",
    [
        "```\nplain <tag>\n```",
        "    plain <tag>\n",
        "~~~\nplain <tag>\n~~~",
        "```" + "x" * 500 + "\nplain <tag>\n```",
        "```{.python .numberLines}\nplain <tag>\n```",
        "```../../etc/passwd\nplain <tag>\n```",
        "```\x00\nplain <tag>\n```",
    ],
)
def test_code_without_a_known_language_is_escaped_in_the_same_wrapper(source):
    html = render_markdown(source)
    assert html.startswith('<div class="highlight"><pre><code>')
    assert "plain &lt;tag&gt;" in html
    assert "tag" not in tags(html)


def test_code_is_never_treated_as_markdown_or_html():
    html = render_markdown("```html\n<script>alert(1)</script> **not bold**\n```")
    assert "script" not in tags(html)
    assert "strong" not in tags(html)
    assert "alert" in html


def test_oversized_code_block_is_shown_without_highlighting():
    code = "x = 1\n" * (markdown.MAX_HIGHLIGHT_CHARS // 6 + 10)
    html = render_markdown(f"```python\n{code}```")
    assert html.startswith('<div class="highlight"><pre><code>x = 1')
    assert "<span" not in html


def test_pygments_failure_falls_back_to_plain_code(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("lexer exploded")

    monkeypatch.setattr(markdown, "highlight", broken)
    html = render_markdown("```python\nprint('<hi>')\n```")
    assert html == "<div class=\"highlight\"><pre><code>print('&lt;hi&gt;')\n</code></pre></div>"


# --- headings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("# Title", "h3"),
        ("## Section", "h4"),
        ("### Sub", "h5"),
        ("#### Deeper", "h6"),
        ("###### Deepest", "h6"),
        ("Setext one\n==========", "h3"),
        ("Setext two\n----------", "h4"),
    ],
)
def test_headings_are_demoted_by_two_levels(source, tag):
    assert tags(render_markdown(source)) == [tag]


def test_no_heading_can_compete_with_the_page_title():
    html = render_markdown("\n\n".join("#" * level + " Heading" for level in range(1, 7)))
    assert not {"h1", "h2"} & set(tags(html))


# --- the sanitiser on its own (defence in depth) ---------------------------------------------


def test_sanitiser_drops_what_markdown_should_never_produce():
    dirty = (
        '<h1>big</h1><div class="evil highlight">d</div><span class="k injected">s</span>'
        '<a href="javascript:alert(1)" rel="me" onclick="x()">j</a>'
        '<table><tr><td style="color:red;text-align:left">c</td>'
        '<th style="text-align:left" class="align-right x">h</th></tr></table>'
        '<img src="https://example.com/x.png"><iframe src="https://example.com"></iframe>'
        "<script>alert(1)</script>"
    )
    clean = markdown._sanitise(dirty)
    assert "h1" not in tags(clean)
    assert elements(clean, "div") == [{"class": "highlight"}]
    assert elements(clean, "span") == [{"class": "k"}]
    assert elements(clean, "a") == [{"rel": REL}]
    assert elements(clean, "td") == [{}]
    assert elements(clean, "th") == [{"class": "align-right"}]
    assert not {"img", "iframe", "script"} & set(tags(clean))
    assert "alert" not in clean


# --- robustness ------------------------------------------------------------------------------


@pytest.fixture
def no_fallback(monkeypatch):
    """The real pipeline must cope: reaching the catch-all fallback fails the test."""

    def fail(source):
        pytest.fail("render_markdown fell back to escaped text")

    monkeypatch.setattr(markdown, "_fallback", fail)


@pytest.mark.parametrize(
    "source",
    [
        "word " * 6000,
        ">" * 30000,
        "[" * 30000,
        "*a_" * 10000,
        "`" * 30000,
        "<" * 30000,
        "\x00" * 30000,
        "# a\n" * 7500,
        "[" * 15000 + "]" * 15000,
        "[a](b)" * 5000,
        "![a](https://b.example/c.png)" * 1000,
        "".join("  " * depth + "- item\n" for depth in range(3000))[:30000],
        "```python\n" + "x = foo(1, 'a')  # comment\n" * 1100 + "```",
    ],
    ids=lambda source: repr(source[:12]),
)
def test_huge_and_pathological_input_renders(source, no_fallback):
    assert len(source) >= 28000
    html = render_markdown(source)
    assert isinstance(html, str)
    assert "<script" not in html


def test_a_table_past_the_budget_renders_as_plain_text_not_5000_cells():
    # The one input that falls back on purpose (forum/markdown.py, the table budget).
    source = "|a" * 5000 + "\n" + "|-" * 5000 + "\n" + "|1" * 5000

    html = render_markdown(source)

    assert "<td>" not in html and "<th>" not in html
    assert html.startswith("<p>|a|a|a")


def test_random_markdown_soup_never_raises(no_fallback):
    alphabet = [*"*_`~[]()!<>#|-+=:\\/&;\"' \n\tx1", "http://", "www.", "```", "javascript:", "@a.b"]
    rng = random.Random(20240601)
    for _ in range(300):
        source = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 200)))
        html = render_markdown(source)
        assert isinstance(html, str)
        assert all(tag in markdown.ALLOWED_TAGS for tag in tags(html))
        for href in hrefs(html):
            scheme = SCHEME.match(href)  # as a browser reads it; anything else is a relative URL
            assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}


def test_parser_failure_falls_back_to_escaped_text(monkeypatch):
    class Broken:
        def render(self, source):
            raise RecursionError("too deep")

    monkeypatch.setattr(markdown, "_MD", Broken())
    html = render_markdown("first <b>para</b>\n\nsecond")
    assert html == "<p>first &lt;b&gt;para&lt;/b&gt;</p>\n<p>second</p>"


# --- excerpts --------------------------------------------------------------------------------


def test_excerpt_is_plain_text_with_entities_decoded():
    excerpt = render_plain_excerpt("# Fish & chips\n\nA *very* <b>good</b> [shop](https://example.com).")
    assert excerpt == "Fish & chips A very <b>good</b> shop."


def test_excerpt_collapses_whitespace():
    assert render_plain_excerpt("one\n\n\ntwo\tthree\n- four\n- five") == "one two three four five"


def test_short_text_is_not_truncated():
    assert render_plain_excerpt("Just a short question?") == "Just a short question?"


def test_excerpt_truncates_on_a_word_boundary():
    source = "alpha beta gamma delta epsilon zeta eta theta"
    excerpt = render_plain_excerpt(source, length=20)
    assert excerpt == "alpha beta gamma…"
    assert len(excerpt) <= 20
    words = excerpt.removesuffix("…").split()
    assert all(word in source.split() for word in words)


def test_excerpt_does_not_end_on_dangling_punctuation():
    assert render_plain_excerpt("first clause, second clause here", length=15) == "first clause…"


def test_excerpt_cut_exactly_at_a_space_keeps_the_whole_word():
    assert render_plain_excerpt("abcd efgh ijkl", length=5) == "abcd…"


def test_excerpt_hard_cuts_a_single_long_word():
    excerpt = render_plain_excerpt("x" * 500, length=50)
    assert excerpt == "x" * 49 + "…"


def test_default_excerpt_length_is_200():
    excerpt = render_plain_excerpt("lorem ipsum " * 100)
    assert len(excerpt) <= 200
    assert excerpt.endswith("…")
    assert excerpt.startswith("lorem ipsum lorem")


def test_excerpt_contains_no_tags_even_from_code_and_tables():
    source = "```python\nif a < b:\n    pass\n```\n\n| h |\n|---|\n| c |\n\n**[link](https://example.com)**"
    excerpt = render_plain_excerpt(source, length=1000)
    assert excerpt == "if a < b: pass h c link"
    assert tags(excerpt) == []


def test_excerpt_is_plain_text_for_the_template_to_escape():
    # Raw HTML a member typed is text, not markup: the excerpt gives it back verbatim and
    # autoescaping (never |safe) turns it into harmless entities.
    excerpt = render_plain_excerpt("<script>alert(1)</script>")
    assert excerpt == "<script>alert(1)</script>"
    assert escape(excerpt) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_excerpt_of_huge_input():
    excerpt = render_plain_excerpt("word " * 6000)
    assert len(excerpt) <= 200
    assert excerpt.endswith("word…")


@pytest.mark.parametrize("length", [0, -5])
def test_excerpt_with_no_room_is_empty(length):
    assert render_plain_excerpt("anything", length=length) == ""


# --- posts saved before alignment became a class ------------------------------------------------


@pytest.mark.django_db
def test_the_migration_turns_stored_alignment_styles_into_classes_and_back():
    from django.apps import apps

    from forum.models import Question
    from tests.factories import make_question

    table = "| a | b |\n|:--|--:|\n| 1 | 2 |\n"
    question = make_question(body=f"Before the policy.\n\n{table}")
    untouched = make_question(title="A question without any table at all", body="No table here at all.")
    old_html = render_markdown(table).replace('class="align-', 'style="text-align:')
    Question.objects.filter(pk=question.pk).update(body_html=old_html)
    operation = markdown.alignment_migration(("forum", "Question", "body_html"))

    operation.code(apps, None)
    question.refresh_from_db()
    assert question.body_html == render_markdown(table)
    assert "style=" not in question.body_html

    operation.reverse_code(apps, None)
    question.refresh_from_db()
    assert question.body_html == old_html
    assert Question.objects.get(pk=untouched.pk).body_html == untouched.body_html
