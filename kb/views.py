"""Thin views: parse, authorise, call one service, respond."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import selectors as forum_selectors
from forum.markdown import render_markdown, render_plain_excerpt
from forum.search import MAX_QUERY_CHARS, clean_text
from kb import permissions, selectors, services
from kb.forms import ArticleForm, PromoteForm
from kb.search import search_articles

SUMMARY_EXCERPT_CHARS = 300


def _param(request, name: str, limit: int) -> str:
    # Control characters (NUL above all) would make PostgreSQL refuse the query.
    return " ".join(clean_text(request.GET.get(name, ""), limit).split())


def _require_curator(request) -> None:
    permissions.allow_curate(request.user)


@require_GET
def index(request):
    curator = permissions.can_curate(request.user)
    review = selectors.needs_review() if curator else None
    context = {
        "page": forum_selectors.paginate(selectors.article_list(), request.GET.get("page")),
        "tags": selectors.article_tags()[:50],
        "can_curate": curator,
        "needs_review": review[: selectors.NEEDS_REVIEW_SHOWN] if curator else [],
        "needs_review_count": review.count() if curator else 0,
    }
    return render(request, "kb/index.html", context)


@require_GET
def tag_detail(request, slug: str):
    tag = selectors.tag_get(slug)
    page = forum_selectors.paginate(selectors.article_list(tag=tag.slug), request.GET.get("page"))
    return render(request, "kb/tag.html", {"tag": tag, "page": page})


@require_GET
def search(request):
    q = _param(request, "q", MAX_QUERY_CHARS)
    tag = _param(request, "tag", 100).lower()
    results = search_articles(q, tag=tag or None) if q else None
    context = {
        "q": q,
        "tag": tag,
        "searchable": results is not None and bool(results.query),
        "page": forum_selectors.paginate(results, request.GET.get("page")) if results is not None else None,
    }
    template = "kb/includes/results.html" if request.htmx else "kb/search.html"
    return render(request, template, context)


@require_GET
def article_redirect(request, pk: int):
    return redirect(selectors.article_get(pk), permanent=True)


@require_GET
def article_detail(request, pk: int, slug: str):
    article = selectors.article_get(pk)
    if slug != article.slug:
        return redirect(article, permanent=True)
    return render(
        request, "kb/article.html", {"article": article, "can_curate": permissions.can_curate(request.user)}
    )


def _form_page(request, template: str, context: dict, status: int = 200):
    preview = render_markdown(request.POST.get("body", "")) if "preview" in request.POST else None
    return render(request, template, {**context, "preview": preview}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def promote(request, question_id: int):
    _require_curator(request)
    question = forum_selectors.question_get(question_id)
    refusal = selectors.promotion_refusal(question)
    if refusal == selectors.ALREADY_PROMOTED:
        messages.info(request, refusal)
        return redirect(selectors.article_for_question(question.pk))
    if refusal:
        messages.error(request, refusal)
        return redirect(question)
    answers = selectors.source_answers(question)
    initial = {
        "title": question.title,
        "summary": render_plain_excerpt(question.body, SUMMARY_EXCERPT_CHARS),
        "body": selectors.suggested_body(question, answers),
        "tags": " ".join(sorted(question.tags.names())),
    }
    form = PromoteForm(request.POST or None, initial=initial)
    context = {"form": form, "question": question, "answers": answers}
    if request.method == "POST" and "preview" not in request.POST:
        if form.is_valid():
            try:
                article = services.article_promote(
                    question=question, curator=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, "The thread is now a knowledge-base article. Its co-authors are credited."
                )
                return redirect(article)
        return _form_page(request, "kb/promote.html", context, status=400)
    return _form_page(request, "kb/promote.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    _require_curator(request)
    article = selectors.article_get(pk)
    initial = {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "tags": " ".join(sorted(tag.name for tag in article.tags.all())),
    }
    form = ArticleForm(request.POST or None, initial=initial)
    context = {"form": form, "article": article}
    if request.method == "POST" and "preview" not in request.POST:
        if form.is_valid():
            revision = services.article_edit(article=article, editor=request.user, **form.cleaned_data)
            messages.success(request, "Your edit is saved." if revision else "Nothing changed.")
            return redirect(revision.article if revision else article)
        return _form_page(request, "kb/edit.html", context, status=400)
    return _form_page(request, "kb/edit.html", context)


@require_GET
def revisions(request, pk: int):
    article = selectors.article_get(pk)
    return render(
        request, "kb/revisions.html", {"article": article, "diffs": selectors.revision_diffs(article)}
    )


@login_required
@require_POST
def verify(request, pk: int):
    _require_curator(request)
    article = selectors.article_get(pk)
    services.article_verify(article=article, curator=request.user)
    messages.success(request, "Marked as verified today. Thank you for keeping it true.")
    return redirect(article)
