"""Search pages: the results page and the similar-questions fragment on the ask page."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from forum import selectors
from forum.extensions import extensions
from forum.search import MAX_QUERY_CHARS, STATUSES, clean_text, search_questions, similar_questions


def _param(request, name: str, limit: int) -> str:
    # Control characters (NUL above all) would make PostgreSQL refuse the query.
    return " ".join(clean_text(request.GET.get(name, ""), limit).split())


@require_GET
def search(request):
    q = _param(request, "q", MAX_QUERY_CHARS)
    tag = _param(request, "tag", 100).lower()
    status = request.GET.get("status", "")
    if status not in STATUSES:
        status = ""
    results = search_questions(q, tag=tag or None, status=status or None) if q else None
    searchable = results is not None and bool(results.query)
    context = {
        "q": q,
        "tag": tag,
        "status": status,
        "statuses": STATUSES,
        "searchable": searchable,
        "page": selectors.paginate(results, request.GET.get("page")) if results is not None else None,
    }
    if searchable:  # sections listed before the questions: the knowledge base's articles
        for section in extensions.search_sections:
            context.update(section(q, tag or None))
    return render(request, "forum/search.html", context)


@require_GET
def similar(request):
    questions = similar_questions(_param(request, "title", MAX_QUERY_CHARS))
    return render(request, "forum/includes/similar.html", {"questions": questions})
