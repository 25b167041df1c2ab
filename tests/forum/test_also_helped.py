"""The asker may mark up to 3 answers besides the accepted one as "also helped" (+5 each)."""

import pytest

from forum import services
from forum.models import AlsoHelped
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    question = make_question()
    answers = [make_answer(question, body=f"Answer number {i}: update the firmware.") for i in range(5)]
    return question, answers


def toggle(client, answer, **headers):
    return client.post(f"/answers/{answer.pk}/also-helped/", **headers)


def test_asker_sees_an_also_helped_toggle_on_answers_and_everyone_sees_the_mark(client, thread):
    question, answers = thread
    client.force_login(question.author)

    page = client.get(question.get_absolute_url()).content.decode()
    assert page.count('aria-pressed="false">Also helped</button>') == len(answers)

    toggle(client, answers[0])
    page = client.get(question.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">Also helped</button>' in page

    client.force_login(UserFactory())
    page = client.get(question.get_absolute_url()).content.decode()
    assert "✓ Also helped" in page
    assert "Also helped</button>" not in page


def test_without_js_marking_redirects_back_to_the_answer_with_a_message(client, thread):
    question, answers = thread
    client.force_login(question.author)

    response = toggle(client, answers[1])
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-{answers[1].pk}"
    assert AlsoHelped.objects.filter(answer=answers[1]).exists()

    response = toggle(client, answers[1], follow=True)
    assert "No longer marked as also helped." in response.content.decode()
    assert not AlsoHelped.objects.exists()


def test_with_htmx_the_answers_section_comes_back_updated(client, thread):
    question, answers = thread
    client.force_login(question.author)

    response = toggle(client, answers[0], HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert '<section id="answers"' in body
    assert "✓ Also helped" in body


def test_asker_marks_up_to_3_and_the_4th_is_refused_with_a_message(client, thread):
    question, answers = thread
    client.force_login(question.author)
    for answer in answers[:3]:
        toggle(client, answer)

    response = toggle(client, answers[3], follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#answer-{answers[3].pk}")
    assert "You can mark at most 3 answers as also helped." in response.content.decode()

    response = toggle(client, answers[3], HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "You can mark at most 3 answers as also helped." in response.content.decode()
    assert AlsoHelped.objects.count() == 3


def test_the_accepted_answer_cannot_also_be_marked(client, thread):
    question, answers = thread
    services.answer_accept_toggle(answer=answers[0], user=question.author)
    client.force_login(question.author)

    page = client.get(question.get_absolute_url()).content.decode()
    response = toggle(client, answers[0], follow=True)

    assert page.count("Also helped</button>") == len(answers) - 1
    assert "This is the accepted answer already." in response.content.decode()
    assert not AlsoHelped.objects.exists()


def test_only_the_asker_may_mark(client, thread):
    _question, answers = thread

    assert toggle(client, answers[0]).status_code == 302  # anonymous: off to log in
    client.force_login(answers[0].author)
    assert toggle(client, answers[0]).status_code == 403
    client.force_login(UserFactory(reputation=5000))
    assert toggle(client, answers[0]).status_code == 403
    assert not AlsoHelped.objects.exists()


def test_marking_pays_5_after_commit_and_unmarking_reverses_it(
    client, thread, django_capture_on_commit_callbacks
):
    question, answers = thread
    helper = answers[2].author
    client.force_login(question.author)

    with django_capture_on_commit_callbacks(execute=True):
        toggle(client, answers[2])
    entry = LedgerEntry.objects.get(user=helper, rule="also_helped")
    assert entry.amount == 5
    helper.refresh_from_db()
    assert helper.reputation == 6

    with django_capture_on_commit_callbacks(execute=True):
        toggle(client, answers[2])
    amounts = sorted(
        LedgerEntry.objects.filter(user=helper, rule="also_helped").values_list("amount", flat=True)
    )
    assert amounts == [-5, 5]
    helper.refresh_from_db()
    assert helper.reputation == 1
