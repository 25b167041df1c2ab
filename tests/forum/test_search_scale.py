"""Search at scale (issue 15): bounded candidates, capped counts, paging to the bound, the
rebuild's progress and its equality with indexing one question at a time. Runs on SQLite
(FTS5) and PostgreSQL; the bounds are made small so a handful of questions exceeds them."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from forum import search, selectors
from forum.search import search_questions, similar_questions
from tests.forum.test_search import FILLER, ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_bounds(monkeypatch):
    """At most 5 results shown and counted; candidates: the newest 6 (and 6 title matches)."""
    monkeypatch.setattr(search, "MAX_RESULTS", 5)
    monkeypatch.setattr(search, "CANDIDATES", 6)


def test_an_old_title_match_still_ranks_first_among_many_newer_answer_matches(small_bounds):
    in_title = ask("Voicemail greeting resets itself")
    for n in range(8):  # newer, and more than the candidate bound
        reply(ask(f"Phone question {n}"), "Record the voicemail greeting again from the app.")

    assert search_questions("voicemail")[0].question == in_title


def test_count_is_capped_and_the_page_says_more_match(client, small_bounds):
    for n in range(8):
        ask(f"Hotspot drops every hour, case {n}")

    results = search_questions("hotspot")
    assert results.count() == 5
    assert results.more is True
    response = client.get(reverse("forum:search"), {"q": "hotspot"})
    assert "More than 5 results for “hotspot”" in response.text
    assert response.text.count('class="question-summary') == 5


def test_a_count_under_the_cap_is_exact(small_bounds):
    for n in range(3):
        ask(f"Hotspot drops every hour, case {n}")

    results = search_questions("hotspot")
    assert (results.count(), results.more) == (3, False)


def test_pages_go_up_to_the_cap_without_repeating_a_question(small_bounds, settings):
    settings.QUESTIONS_PER_PAGE = 2
    asked = [ask(f"Hotspot drops every hour, case {n}") for n in range(8)]

    pages = [selectors.paginate(search_questions("hotspot"), str(n)) for n in (1, 2, 3, 4)]
    listed = [hit.question for page in pages[:3] for hit in page.object_list]

    assert pages[0].paginator.num_pages == 3
    assert len(listed) == 5 and len(set(listed)) == 5
    assert set(listed) <= set(asked)
    assert pages[3].number == 3  # past the last page: the last page, as everywhere
    assert search_questions("hotspot")[5:10] == []


def test_phrase_with_a_tag_filter(small_bounds):
    wanted = ask(
        "Tethering over USB stops", body=f"{FILLER} The phone says data limit reached.", tags=["mobile"]
    )
    ask("Tethering stops", body=f"{FILLER} The limit of data was reached.", tags=["mobile"])
    ask("Data limit reached on tablet", body=FILLER, tags=["tablet"])

    assert [hit.question for hit in search_questions('"data limit reached"', tag="mobile")[:5]] == [wanted]


def test_similar_questions_find_an_old_title_beyond_the_bound(small_bounds):
    old = ask("Bluetooth keyboard will not pair")
    for n in range(8):
        reply(ask(f"Another question {n}"), "A keyboard shortcut does it.")

    assert similar_questions("keyboard pairing fails")[0] == old


# --- Rebuilding ------------------------------------------------------------------------------


def _documents():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT question_id, title, body, answers, keywords, variants, vector::text,"
                " title_vector::text FROM forum_search_document ORDER BY question_id"
            )
        else:
            cursor.execute(
                "SELECT d.rowid, d.title, body, answers, d.keywords, variants, t.title, t.keywords"
                " FROM forum_search_document d LEFT JOIN forum_search_title t ON t.rowid = d.rowid"
                " ORDER BY d.rowid"
            )
        return cursor.fetchall()


def test_rebuild_gives_the_same_index_as_indexing_one_question_at_a_time(monkeypatch):
    monkeypatch.setattr(search, "REBUILD_BATCH", 2)  # several batches
    questions = [ask(f"Wi-Fi router question {n}", tags=["wifi", f"model-{n}"]) for n in range(5)]
    reply(questions[1], "Reset the <b>router</b> & update the firmware.")
    reply(questions[1], "An e-mail from support fixed it.")
    incremental = _documents()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM forum_search_document WHERE question_id = %s"
            if connection.vendor == "postgresql"
            else "DELETE FROM forum_search_document WHERE rowid = %s",
            [questions[2].pk],
        )
        if connection.vendor == "postgresql":  # a document left by a question that is gone
            cursor.execute("INSERT INTO forum_search_document (question_id, title) VALUES (999999, 'gone')")

    call_command("search_rebuild", stdout=io.StringIO())

    assert _documents() == incremental


def test_rebuild_reports_progress_in_plain_lines_without_a_terminal(monkeypatch):
    monkeypatch.setattr(search, "REBUILD_BATCH", 2)
    for n in range(5):
        ask(f"Printer question {n}")
    out = io.StringIO()

    call_command("search_rebuild", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[-2].startswith("Indexed 5 of 5 questions (100%")
    assert lines[-1].startswith("Indexed 5 questions.")
