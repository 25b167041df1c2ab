"""The knowledge base as people use it: pages, permissions, redirects and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from kb.models import Article
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory
from tests.kb.helpers import ACCEPTED_BODY, ALSO_BODY, make_article, solved_thread

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def promote_url(question) -> str:
    return reverse("kb:promote", args=[question.pk])


def promote_form(question, **overrides) -> dict:
    return {
        "title": "Card declined when renewing: replace the expired card",
        "summary": "Replace the expired card in billing settings; if it still fails, call your bank.",
        "body": f"{ACCEPTED_BODY}\n\n{ALSO_BODY}",
        "tags": "billing cards",
        **overrides,
    }


# --- Promoting from the thread ---------------------------------------------------------------


def test_staff_with_low_reputation_get_403_on_the_promote_page(client):
    question, *_ = solved_thread()
    logged_in(client, StaffFactory(reputation=20))

    assert client.get(promote_url(question)).status_code == 403
    assert client.post(promote_url(question), promote_form(question)).status_code == 403
    assert not Article.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    question, *_ = solved_thread()

    response = client.get(promote_url(question))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_promote_form_is_prefilled_from_the_thread(client):
    question, *_ = solved_thread()
    logged_in(client, UserFactory(reputation=1000))

    response = client.get(promote_url(question))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == question.title
    assert form["summary"].value() == "My router keeps dropping the connection every hour or so."
    body = form["body"].value()
    assert body.startswith(ACCEPTED_BODY)
    assert "# Also helped: the answer by Bob Bright" in body
    assert "switching it off and on" not in body
    assert form["tags"].value() == "billing"
    assert "Alice Able" in response.text
    assert "Bob Bright" in response.text


def test_curator_promotes_a_thread_and_lands_on_the_article(client, django_capture_on_commit_callbacks):
    question, accepted, also, other = solved_thread()
    logged_in(client, ModeratorFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(promote_url(question), promote_form(question), follow=True)

    article = Article.objects.get()
    assert response.redirect_chain[-1][0] == article.get_absolute_url()
    page = response.text
    assert "Card declined when renewing: replace the expired card" in page
    assert "Replace the expired card in billing settings" in page
    assert "<strong>Settings → Billing</strong>" in page
    assert "Last verified" in page
    assert accepted.author.get_absolute_url() in page
    assert also.author.get_absolute_url() in page
    assert other.author.get_absolute_url() not in page
    assert question.get_absolute_url() in page
    assert LedgerEntry.objects.filter(rule="answer_became_knowledge").count() == 2


def test_promoting_an_unsolved_thread_sends_the_curator_back_with_the_reason(client):
    from tests.factories import make_answer, make_question

    question = make_question()
    make_answer(question)
    logged_in(client, ModeratorFactory())

    response = client.get(promote_url(question), follow=True)

    assert response.redirect_chain[-1][0] == question.get_absolute_url()
    assert "Only solved threads can become knowledge-base articles" in response.text


def test_promoting_a_thread_again_leads_to_its_article(client):
    article = make_article()
    logged_in(client, ModeratorFactory())

    response = client.get(promote_url(article.question), follow=True)

    assert response.redirect_chain[-1][0] == article.get_absolute_url()
    assert "already a knowledge-base article" in response.text


def test_question_page_offers_promotion_to_curators_only_and_links_the_article_after(client):
    question, *_ = solved_thread()
    link_text = "Promote to knowledge base"

    assert link_text not in client.get(question.get_absolute_url()).text
    logged_in(client, UserFactory(reputation=999))
    assert link_text not in client.get(question.get_absolute_url()).text
    logged_in(client, UserFactory(reputation=1000))
    assert link_text in client.get(question.get_absolute_url()).text

    client.post(promote_url(question), promote_form(question))
    page = client.get(question.get_absolute_url()).text
    article = Article.objects.get()
    assert link_text not in page
    assert "This thread is now a knowledge-base article" in page
    assert article.get_absolute_url() in page


def test_invalid_promote_form_shows_errors(client):
    question, *_ = solved_thread()
    logged_in(client, ModeratorFactory())

    response = client.post(promote_url(question), promote_form(question, summary="short", tags="a b c d e f"))

    assert response.status_code == 400
    assert "Use at most 5 tags" in response.text
    assert "at least 20 characters" in response.text
    assert not Article.objects.exists()


# --- Reading ---------------------------------------------------------------------------------


def test_article_with_a_wrong_slug_redirects_permanently(client):
    article = make_article()

    response = client.get(reverse("kb:article_detail", args=[article.pk, "old-title"]))

    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get(reverse("kb:article_redirect", args=[article.pk])).status_code == 301


def test_kb_is_browsable_by_tag(client):
    billing = make_article(title="Card declined when renewing my plan", tags=("billing",))
    wifi = make_article(title="Router drops the connection every hour", tags=("wifi",))

    index = client.get(reverse("kb:index")).text
    assert reverse("kb:tag_detail", args=["billing"]) in index
    assert reverse("kb:tag_detail", args=["wifi"]) in index
    assert billing.title in index and wifi.title in index

    page = client.get(reverse("kb:tag_detail", args=["wifi"])).text
    assert wifi.title in page
    assert billing.title not in page
    assert client.get(reverse("kb:tag_detail", args=["no-such-tag"])).status_code == 404


def test_article_tags_do_not_count_as_questions_on_the_tags_page(client):
    make_article(tags=("billing",))

    response = client.get(reverse("forum:tag_list"))

    assert [(tag.slug, tag.question_count) for tag in response.context["page"]] == [("billing", 1)]


def test_needs_review_list_is_shown_to_curators_on_the_index(client):
    stale = make_article(title="Card declined when renewing my plan")
    fresh = make_article(title="Router drops the connection every hour")
    Article.objects.filter(pk=stale.pk).update(last_verified_at=timezone.now() - dt.timedelta(days=181))

    assert "Needs review" not in client.get(reverse("kb:index")).text

    logged_in(client, UserFactory(reputation=1000))
    response = client.get(reverse("kb:index"))
    assert "Needs review" in response.text
    assert list(response.context["needs_review"]) == [stale]
    assert fresh not in response.context["needs_review"]
    assert "more than 180 days ago" in client.get(stale.get_absolute_url()).text


# --- Editing, revisions, verifying -----------------------------------------------------------


def test_curator_edits_an_article_and_the_revision_page_shows_the_diff(client):
    article = make_article()
    logged_in(client, UserFactory(reputation=1000))
    form = {
        "title": article.title,
        "summary": article.summary,
        "body": f"{article.body}\n\nCall the number on the back of your card.",
        "tags": "billing",
        "note": "Added the bank step",
    }

    response = client.post(reverse("kb:article_edit", args=[article.pk]), form, follow=True)

    assert "Your edit is saved." in response.text
    assert "Call the number on the back of your card." in response.text
    revisions = client.get(reverse("kb:revisions", args=[article.pk])).text
    assert "Revision 2 (current)" in revisions
    assert "Added the bank step" in revisions
    assert "Call the number on the back of your card.</ins>" in revisions


def test_members_without_the_privilege_cannot_edit_or_verify(client):
    article = make_article()
    logged_in(client, StaffFactory(reputation=5))

    assert client.get(reverse("kb:article_edit", args=[article.pk])).status_code == 403
    assert client.post(reverse("kb:verify", args=[article.pk])).status_code == 403
    assert "Mark as verified" not in client.get(article.get_absolute_url()).text


def test_verify_updates_the_last_verified_date(client):
    article = make_article()
    Article.objects.filter(pk=article.pk).update(last_verified_at=timezone.now() - dt.timedelta(days=365))
    logged_in(client, ModeratorFactory())

    response = client.post(reverse("kb:verify", args=[article.pk]), follow=True)

    article.refresh_from_db()
    assert article.last_verified_at.date() == timezone.now().date()
    shown = dateformat.format(timezone.localtime(article.last_verified_at), "M j, Y")
    assert f"{shown}</time> by {article.last_verified_by.name}" in response.text
    assert "more than 180 days ago" not in response.text


# --- Query counts ----------------------------------------------------------------------------


def _index_and_article_queries(client, django_assert_max_num_queries, articles: int) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = [
        make_article(title=f"Article number {i} about billing", tags=("billing", f"t{i}"))
        for i in range(articles)
    ]
    Article.objects.filter(pk=made[0].pk).update(last_verified_at=timezone.now() - dt.timedelta(days=400))
    logged_in(client, ModeratorFactory())
    with CaptureQueriesContext(connection) as index, django_assert_max_num_queries(10):
        assert client.get(reverse("kb:index")).status_code == 200
    with CaptureQueriesContext(connection) as page, django_assert_max_num_queries(10):
        assert client.get(made[-1].get_absolute_url()).status_code == 200
    return len(index.captured_queries), len(page.captured_queries)


def test_index_and_article_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries):
    small = _index_and_article_queries(client, django_assert_max_num_queries, articles=1)
    large = _index_and_article_queries(client, django_assert_max_num_queries, articles=12)

    assert small == large


def test_the_sitemap_lists_every_article_and_the_index_on_the_request_host(client):
    import xml.etree.ElementTree as ET

    article = make_article()
    older = make_article(title="Resetting a forgotten password", tags=("security",))
    Article.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=30),
        last_verified_at=timezone.now() - dt.timedelta(days=3),
    )
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

    response = client.get("/sitemap.xml")

    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    entries = {url.findtext(f"{ns}loc"): url for url in root.iter(f"{ns}url")}
    for item in (article, older):
        assert f"http://testserver{item.get_absolute_url()}" in entries
    assert f"http://testserver{reverse('kb:index')}" in entries
    verified = entries[f"http://testserver{older.get_absolute_url()}"].findtext(f"{ns}lastmod")
    assert verified == (timezone.now() - dt.timedelta(days=3)).date().isoformat()  # verifying counts
    assert entries[f"http://testserver{article.get_absolute_url()}"].findtext(f"{ns}priority") == "0.9"
