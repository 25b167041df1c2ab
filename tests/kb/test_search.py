"""Article search on /kb/search/ and in site search: the same tests run on SQLite and PostgreSQL."""

import pytest
from django.urls import reverse

from kb import services
from kb.search import search_articles
from tests.factories import ModeratorFactory
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db

PLAIN_SUMMARY = "What to do when this goes wrong, step by step, from the community."
PLAIN_BODY = "Open the settings page and follow the steps the community found."


def article(title, summary=PLAIN_SUMMARY, body=PLAIN_BODY, tags=("general",)):
    return make_article(title=title, summary=summary, body=body, tags=tags)


def found(q, **filters):
    results = search_articles(q, **filters)
    return [hit.article for hit in results[: results.count()]]


def test_title_match_outranks_summary_match_which_outranks_body_match():
    in_title = article("Refund never arrived after cancelling")
    in_summary = article(
        "Money missing after cancelling", summary=f"{PLAIN_SUMMARY} The refund arrives later."
    )
    in_body = article("Cancelled plan but still charged", body=f"{PLAIN_BODY} Ask support for a refund.")
    article("Router drops the connection every hour")

    assert found("refund") == [in_title, in_summary, in_body]


def test_words_stem_and_must_all_match_and_tags_narrow():
    both = article("Printer will not connect to wifi", tags=("printing",))
    article("Printer jams on every page", tags=("printing",))
    article("Laptop will not connect to wifi", tags=("laptops",))

    assert found("printers wifi") == [both]
    assert [a.title for a in found("wifi", tag="laptops")] == ["Laptop will not connect to wifi"]


def test_matches_are_marked_and_what_members_typed_is_escaped():
    article("Router <b>resets</b> itself at night")

    hit = search_articles("router")[:1][0]

    assert "<mark>Router</mark>" in hit.title_html
    assert "&lt;b&gt;" in hit.title_html


@pytest.mark.parametrize("q", ['"', "-", "OR", "how to", "((", "\x00"])
def test_queries_with_nothing_searchable_find_nothing_without_errors(q):
    article("Router drops the connection every hour")

    assert found(q) == []


def test_an_edited_article_is_found_by_its_new_words():
    made = article("Router drops the connection every hour")
    services.article_edit(
        article=made,
        editor=ModeratorFactory(),
        title=made.title,
        summary=made.summary,
        body="Update the firmware from the admin console.",
        tags=["general"],
    )

    assert found("firmware") == [made]
    assert found("settings") == []


def test_kb_search_page_lists_matching_articles(client):
    match = article("Refund never arrived after cancelling")
    other = article("Router drops the connection every hour")

    response = client.get(reverse("kb:search"), {"q": "refund"})

    assert response.status_code == 200
    assert match.get_absolute_url() in response.text
    assert other.get_absolute_url() not in response.text
    assert "1 article for “refund”" in response.text


def test_kb_search_answers_htmx_with_just_the_results(client):
    article("Refund never arrived after cancelling")

    response = client.get(reverse("kb:search"), {"q": "refund"}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<div id="kb-results"')
    assert "<html" not in response.text


def test_site_search_lists_up_to_three_matching_articles_before_the_questions(client):
    articles = [article(f"Refund question number {i} answered") for i in range(4)]

    response = client.get(reverse("forum:search"), {"q": "refund"})

    page = response.text
    assert response.context["articles"] and len(response.context["articles"]) == 3
    assert page.index("Knowledge base</h2>") < page.index('class="question-list search-results"')
    shown = [a for a in articles if a.get_absolute_url() in page]
    assert len(shown) == 3
    # The threads the articles came from are listed too, after the articles.
    first_question = articles[0].question.get_absolute_url()
    assert page.index(shown[0].get_absolute_url()) < page.index(first_question)


def test_site_search_without_matching_articles_shows_no_knowledge_base_section(client):
    article("Router drops the connection every hour")

    response = client.get(reverse("forum:search"), {"q": "refund"})

    assert "Knowledge base</h2>" not in response.text
