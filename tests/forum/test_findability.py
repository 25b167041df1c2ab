"""Findability: QAPage JSON-LD, canonical links, OpenGraph, the sitemap and the Atom feeds."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Question
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOST = "testserver"


class HeadParser(HTMLParser):
    """Collects <link>, <meta> and ld+json <script> elements of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.metas: list[dict] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta":
            self.metas.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]

    def meta(self, key: str) -> str | None:
        for meta in self.metas:
            if meta.get("property") == key or meta.get("name") == key:
                return meta.get("content")
        return None


def parse_head(response) -> HeadParser:
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


def ask(author=None, title="How do I change my billing address?", body=None, tags=("billing",)):
    question, created = services.question_create(
        author=author or UserFactory(),
        title=title,
        body=body or "I moved house last month and the **invoice** still shows the old address.",
        tags=list(tags),
    )
    assert created
    return question


def answer(question, author=None, body="Go to Settings, then Billing, and edit the address there."):
    reply, created = services.answer_create(question=question, author=author or UserFactory(), body=body)
    assert created
    return reply


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own response, not untrusted input


def absolute(path: str) -> str:
    return f"http://{HOST}{path}"


# --- QAPage JSON-LD -------------------------------------------------------------------------


def test_question_page_has_qapage_jsonld_with_accepted_and_suggested_answers(client):
    asker = UserFactory()
    question = ask(author=asker)
    accepted = answer(question, body="Settings → Billing → *Address* & save.")
    others = [answer(question, body=f"Another suggestion number {n} for the address.") for n in range(3)]
    services.answer_accept_toggle(answer=accepted, user=asker)
    voter = UserFactory()
    services.vote_cast(voter=voter, post=question, value=1)
    services.vote_cast(voter=voter, post=others[2], value=1)
    question.refresh_from_db()

    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    scripts = parse_head(response).jsonld
    assert len(scripts) == 1
    data = json.loads(scripts[0])

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "QAPage"
    main = data["mainEntity"]
    assert main["@type"] == "Question"
    assert main["name"] == question.title
    assert main["text"] == "I moved house last month and the invoice still shows the old address."
    assert main["answerCount"] == 4
    assert main["upvoteCount"] == 1
    assert main["dateCreated"] == question.created_at.isoformat()
    assert main["author"] == {
        "@type": "Person",
        "name": asker.name,
        "url": absolute(asker.get_absolute_url()),
    }

    top = main["acceptedAnswer"]
    assert top["@type"] == "Answer"
    assert top["text"] == "Settings → Billing → Address & save."
    assert top["url"] == absolute(f"{question.get_absolute_url()}#answer-{accepted.pk}")
    assert top["upvoteCount"] == 0
    assert top["author"]["@type"] == "Person"
    assert top["author"]["name"] == accepted.author.name
    assert top["dateCreated"] == accepted.created_at.isoformat()

    suggested = main["suggestedAnswer"]
    assert len(suggested) == 3
    assert {item["url"] for item in suggested} == {
        absolute(f"{question.get_absolute_url()}#answer-{other.pk}") for other in others
    }
    assert suggested[0]["url"].endswith(f"#answer-{others[2].pk}")  # page order: highest score first
    assert suggested[0]["upvoteCount"] == 1
    assert all(item["@type"] == "Answer" and item["text"] for item in suggested)


def test_jsonld_without_answers_has_neither_accepted_nor_suggested(client):
    question = ask()
    data = json.loads(parse_head(client.get(question.get_absolute_url())).jsonld[0])
    main = data["mainEntity"]
    assert main["answerCount"] == 0
    assert "acceptedAnswer" not in main
    assert "suggestedAnswer" not in main


def test_jsonld_caps_suggested_answers_at_twenty(client):
    question = ask()
    for n in range(22):
        answer(question, body=f"Suggestion number {n} that may help with this.")
    main = json.loads(parse_head(client.get(question.get_absolute_url())).jsonld[0])["mainEntity"]
    assert main["answerCount"] == 22
    assert len(main["suggestedAnswer"]) == 20


def test_script_end_tag_in_a_title_cannot_break_out_of_the_jsonld(client):
    title = 'Why does </script><script>alert("x")</script> show up <!-- & here?'
    question = ask(title=title, body="The </script> tag & an <img src=x onerror=alert(1)> in the body.")
    answer(question, body="</script><script>alert(2)</script> is shown as text, not run.")
    response = client.get(question.get_absolute_url())
    html = response.content.decode()

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block is not None
    payload = block.group(1)
    assert "<" not in payload and ">" not in payload and "&" not in payload
    assert "\\u003C/script\\u003E" in payload
    data = json.loads(payload)
    assert data["mainEntity"]["name"] == title
    assert "<script>alert" not in html.replace("&lt;script&gt;alert", "")
    # The only executable scripts on the page are the site's own (htmx, with a src).
    assert not re.search(r"<script>alert", html)


# --- canonical and OpenGraph ----------------------------------------------------------------


def test_canonical_link_on_question_page_is_the_absolute_canonical_url(client):
    question = ask()
    canonical = absolute(question.get_absolute_url())

    response = client.get(f"{question.get_absolute_url()}?utm_source=newsletter&page=3")
    assert parse_head(response).canonical() == [canonical]

    wrong_slug = reverse("forum:question_detail", kwargs={"pk": question.pk, "slug": "an-old-title"})
    redirected = client.get(wrong_slug, follow=True)
    assert redirected.redirect_chain == [(question.get_absolute_url(), 301)]
    assert parse_head(redirected).canonical() == [canonical]

    by_id = client.get(reverse("forum:question_redirect", kwargs={"pk": question.pk}), follow=True)
    assert parse_head(by_id).canonical() == [canonical]


def test_list_pages_canonical_drops_the_query_string(client):
    ask()
    response = client.get(reverse("forum:question_list") + "?sort=newest&page=1")
    assert parse_head(response).canonical() == [absolute(reverse("forum:question_list"))]
    tag_page = client.get(reverse("forum:tag_detail", kwargs={"slug": "billing"}) + "?page=2")
    assert parse_head(tag_page).canonical() == [
        absolute(reverse("forum:tag_detail", kwargs={"slug": "billing"}))
    ]


def test_question_page_has_opengraph_and_twitter_tags(client):
    question = ask(
        title="Refund for a double charge & what happens next?",
        body="I was charged **twice** for March. " + "More detail about the charge. " * 20,
    )
    head = parse_head(client.get(question.get_absolute_url()))
    assert head.meta("og:title") == question.title
    assert head.meta("og:type") == "article"
    assert head.meta("og:site_name") == "Commonplace"
    assert head.meta("og:url") == absolute(question.get_absolute_url())
    description = head.meta("og:description")
    assert description.startswith("I was charged twice for March.")
    assert len(description) <= 200
    assert head.meta("description") == description
    assert head.meta("twitter:card") == "summary"


def test_list_page_has_website_opengraph(client):
    head = parse_head(client.get(reverse("forum:question_list")))
    assert head.meta("og:type") == "website"
    assert head.meta("og:url") == absolute(reverse("forum:question_list"))
    assert head.meta("og:title")


def test_base_template_renders_without_a_request():
    html = render_to_string("500.html", {})
    assert 'rel="canonical"' not in html
    assert 'property="og:url"' not in html
    assert 'property="og:site_name" content="Commonplace"' in html


# --- sitemap --------------------------------------------------------------------------------


def test_sitemap_lists_questions_tags_and_lists_on_the_request_host(client):
    asker = UserFactory()
    solved = ask(author=asker, title="A solved question about invoices", tags=["billing", "invoices"])
    services.answer_accept_toggle(answer=answer(solved), user=asker)
    open_question = ask(title="An open question about passwords", tags=["security"])
    solved.refresh_from_db()

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = parse_xml(response.content)
    entries = {
        url.findtext(f"{SITEMAP}loc"): {
            "lastmod": url.findtext(f"{SITEMAP}lastmod"),
            "priority": url.findtext(f"{SITEMAP}priority"),
        }
        for url in root.iter(f"{SITEMAP}url")
    }
    assert all(loc.startswith(f"http://{HOST}/") for loc in entries)
    assert "example.com" not in response.content.decode()

    solved_entry = entries[absolute(solved.get_absolute_url())]
    open_entry = entries[absolute(open_question.get_absolute_url())]
    assert solved_entry["lastmod"] == timezone.localdate(solved.last_activity_at).isoformat()
    assert open_entry["lastmod"] == timezone.localdate(open_question.last_activity_at).isoformat()
    assert response.has_header("Last-Modified")
    assert float(solved_entry["priority"]) > float(open_entry["priority"])

    for slug in ("billing", "invoices", "security"):
        assert entries[absolute(reverse("forum:tag_detail", kwargs={"slug": slug}))]["lastmod"]
    assert absolute(reverse("forum:question_list")) in entries
    assert absolute(reverse("forum:tag_list")) in entries


# --- Atom feeds -----------------------------------------------------------------------------


def _entries(response) -> tuple[ET.Element, list[ET.Element]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


def _entry_link(entry: ET.Element) -> str:
    return entry.find(f"{ATOM}link").get("href")


def test_feed_lists_newest_questions_first_as_valid_atom(client):
    author = UserFactory(display_name="Alice Asker")
    older = ask(author=author, title="The older question about refunds", tags=["billing"])
    newer = ask(title="The newer question about passwords", tags=["security", "login"])
    Question.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))

    root, entries = _entries(client.get(reverse("forum:feed")))
    assert root.findtext(f"{ATOM}title").startswith("Newest questions")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == absolute(reverse("forum:feed"))
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [newer.title, older.title]
    assert _entry_link(entries[0]) == absolute(newer.get_absolute_url())
    assert entries[0].findtext(f"{ATOM}id") == absolute(f"/questions/{newer.pk}/")  # stable across renames
    assert {cat.get("term") for cat in entries[0].findall(f"{ATOM}category")} == {"security", "login"}
    assert entries[1].findtext(f"{ATOM}author/{ATOM}name") == "Alice Asker"
    assert entries[1].findtext(f"{ATOM}published")
    assert entries[1].findtext(f"{ATOM}updated")
    assert "invoice" in entries[1].findtext(f"{ATOM}summary")


def test_feed_is_limited_to_thirty_items(client):
    author = UserFactory()
    for n in range(32):
        ask(author=author, title=f"Question number {n} about something")
    _, entries = _entries(client.get(reverse("forum:feed")))
    assert len(entries) == 30
    assert entries[0].findtext(f"{ATOM}title") == "Question number 31 about something"


def test_tag_feed_only_has_that_tags_questions(client):
    billing_old = ask(title="Billing question asked earlier", tags=["billing"])
    ask(title="Security question about two-factor", tags=["security"])
    billing_new = ask(title="Billing question asked later", tags=["billing", "refunds"])
    Question.objects.filter(pk=billing_old.pk).update(created_at=timezone.now() - timedelta(hours=1))

    root, entries = _entries(client.get(reverse("forum:tag_feed", kwargs={"slug": "billing"})))
    assert "billing" in root.findtext(f"{ATOM}title")
    assert [_entry_link(entry) for entry in entries] == [
        absolute(billing_new.get_absolute_url()),
        absolute(billing_old.get_absolute_url()),
    ]


def test_unknown_tag_feed_is_404(client):
    ask(tags=["billing"])
    assert client.get(reverse("forum:tag_feed", kwargs={"slug": "no-such-tag"})).status_code == 404


def test_feed_summary_keeps_typed_markup_as_text(client):
    ask(title="Markup in a question body shows as text", body="Why does <b>this</b> & that appear literally?")
    _, entries = _entries(client.get(reverse("forum:feed")))
    summary = entries[0].find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    # type="html": the reader unescapes once and must get text, not a <b> element.
    assert summary.text == "Why does &lt;b&gt;this&lt;/b&gt; &amp; that appear literally?"


def test_list_pages_advertise_the_feeds(client):
    ask(tags=["billing"])
    html = client.get(reverse("forum:tag_detail", kwargs={"slug": "billing"})).content.decode()
    assert f'href="{reverse("forum:feed")}"' in html
    assert f'href="{reverse("forum:tag_feed", kwargs={"slug": "billing"})}"' in html
