"""The knowledge base through the API: /kb/'s list, tags, articles and search."""

import datetime as dt

import pytest
from django.utils import timezone

from forum.models import Question
from kb.models import Article
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def test_articles_are_listed_newest_first_and_by_tag(api):
    older = make_article(title="Card declined when renewing my plan", tags=("billing",))
    Article.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    newer = make_article(title="Two-factor codes never arrive by text", tags=("two-factor",))

    listed = ok(api.get("/api/v1/articles/"))["results"]
    tagged = ok(api.get("/api/v1/articles/?tag=billing"))["results"]

    assert [article["id"] for article in listed] == [newer.pk, older.pk]
    assert listed[0]["tags"] == ["two-factor"]
    assert listed[0]["url"] == f"http://testserver{newer.get_absolute_url()}"
    assert listed[0]["needs_review"] is False
    assert [article["id"] for article in tagged] == [older.pk]


def test_an_unknown_tag_is_a_404_as_on_the_kb_tag_page(api):
    assert api.get("/api/v1/articles/?tag=no-such-tag").status_code == 404


def test_the_article_list_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for n in range(5):
        make_article(title=f"Article number {n} about billing cards", tags=("billing", f"t{n}"))
    with django_assert_max_num_queries(2):  # the page, its tags
        results = ok(api.get("/api/v1/articles/"))["results"]
    assert len(results) == 5


def test_an_article_credits_its_coauthors_and_links_its_thread_while_visible(api):
    article = make_article(title="Card declined when renewing my plan")

    shown = ok(api.get(f"/api/v1/articles/{article.pk}/"))

    assert [person["name"] for person in shown["coauthors"]] == ["Alice Able", "Bob Bright"]
    assert "<strong>Settings → Billing</strong>" in shown["body_html"]
    assert shown["source_thread"]["id"] == article.question_id
    assert shown["last_verified_by"]["flairs"] == ["moderator"]

    Question.objects.filter(pk=article.question_id).update(deleted_at=timezone.now())
    assert ok(api.get(f"/api/v1/articles/{article.pk}/"))["source_thread"] is None
    moderator = key_for(ModeratorFactory(), "read")
    assert ok(api.get(f"/api/v1/articles/{article.pk}/", token=moderator))["source_thread"] is not None


def test_an_unknown_article_is_a_404(api):
    assert api.get("/api/v1/articles/999999/").status_code == 404


def test_the_tags_articles_use_most_used_first(api):
    make_article(title="Card declined when renewing my plan", tags=("billing", "cards"))
    make_article(title="Invoice shows the wrong company name", tags=("billing",))
    tags = ok(api.get("/api/v1/articles/tags/"))["results"]
    assert [(tag["slug"], tag["article_count"]) for tag in tags] == [("billing", 2), ("cards", 1)]
    assert ok(api.get(tags[1]["articles"]))["results"][0]["title"] == "Card declined when renewing my plan"


def test_the_knowledge_base_search_ranks_and_marks_as_kb_search(api):
    in_title = make_article(title="Card declined when renewing my plan")
    in_summary = make_article(
        title="Invoice shows the wrong company name", summary="A declined card shows no invoice."
    )

    page = ok(api.get("/api/v1/articles/search/?q=declined"))

    assert [hit["id"] for hit in page["results"]] == [in_title.pk, in_summary.pk]
    assert page["count"] == 2
    assert "<mark>declined</mark>" in page["results"][0]["title_html"]
    assert "<mark>declined</mark>" in page["results"][1]["snippet_html"]
    assert ok(api.get("/api/v1/articles/search/?q=declined&tag=nothing"))["results"] == []


def test_a_kb_search_with_nothing_to_look_up_is_a_400(api):
    response = api.get("/api/v1/articles/search/?q=the")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"] == [
        "Type a word or two to search for: “the” has nothing to look up on its own."
    ]
