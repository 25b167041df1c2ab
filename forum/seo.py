"""Findability: schema.org QAPage structured data and plain-text excerpts for questions.

The JSON-LD follows Google's QAPage guidelines (https://developers.google.com/search/docs/
appearance/structured-data/qapage): one ``Question`` as ``mainEntity`` with its
``acceptedAnswer`` and up to ``MAX_SUGGESTED_ANSWERS`` ``suggestedAnswer``s, each with full plain
text, author, dates, score and an absolute URL. Text is taken from the already sanitised
``body_html``, so building the data never renders Markdown again.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import nh3
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from forum.markdown import render_plain_excerpt
from forum.models import Answer, Question

__all__ = ["jsonld_script", "plain_text", "qapage_jsonld", "question_excerpt", "truncate"]

MAX_SUGGESTED_ANSWERS = 20
DESCRIPTION_LENGTH = 200

# The same escapes as django.utils.html.json_script: no "</script>", "<!--" or "&" sequence
# can survive into the script element, whatever the members wrote.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
_WHITESPACE_RE = re.compile(r"\s+")

AbsoluteUrl = Callable[[str], str]


@lru_cache(maxsize=512)
def plain_text(body_html: str) -> str:
    """Sanitised post HTML as one line of plain text (tags removed, entities decoded). A pure
    function of the text, remembered for the posts pages show again and again (a thread's
    structured data asks for every answer's on each view)."""
    if not body_html:
        return ""
    text = html.unescape(nh3.clean(body_html, tags=set()))
    return _WHITESPACE_RE.sub(" ", text).strip()


def truncate(text: str, length: int) -> str:
    """``text`` cut at a word boundary to at most ``length`` characters, ending with "…"."""
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if not text[length - 1].isspace():
        head, space, _partial_word = cut.rpartition(" ")
        if space and head:
            cut = head
    return f"{cut.rstrip()}…"


def question_excerpt(question: Question, length: int = DESCRIPTION_LENGTH) -> str:
    """The plain excerpt for meta descriptions and OpenGraph, computed once per instance (the
    page asks for it in several template blocks)."""
    cache = question.__dict__.setdefault("_seo_excerpts", {})
    if length not in cache:
        cache[length] = render_plain_excerpt(question.body, length=length)
    return cache[length]


def _person(user, absolute_url: AbsoluteUrl) -> dict:
    return {"@type": "Person", "name": user.name, "url": absolute_url(user.get_absolute_url())}


def _answer(answer: Answer, question_url: str, absolute_url: AbsoluteUrl) -> dict:
    data = {
        "@type": "Answer",
        "text": plain_text(answer.body_html),
        "dateCreated": answer.created_at.isoformat(),
        "datePublished": answer.created_at.isoformat(),
        "upvoteCount": answer.score,
        "url": absolute_url(f"{question_url}#answer-{answer.pk}"),
        "author": _person(answer.author, absolute_url),
    }
    if answer.edited_at:
        data["dateModified"] = answer.edited_at.isoformat()
    return data


def qapage_jsonld(question: Question, answers: Iterable[Answer], absolute_url: AbsoluteUrl) -> dict:
    """The QAPage structured data for a question page.

    ``absolute_url`` turns a path into an absolute URL (``request.build_absolute_uri``). Answers
    are expected in page order (accepted first, then by score); the accepted one becomes
    ``acceptedAnswer`` and the first ``MAX_SUGGESTED_ANSWERS`` others ``suggestedAnswer``.
    """
    question_url = question.get_absolute_url()
    accepted = None
    suggested = []
    for answer in answers:
        if answer.pk == question.accepted_answer_id:
            accepted = answer
        elif len(suggested) < MAX_SUGGESTED_ANSWERS:
            suggested.append(answer)

    main = {
        "@type": "Question",
        "name": question.title,
        "text": plain_text(question.body_html) or question.title,
        "answerCount": question.answer_count,
        "upvoteCount": question.score,
        "dateCreated": question.created_at.isoformat(),
        "datePublished": question.created_at.isoformat(),
        "url": absolute_url(question_url),
        "author": _person(question.author, absolute_url),
    }
    if question.edited_at:
        main["dateModified"] = question.edited_at.isoformat()
    if accepted is not None:
        main["acceptedAnswer"] = _answer(accepted, question_url, absolute_url)
    if suggested:
        main["suggestedAnswer"] = [_answer(answer, question_url, absolute_url) for answer in suggested]
    return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": main}


def jsonld_script(data: dict) -> SafeString:
    """``<script type="application/ld+json">`` with ``json_script``'s escaping of < > &."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308
