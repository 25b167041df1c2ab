"""Insights pages, "I have this too", and escalation to private follow-up. Thin views."""

import csv

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from taggit.models import Tag

from forum import selectors as forum_selectors
from forum.models import Question
from insights import charts, exports, permissions, selectors, services
from insights.figures import PERIODS
from insights.forms import EscalationForm, OutcomeForm

TAG_CHOICES = 500


def _refuse_unless_allowed(request):
    """Public by default; with COMMONPLACE_INSIGHTS_PUBLIC off, staff only (visitors are asked
    to log in, members get 403)."""
    if permissions.can_view_insights(request.user):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    permissions.allow_view_insights(request.user)  # raises, with the reason
    return None


def _view_params(request) -> tuple[int, str, Tag | None]:
    period = selectors.valid_period(request.GET.get("period"))
    slug = (request.GET.get("tag") or "").strip()
    tag = get_object_or_404(Tag, slug=slug) if slug else None
    return period, slug, tag


@require_GET
def index(request):
    if refusal := _refuse_unless_allowed(request):
        return refusal
    period, slug, tag = _view_params(request)
    insights = selectors.insights_get(period=period, tag=slug)
    return render(
        request,
        "insights/index.html",
        {
            "data": insights.data,
            "computed_at": insights.computed_at,
            "period": period,
            "periods": PERIODS,
            "tag": tag,
            "tag_names": Tag.objects.order_by("name").values_list("slug", flat=True)[:TAG_CHOICES],
            "charts": charts.charts_for(insights.data),
            "overdue": selectors.escalations_overdue(tag=slug),
        },
    )


@require_GET
def export_csv(request):
    if refusal := _refuse_unless_allowed(request):
        return refusal
    period, slug, _tag = _view_params(request)
    insights = selectors.insights_get(period=period, tag=slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"insights-{period}d{'-' + slug if slug else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerows(
        exports.rows(insights.data, insights.computed_at, selectors.escalations_overdue(tag=slug))
    )
    return response


# --- "I have this too" ----------------------------------------------------------------------


@require_POST
def me_too(request, question_id: int):
    question = forum_selectors.question_get(question_id)
    anchor = f"{question.get_absolute_url()}#me-too"
    if not request.user.is_authenticated:
        return redirect_to_login(anchor)
    marked = services.me_too_toggle(user=request.user, question=question)
    if request.htmx:
        question = Question.objects.annotate(**selectors.question_annotations(request.user)).get(
            pk=question.pk
        )
        return render(request, "insights/includes/me_too.html", {"question": question})
    messages.success(
        request,
        "Noted: you have this too. We'll tell you when it gets a new answer."
        if marked
        else "Removed: you no longer have this too.",
    )
    return redirect(anchor)


# --- Escalation -----------------------------------------------------------------------------


def _staff_question(request, question_id: int):
    if not request.user.is_authenticated:
        return None, redirect_to_login(forum_selectors.question_get(question_id).get_absolute_url())
    permissions.allow_escalate(request.user)
    return forum_selectors.question_get(question_id), None


@require_POST
def escalate(request, question_id: int):
    question, refusal = _staff_question(request, question_id)
    if refusal:
        return refusal
    form = EscalationForm(request.POST)
    if not form.is_valid():
        return render(
            request, "insights/escalation_form.html", {"question": question, "form": form}, status=400
        )
    _escalation, created = services.escalation_open(
        question=question, staff_user=request.user, note=form.cleaned_data["note"]
    )
    if created:
        messages.success(request, "Taken to private follow-up. Post the outcome here when it is settled.")
    else:
        messages.info(request, "This thread was already taken to private follow-up.")
    return redirect(f"{question.get_absolute_url()}#follow-up")


@require_POST
def outcome(request, question_id: int):
    question, refusal = _staff_question(request, question_id)
    if refusal:
        return refusal
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            _escalation, resolved = services.escalation_resolve(
                question=question, staff_user=request.user, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if resolved:
                messages.success(request, "Outcome posted. The loop is closed.")
            else:
                messages.info(request, "The outcome of this follow-up was already posted.")
            return redirect(f"{question.get_absolute_url()}#follow-up")
    return render(request, "insights/outcome_form.html", {"question": question, "form": form}, status=400)
