"""Every moderation URL answers 403 to a member, however much reputation they have, and sends an
anonymous visitor to log in. Built from moderation.urls itself, so a URL added later is covered
without touching this file; only the member-facing ones in MEMBER_URL_NAMES are exempt."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, converters, reverse

from moderation import urls as moderation_urls
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def _named_patterns(patterns, namespace="moderation"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace, pattern


MODERATOR_ONLY = [
    (namespace, pattern)
    for namespace, pattern in _named_patterns(moderation_urls.urlpatterns)
    if pattern.name not in moderation_urls.MEMBER_URL_NAMES
]


def _sample(converter, existing_id: int):
    if isinstance(converter, converters.IntConverter):
        return existing_id
    if isinstance(converter, converters.UUIDConverter):
        return uuid.uuid4()
    return "question"  # str, slug and path converters: a post kind is the commonest


def _url(namespace: str, pattern: URLPattern, existing_id: int) -> str:
    route = pattern.pattern
    found = getattr(route, "converters", None)
    if found is None:  # a regex pattern: every named group gets the existing id
        kwargs = dict.fromkeys(route.regex.groupindex, existing_id)
    else:
        kwargs = {name: _sample(converter, existing_id) for name, converter in found.items()}
    return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)


def _ids(params):
    return [pattern.name for _, pattern in params]


@pytest.fixture
def existing_id():
    question = make_question()
    make_answer(question)
    return question.pk


def test_moderation_urls_exist_and_member_names_are_real():
    names = {pattern.name for _, pattern in _named_patterns(moderation_urls.urlpatterns)}
    assert {"queue", "log", "flag_accept", "flag_decline"} <= names
    assert names >= moderation_urls.MEMBER_URL_NAMES


@pytest.mark.parametrize(("namespace", "pattern"), MODERATOR_ONLY, ids=_ids(MODERATOR_ONLY))
def test_members_get_403_from_every_moderator_url(client, namespace, pattern, existing_id):
    client.force_login(UserFactory(reputation=100_000, is_staff=True))
    url = _url(namespace, pattern, existing_id)

    assert client.get(url).status_code == 403, f"GET {url}"
    assert client.post(url, {"outcome": "delete", "reason": "spam"}).status_code == 403, f"POST {url}"


@pytest.mark.parametrize(("namespace", "pattern"), MODERATOR_ONLY, ids=_ids(MODERATOR_ONLY))
def test_anonymous_visitors_are_sent_to_log_in_from_every_moderator_url(
    client, namespace, pattern, existing_id
):
    url = _url(namespace, pattern, existing_id)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login"))
