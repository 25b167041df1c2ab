"""Search: the same tests run on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from forum import services
from forum.search import parse_query, search_questions, similar_questions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FILLER = "Some details about what happened and what I already tried before asking here."


def ask(title, body=FILLER, tags=("general",), author=None):
    question, _ = services.question_create(
        author=author or UserFactory(), title=title, body=body, tags=list(tags)
    )
    return question


def reply(question, body):
    answer, _ = services.answer_create(question=question, author=UserFactory(), body=body)
    return answer


def found(q, **filters):
    results = search_questions(q, **filters)
    return [hit.question for hit in results[: results.count()]]


def titles(q, **filters):
    return [question.title for question in found(q, **filters)]


# --- Ranking and matching --------------------------------------------------------------------


def test_title_match_outranks_body_match_which_outranks_answer_only_match():
    # Created oldest first: the newer-first tie-break alone would give the reverse order.
    in_title = ask("Refund never arrived after cancelling")
    in_body = ask("Money missing after cancelling", body=f"{FILLER} The refund never showed up on my card.")
    in_answer = ask("Cancelled plan but still charged")
    reply(in_answer, "Support can issue a refund from the billing page within a week.")

    assert found("refund") == [in_title, in_body, in_answer]


def test_word_only_in_an_answer_finds_the_question():
    question = ask("Router keeps dropping the connection")
    reply(question, "Update the firmware from the admin console; that fixed it for me.")

    assert found("firmware") == [question]


def test_plain_words_must_all_match_and_stem():
    both = ask("Printer will not connect to wifi")
    ask("Printer jams on every page")

    assert found("printers wifi") == [both]


def test_quoted_phrase_matches_words_in_that_order_only():
    in_order = ask("Password reset email never arrives")
    ask("Reset my router password", body=f"{FILLER} Which email address do I use?")

    assert found('"password reset"') == [in_order]


def test_minus_excludes_a_word_or_a_phrase():
    wired = ask("Printer offline over cable")
    wireless = ask("Printer offline over wireless")

    assert found("printer -wireless") == [wired]
    assert found('printer -"over cable"') == [wireless]


def test_or_accepts_either_word():
    invoice = ask("Where can I download my invoice")
    receipt = ask("Lost the receipt for my order")
    ask("Order arrived damaged")

    assert set(found("invoice OR receipt")) == {invoice, receipt}
    assert set(found("invoice or receipt")) == {invoice, receipt}


def test_stop_words_alone_find_nothing():
    ask("How to do this and that")

    results = search_questions("how to do this")
    assert not results.query
    assert results.count() == 0


@pytest.mark.parametrize(
    ("q", "websearch", "fts5"),
    [
        ("reset password", '"reset" "password"', '("reset" AND "password")'),
        ('"reset password" -modem', '"reset password" -"modem"', '(("reset password") NOT ("modem"))'),
        ("wifi OR bluetooth", '"wifi" or "bluetooth"', '("wifi") OR ("bluetooth")'),
        ('AND NEAR(x) "open', '"NEAR(x)" "open"', '("NEAR(x)" AND "open")'),
        ('the - * " OR', "", ""),
    ],
)
def test_query_is_rewritten_safely_for_each_engine(q, websearch, fts5):
    query = parse_query(q)

    assert query.websearch() == websearch
    assert query.fts5() == fts5


# --- Filters ---------------------------------------------------------------------------------


def test_tag_filter_keeps_only_questions_with_that_tag():
    billing = ask("Card declined on renewal", tags=["billing"])
    ask("Card reader not detected", tags=["hardware"])

    assert found("card", tag="billing") == [billing]
    assert found("card", tag="no-such-tag") == []


def test_solved_and_unanswered_filters():
    solved = ask("Modem lights blinking orange")
    answer = reply(solved, "Orange means no signal: call the line check number.")
    services.answer_accept_toggle(answer=answer, user=solved.author)
    waiting = ask("Modem makes a clicking noise")

    assert found("modem", status="solved") == [solved]
    assert found("modem", status="unanswered") == [waiting]
    assert set(found("modem")) == {solved, waiting}


def test_filters_combine_in_the_page(client):
    ask("Coupon code rejected at checkout", tags=["billing"])
    ask("Coupon code missing from email", tags=["promotions"])

    response = client.get(reverse("forum:search"), {"q": "coupon", "tag": "billing", "status": "unanswered"})

    assert response.status_code == 200
    assert "1 result for" in response.text
    assert "rejected at checkout" in response.text
    assert "missing from email" not in response.text


# --- Snippets --------------------------------------------------------------------------------


def test_snippet_highlights_matches_and_escapes_what_members_wrote():
    ask(
        "Strange <b>popup</b> on login",
        body='The page shows <script>alert("hi")</script> and then a Discount banner I never asked for.',
    )

    [hit] = search_questions("discount")[:1]

    assert "<mark>Discount</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert "&lt;b&gt;popup&lt;/b&gt;" in hit.title_html
    assert "<b>" not in hit.title_html


def test_title_and_answer_matches_are_highlighted_in_the_page(client):
    question = ask("Voicemail greeting resets itself")
    reply(
        question,
        "After the update finishes, re-record the greeting; the <script>bad()</script> box is harmless.",
    )

    response = client.get(reverse("forum:search"), {"q": "re-record"})

    assert response.status_code == 200
    assert "From an answer:" in response.text
    assert "<mark>" in response.text
    assert "&lt;script&gt;bad()" in response.text
    assert "<script>bad()" not in response.text

    response = client.get(reverse("forum:search"), {"q": "voicemail"})
    assert "<mark>Voicemail</mark> greeting resets itself" in response.text


# --- Keeping the index current ---------------------------------------------------------------


def test_editing_a_question_updates_the_index():
    question = ask("Modem will not power on")

    services.question_edit(
        question=question,
        editor=question.author,
        title="Router will not power on",
        body=f"{FILLER} The adapter is warm.",
        tags=["hardware"],
    )

    assert found("modem") == []
    assert found("router") == [question]
    assert found("adapter") == [question]


def test_editing_an_answer_updates_the_index():
    question = ask("Phone will not charge")
    answer = reply(question, "Try another cable before anything else.")

    services.answer_edit(answer=answer, editor=answer.author, body="Clean the port with a wooden toothpick.")

    assert found("cable") == []
    assert found("toothpick") == [question]


# --- Robustness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "AND OR",
        "*",
        "-",
        "NOT",
        "NEAR(",
        '"unclosed phrase',
        "a:b",
        "^",
        "(",
        "\x00",
        "x" * 5000,
        "word " * 300,
    ],
)
def test_awkward_queries_answer_200_without_error(client, q):
    ask("Ordinary question about words")

    response = client.get(reverse("forum:search"), {"q": q, "page": "abc", "status": "bogus", "tag": "\x00"})

    assert response.status_code == 200


def test_unsearchable_query_gets_a_friendly_message(client):
    response = client.get(reverse("forum:search"), {"q": "*"})

    assert response.status_code == 200
    assert "Type a word or two to search for" in response.text


def test_no_results_suggests_asking(client):
    ask("Something unrelated entirely")

    response = client.get(reverse("forum:search"), {"q": "xylophone"})

    assert "0 results for" in response.text
    assert reverse("forum:ask") in response.text
    assert "Ask a question" in response.text


def test_search_without_a_query_shows_the_form(client):
    response = client.get(reverse("forum:search"))

    assert response.status_code == 200
    assert '<label for="search-q">' in response.text
    assert 'name="status"' in response.text
    assert "Search question titles, questions and their answers." in response.text
    assert "results for" not in response.text


def test_results_are_paginated(client, settings):
    settings.QUESTIONS_PER_PAGE = 2
    for n in range(5):
        ask(f"Bluetooth pairing problem number {n}")

    first = client.get(reverse("forum:search"), {"q": "bluetooth"})
    last = client.get(reverse("forum:search"), {"q": "bluetooth", "page": 3})

    assert "5 results for" in first.text
    assert first.text.count('class="question-summary') == 2
    assert last.text.count('class="question-summary') == 1
    assert "Page 3 of 3" in last.text


def test_search_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    def make(count):
        for n in range(count):
            question = ask(f"Roaming charges abroad case {n}", tags=["billing", f"trip{n}"])
            reply(question, "Turn off data roaming in settings.")

    make(2)
    client.force_login(UserFactory())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("forum:search"), {"q": "roaming", "tag": "billing"})
    assert response.text.count('class="question-summary') == 2

    make(10)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("forum:search"), {"q": "roaming", "tag": "billing"})
    assert response.text.count('class="question-summary') == 12


# --- Similar questions while asking -----------------------------------------------------------


def test_similar_questions_fragment_lists_a_match_for_a_partial_title(client):
    question = ask("How do I reset my router after a power cut?")
    ask("Billing address change")

    response = client.get(reverse("forum:similar"), {"title": "reset router"})

    assert response.status_code == 200
    assert question.get_absolute_url() in response.text
    assert "Billing address" not in response.text


def test_similar_questions_stop_at_five():
    for n in range(7):
        ask(f"Voucher expired early {n}")

    assert len(similar_questions("my voucher expired")) == 5


def test_similar_questions_fragment_marks_solved_questions(client):
    question = ask("Voucher code expired before checkout")
    services.answer_accept_toggle(answer=reply(question, "Ask support to reissue it."), user=question.author)

    response = client.get(reverse("forum:similar"), {"title": "expired voucher code"})

    assert "✓ solved" in response.text


def test_similar_questions_ignores_short_titles(client):
    ask("Wifi drops at night")

    response = client.get(reverse("forum:similar"), {"title": "wifi"})

    assert response.status_code == 200
    assert response.text.strip() == ""


def test_ask_title_field_asks_for_similar_questions(member_client):
    response = member_client.get(reverse("forum:ask"))

    assert f'hx-get="{reverse("forum:similar")}"' in response.text
    assert 'id="similar-questions"' in response.text


def test_edit_form_title_does_not_ask_for_similar_questions():
    from forum.forms import QuestionEditForm, QuestionForm

    assert "hx-get" not in QuestionEditForm().fields["title"].widget.attrs
    assert "hx-get" in QuestionForm().fields["title"].widget.attrs


# --- Tags and hyphenated words ---------------------------------------------------------------


def test_tags_are_indexed_and_a_retag_is_reindexed():
    question = ask("Router keeps dropping the Wi-Fi connection", tags=["wifi", "router"])

    assert found("router wifi") == [question]
    assert found("networking") == []

    services.question_edit(
        question=question, editor=question.author, title=question.title, body=FILLER, tags=["networking"]
    )

    assert found("networking") == [question]


@pytest.mark.parametrize("q", ["wifi", "WiFi", "Wi-Fi", "wi fi", "wi-fi"])
def test_hyphenated_joined_and_spaced_spellings_find_each_other(q):
    hyphenated = ask("Laptop loses Wi-Fi after sleep")
    joined = ask("Phone forgets the WiFi password", body=f"{FILLER} It happens daily.")
    in_answer = ask("Tablet is offline every morning")
    reply(in_answer, "Turn off the wi-fi power saving option.")
    ask("Laptop fan is loud after sleep")

    assert set(found(q)) == {hyphenated, joined, in_answer}


def test_a_hyphenated_match_is_still_highlighted_as_written():
    ask("Laptop loses Wi-Fi after sleep")

    (hit,) = search_questions("wi-fi")[:1]

    assert "<mark>" in hit.title_html


def test_rebuild_command_reindexes_every_question_with_its_tags(capsys):
    question = ask("Paper jams in the tray", tags=["printer"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM forum_search_document")
    assert found("printer") == []

    call_command("search_rebuild")

    assert found("printer") == [question]
    assert "Indexed 1 questions." in capsys.readouterr().out
