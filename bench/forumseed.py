"""The forum the benchmarks seed at scale (insights, search): members (1 in 100 staff), 20 tags,
questions spread over the past `days` days, answers with realistic timings (first answer after
a log-normal delay, median 3 hours; later ones after it), scores, acceptances and escalations.
Everything is inserted with bulk_create. The same forum every run (fixed random seeds).

The posts' words come from a `Text`: by default every question is "Benchmark question <i> about
a common problem" / "It stopped working after the update. ..." and every answer "Reset it from
the admin page, then restart it." (the forum issue 15 measured search on). `VariedText` adds a
few words drawn from a vocabulary to each (its own random stream, so the forum's shape, and the
number of questions and answers each query word matches, stay the same).
"""

import datetime as dt
import math
import random
import uuid

from common import UNUSABLE, say

HOUR = 3600.0

QUESTION_BODY = "It stopped working after the update. What should I try?"
ANSWER_BODY = "Reset it from the admin page, then restart it."


class Text:
    """The plain posts: every question and answer says the same."""

    def question(self, i: int) -> tuple[str, str]:
        return f"Benchmark question {i} about a common problem", QUESTION_BODY

    def answer(self) -> str:
        return ANSWER_BODY


class VariedText(Text):
    """The plain posts followed by words from a vocabulary of made-up words (none of them a word
    the search benchmark queries), Zipf-distributed as words in text are: titles get 1-4 more
    words, bodies 5-80, answers 3-60, so documents differ in length and rank."""

    SYLLABLES = ("ka", "lo", "mi", "ne", "tu", "ra", "si", "vo", "pe", "zu", "da", "fi", "go", "hu", "be")

    def __init__(self, seed: int = 7, words: int = 5000):
        self.rng = random.Random(seed)
        vocabulary = dict.fromkeys(
            "".join(self.rng.choice(self.SYLLABLES) for _ in range(self.rng.choice((2, 3, 3, 4))))
            for _ in range(words * 2)
        )
        self.vocabulary = list(vocabulary)[:words]
        self.weights = [1 / (rank + 1) for rank in range(len(self.vocabulary))]

    def words(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(self.vocabulary, self.weights, k=count))

    def question(self, i: int) -> tuple[str, str]:
        title, body = super().question(i)
        return f"{title} {self.words(1, 4)}", f"{body} {self.words(5, 80)}."

    def answer(self) -> str:
        return f"{ANSWER_BODY} {self.words(3, 60)}."


def _delay(rng: random.Random, median_hours: float, sigma: float) -> float:
    return min(rng.lognormvariate(math.log(median_hours * HOUR), sigma), 60 * 24 * HOUR)


def seed(*, questions: int, members: int, days: int, text: "Text | None" = None) -> dict:
    """Seed the forum (see the module's docstring); `text` writes the posts (plain by default)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from accounts.models import User
    from forum.models import Answer, Question
    from insights.models import Escalation

    rng = random.Random(42)  # the same forum every run
    text = text or Text()
    now = timezone.now()
    run = uuid.uuid4().hex[:6]
    User.objects.bulk_create(
        [
            User(
                username=f"i{run}{i}",
                email=f"i{run}{i}@example.com",
                password=UNUSABLE,
                is_staff=i % 100 == 0,
            )
            for i in range(members)
        ],
        batch_size=5000,
    )
    people = list(User.objects.filter(username__startswith=f"i{run}").values_list("pk", "is_staff"))
    staff = [pk for pk, is_staff in people if is_staff]
    customers = [pk for pk, is_staff in people if not is_staff]
    helpers = customers[: len(customers) // 5]  # a fifth of customers do most of the answering
    tags = Tag.objects.bulk_create([Tag(name=f"topic{i}", slug=f"topic{i}") for i in range(20)])
    question_type = ContentType.objects.get_for_model(Question)

    stats = {"questions": 0, "answers": 0, "accepted": 0, "tagged_items": 0, "escalations": 0}
    chunk = 10_000
    for first in range(0, questions, chunk):
        plans, rows = [], []
        for i in range(first, min(first + chunk, questions)):
            asked = now - dt.timedelta(seconds=rng.uniform(0, days * 24 * HOUR))
            asker = rng.choice(customers)
            answers, at = [], asked
            if rng.random() < 0.85:  # 15% never get an answer
                for k in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
                    at += dt.timedelta(seconds=_delay(rng, 3 if k == 0 else 6, 1.3 if k == 0 else 1.0))
                    if at >= now:
                        break
                    author = rng.choice(staff) if rng.random() < 0.2 else rng.choice(helpers)
                    score = rng.choices((-1, 0, 1, 2, 3, 5), weights=(3, 45, 25, 15, 8, 4))[0]
                    answers.append((author if author != asker else rng.choice(staff), at, score))
            accepted = rng.randrange(len(answers)) if answers and rng.random() < 0.45 else None
            plans.append((answers, accepted, rng.sample(tags, rng.choice((1, 1, 2)))))
            title, body = text.question(i)
            rows.append(
                Question(
                    title=title,
                    slug=f"benchmark-question-{i}",
                    body=body,
                    body_html=f"<p>{body}</p>",
                    author_id=asker,
                    created_at=asked,
                    last_activity_at=answers[-1][1] if answers else asked,
                    answer_count=len(answers),
                    score=rng.choice((0, 0, 0, 1, 2)),
                )
            )
        created = Question.objects.bulk_create(rows, batch_size=5000)
        answer_rows, accepted_at = [], []
        for question, (answers, accepted, _tags) in zip(created, plans, strict=True):
            for k, (author, at, score) in enumerate(answers):
                if k == accepted:
                    accepted_at.append((len(answer_rows), question.pk))
                answer_body = text.answer()
                answer_rows.append(
                    Answer(
                        question_id=question.pk,
                        author_id=author,
                        body=answer_body,
                        body_html=f"<p>{answer_body}</p>",
                        created_at=at,
                        score=score,
                    )
                )
        saved = Answer.objects.bulk_create(answer_rows, batch_size=5000)
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE forum_question SET accepted_answer_id = %s WHERE id = %s",
                    [(saved[index].pk, question_id) for index, question_id in accepted_at],
                )
        else:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMP TABLE bench_accept (question_id bigint, answer_id bigint)")
                with cursor.cursor.copy("COPY bench_accept (question_id, answer_id) FROM STDIN") as copy:
                    for index, question_id in accepted_at:
                        copy.write_row((question_id, saved[index].pk))
                cursor.execute(
                    "UPDATE forum_question q SET accepted_answer_id = b.answer_id"
                    " FROM bench_accept b WHERE q.id = b.question_id"
                )
                cursor.execute("DROP TABLE bench_accept")
        items = [
            TaggedItem(content_type=question_type, object_id=question.pk, tag=tag)
            for question, (_answers, _accepted, question_tags) in zip(created, plans, strict=True)
            for tag in question_tags
        ]
        TaggedItem.objects.bulk_create(items, batch_size=5000)
        escalated = rng.sample(created, max(1, len(created) // 500))
        escalations = Escalation.objects.bulk_create(
            [
                Escalation(
                    question_id=question.pk,
                    opened_by_id=rng.choice(staff),
                    opened_at=question.created_at + dt.timedelta(days=1),
                    **(
                        {
                            "state": "resolved",
                            "outcome": "Fixed on our side.",
                            "outcome_html": "<p>Fixed on our side.</p>",
                            "outcome_by_id": rng.choice(staff),
                            "outcome_at": question.created_at + dt.timedelta(days=3),
                        }
                        if rng.random() < 0.7
                        else {}
                    ),
                )
                for question in escalated
                if question.created_at + dt.timedelta(days=1) < now
            ]
        )
        # What insights.services.escalation_resolve tells the forum: the company answered.
        for escalation in escalations:
            if escalation.outcome_at:
                Question.objects.filter(pk=escalation.question_id).update(outcome_at=escalation.outcome_at)
        stats["questions"] += len(created)
        stats["answers"] += len(saved)
        stats["accepted"] += len(accepted_at)
        stats["tagged_items"] += len(items)
        stats["escalations"] += len(escalated)
        say(f"seeded {stats['questions']:,} questions, {stats['answers']:,} answers")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return stats
