"""A small forum whose every insight figure is worked out by hand in the tests.

NOW is Wednesday 12 March 2025, 12:00 UTC; the 30-day window starts Monday 10 February 12:00,
so its weeks (Monday starts) are Feb 10, Feb 17, Feb 24, Mar 3 and Mar 10.

    question  tag      asked        answers (by, posted after asking, score)           state
    q1        billing  NOW-10d      alice +1h 0; sam(staff) +3h 2, accepted            solved
    q2        billing  NOW-9d       bob +2h 0, accepted                                solved
    q3        wifi     NOW-8d       its asker +30min 5 (not counted); alice +5h 1      helped
    q4        wifi     NOW-2d       sam(staff) +6h 0; bob +8h 0                        waiting
    q5        billing  NOW-1d       sam(staff) +1h 3, but deleted                      waiting
    q6        billing  NOW-40d      alice at NOW-5d, 1                                 helped
    q7        billing  NOW-3d       bob +1h 0; the question is deleted                 not counted
    q8        billing  NOW-60d      none                                               waiting
"""

import datetime as dt

from forum.models import Answer, Question
from tests.factories import StaffFactory, UserFactory, make_answer, make_question

NOW = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
HOUR = 3600
DAY = 24 * HOUR


def _question(title: str, tag: str, asked: dt.datetime) -> Question:
    question = make_question(author=UserFactory(), title=title, tags=[tag])
    Question.objects.filter(pk=question.pk).update(created_at=asked, last_activity_at=asked)
    question.refresh_from_db()
    return question


def _answer(question: Question, author, at: dt.datetime, score: int = 0, **state) -> Answer:
    answer = make_answer(question, author=author)
    Answer.objects.filter(pk=answer.pk).update(created_at=at, score=score, **state)
    return answer


def _accept(question: Question, answer: Answer) -> None:
    Question.objects.filter(pk=question.pk).update(accepted_answer=answer)


def known_forum() -> dict:
    h = dt.timedelta(hours=1)
    d = dt.timedelta(days=1)
    sam = StaffFactory(username="sam", display_name="Sam")
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")

    q1 = _question("Charged twice for my March invoice", "billing", NOW - 10 * d)
    _answer(q1, alice, q1.created_at + 1 * h)
    _accept(q1, _answer(q1, sam, q1.created_at + 3 * h, score=2))

    q2 = _question("How do I change my billing address?", "billing", NOW - 9 * d)
    _accept(q2, _answer(q2, bob, q2.created_at + 2 * h))

    q3 = _question("Wifi drops every evening at eight", "wifi", NOW - 8 * d)
    _answer(q3, q3.author, q3.created_at + dt.timedelta(minutes=30), score=5)
    _answer(q3, alice, q3.created_at + 5 * h, score=1)

    q4 = _question("Router lights blink orange after update", "wifi", NOW - 2 * d)
    _answer(q4, sam, q4.created_at + 6 * h)
    _answer(q4, bob, q4.created_at + 8 * h)

    q5 = _question("Refund has not arrived after ten days", "billing", NOW - 1 * d)
    _answer(q5, sam, q5.created_at + 1 * h, score=3, deleted_at=NOW)

    q6 = _question("Can I pay my invoice by bank transfer?", "billing", NOW - 40 * d)
    _answer(q6, alice, NOW - 5 * d, score=1)

    q7 = _question("Spam question that was deleted quickly", "billing", NOW - 3 * d)
    Question.objects.filter(pk=q7.pk).update(deleted_at=NOW - 2 * d)
    _answer(q7, bob, q7.created_at + 1 * h)

    q8 = _question("Old invoice shows the wrong company name", "billing", NOW - 60 * d)

    return {
        "sam": sam,
        "alice": alice,
        "bob": bob,
        **{f"q{i}": q for i, q in enumerate([q1, q2, q3, q4, q5, q6, q7, q8], start=1)},
    }
