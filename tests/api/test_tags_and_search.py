"""Tags and the site's search through the API: the same counts, ranking, filters, highlights and
visibility as /tags/ and /search/."""

import pytest
from django.utils import timezone

from forum import services
from forum.models import Question
from notifications import services as notification_services
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Tags -------------------------------------------------------------------------------------


def test_tags_are_listed_most_used_first_with_counts_and_their_questions_link(api):
    for n in range(3):
        make_question(title=f"Wifi drops every evening, case {n}", tags=["wifi"])
    make_question(title="Billing twice for one month", tags=["billing", "wifi"])

    tags = ok(api.get("/api/v1/tags/"))["results"]

    assert [(tag["name"], tag["question_count"]) for tag in tags] == [("wifi", 4), ("billing", 1)]
    billing = tags[1]
    assert billing["url"] == "http://testserver/tags/billing/"
    assert billing["questions"] == "http://testserver/api/v1/questions/?tag=billing"
    listed = ok(api.get(billing["questions"]))["results"]
    assert [question["title"] for question in listed] == ["Billing twice for one month"]


def test_tags_are_filtered_by_name_as_on_the_tags_page(api):
    make_question(title="Two-factor codes never arrive", tags=["two-factor", "sms"])
    assert [tag["name"] for tag in ok(api.get("/api/v1/tags/?q=two"))["results"]] == ["two-factor"]


def test_the_tag_list_pages_with_a_cursor_and_costs_a_fixed_number_of_queries(
    api, django_assert_max_num_queries
):
    for n in range(7):
        make_question(title=f"A question about topic number {n}", tags=[f"topic-{n}"] + ["common"] * (n % 2))
    seen, url = [], "/api/v1/tags/?page_size=3"
    while url:
        with django_assert_max_num_queries(1):  # the page (no count: a cursor)
            page = ok(api.get(url))
        seen += [tag["slug"] for tag in page["results"]]
        url = page["next"]
    assert seen[0] == "common"
    assert sorted(seen) == sorted(["common", *(f"topic-{n}" for n in range(7))])


def test_one_tag_says_whether_the_caller_watches_it(api):
    make_question(title="Wifi drops every evening here", tags=["wifi"])
    reader = UserFactory()
    tag = Question.objects.get().tags.get()
    notification_services.tag_watch(user=reader, tag=tag)

    mine = ok(api.get("/api/v1/tags/wifi/", token=key_for(reader, "read")))
    anonymous = ok(api.get("/api/v1/tags/wifi/"))

    assert mine["viewer_mode"] == "watch"
    assert mine["question_count"] == 1
    assert anonymous["viewer_mode"] is None


def test_an_unknown_tag_is_a_404(api):
    assert error(api.get("/api/v1/tags/no-such-tag/"), 404)["code"] == "not_found"


# --- Search -----------------------------------------------------------------------------------


def test_search_ranks_a_title_match_first_and_marks_the_words(api):
    in_body = make_question(
        title="Connection keeps dropping at night",
        body="The router firmware might be the cause, I have not updated it.",
    )
    in_title = make_question(
        title="How do I update my router firmware?", body="I can't find the page for it."
    )

    page = ok(api.get("/api/v1/search/?q=firmware"))

    assert [hit["question"]["id"] for hit in page["results"]] == [in_title.pk, in_body.pk]
    assert page["count"] == 2
    assert "<mark>firmware</mark>" in page["results"][0]["title_html"]
    assert "<mark>firmware</mark>" in page["results"][1]["snippet_html"]
    assert page["results"][0]["question"]["url"].startswith("http://testserver/questions/")


def test_a_match_only_in_an_answer_says_so(api):
    question = make_question(title="My phone will not connect at all")
    make_answer(question, body="Forget the network and join it again with the WPA2 passphrase.")
    hit = ok(api.get("/api/v1/search/?q=passphrase"))["results"][0]
    assert hit["snippet_from_answer"] is True
    assert "<mark>passphrase</mark>" in hit["snippet_html"]


def test_search_filters_by_tag_and_status_as_the_web(api):
    wifi = make_question(title="Printer offline over wifi", tags=["wifi"])
    billing = make_question(title="Printer plan charged twice", tags=["billing"])
    answer = make_answer(billing)
    services.answer_accept_toggle(answer=answer, user=billing.author)

    def found(query: str) -> list[int]:
        return [hit["question"]["id"] for hit in ok(api.get(f"/api/v1/search/?q=printer{query}"))["results"]]

    assert found("&tag=wifi") == [wifi.pk]
    assert found("&tag=WIFI") == [wifi.pk]  # the web lowercases the tag too
    assert found("&status=solved") == [billing.pk]
    assert found("&status=unanswered") == [wifi.pk]


def test_search_never_finds_a_deleted_or_held_question_even_for_moderators(api):
    make_question(title="Router lights blink orange")
    deleted = make_question(title="Router lights blink red")
    Question.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    token = key_for(ModeratorFactory(), "read")
    titles = [
        hit["question"]["title"] for hit in ok(api.get("/api/v1/search/?q=router", token=token))["results"]
    ]
    assert titles == ["Router lights blink orange"]


def test_matching_articles_come_first_on_the_first_page_only(api):
    article = make_article(title="Card declined when renewing my plan")
    page = ok(api.get("/api/v1/search/?q=declined&page_size=1"))
    assert [hit["id"] for hit in page["articles"]] == [article.pk]
    assert page["articles"][0]["url"] == f"http://testserver{article.get_absolute_url()}"
    assert "<mark>declined</mark>" in page["articles"][0]["title_html"]
    assert page["next"] is None  # the one question (the thread the article came from)


def test_search_pages_with_a_cursor_and_back(api, django_assert_max_num_queries):
    made = [make_question(title=f"Modem question number {n} about the modem") for n in range(5)]
    seen, url = [], "/api/v1/search/?q=modem&page_size=2"
    while url:
        # count, the ranked page, its questions, their tags and their authors' groups, the articles
        with django_assert_max_num_queries(6):
            page = ok(api.get(url))
        assert page["count"] == 5
        seen += [hit["question"]["id"] for hit in page["results"]]
        last, url = page, page["next"]
    assert sorted(seen) == sorted(question.pk for question in made)
    assert len(seen) == 5
    back = ok(api.get(last["previous"]))
    assert [hit["question"]["id"] for hit in back["results"]] == seen[2:4]
    assert ok(api.get(back["previous"]))["previous"] is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a word or two to search for."),
        ("q=", "Type a word or two to search for."),
        ("q=how+to", "Type a word or two to search for: “how to” has nothing to look up on its own."),
    ],
)
def test_a_search_with_nothing_to_look_up_is_a_400_with_the_webs_sentence(api, query, message):
    refused = error(api.get(f"/api/v1/search/?{query}"), 400)
    assert refused["fields"]["q"] == [message]


def test_a_bad_cursor_is_a_404(api):
    assert error(api.get("/api/v1/search/?q=router&cursor=not-a-cursor"), 404)["message"]
