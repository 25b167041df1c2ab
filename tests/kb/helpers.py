"""Solved threads and articles made through the services, as people would make them."""

from forum import services as forum_services
from kb import services
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

ACCEPTED_BODY = "Open **Settings → Billing**, remove the expired card and add the new one."
ALSO_BODY = "If the card is still declined, ask your bank to allow recurring payments."
OTHER_BODY = "Have you tried switching it off and on again? Works every time."


def solved_thread(title="Card declined when renewing my plan", tags=("billing",), asker=None):
    """A question with an accepted answer, one marked "also helped" and one plain answer."""
    asker = asker or UserFactory()
    question = make_question(author=asker, title=title, tags=tags)
    accepted = make_answer(question, author=UserFactory(display_name="Alice Able"), body=ACCEPTED_BODY)
    also = make_answer(question, author=UserFactory(display_name="Bob Bright"), body=ALSO_BODY)
    other = make_answer(question, author=UserFactory(display_name="Carl Cole"), body=OTHER_BODY)
    forum_services.answer_accept_toggle(answer=accepted, user=asker)
    forum_services.answer_also_helped_toggle(answer=also, user=asker)
    question.refresh_from_db()
    return question, accepted, also, other


def promote(question, curator=None, **overrides):
    fields = {
        "title": question.title,
        "summary": "Replace the expired card in billing settings, then ask your bank.",
        "body": f"{ACCEPTED_BODY}\n\n{ALSO_BODY}",
        "tags": list(question.tags.names()),
        **overrides,
    }
    return services.article_promote(question=question, curator=curator or ModeratorFactory(), **fields)


def make_article(title="Card declined when renewing my plan", tags=("billing",), curator=None, **overrides):
    question, *_ = solved_thread(title=title, tags=tags)
    return promote(question, curator=curator, **overrides)
