"""Close, reopen, lock, merge, delete and restore. Thin: parse, authorise, one service call,
then back to the thread with a message. A form that does not validate shows the thread again
with its errors beside the fields (400), so everything works without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from forum import selectors as forum_selectors
from forum.models import Answer, Question
from moderation import closing, permissions
from moderation.closing_forms import CloseForm, MergeForm, ReasonForm
from moderation.permissions import moderator_required


def _question(request, pk: int) -> Question:
    return forum_selectors.post_get("question", pk, request.user)


def _answer(request, pk: int) -> Answer:
    return forum_selectors.post_get("answer", pk, request.user)


def _tools(question: Question) -> str:
    return f"{question.get_absolute_url()}#question-tools"


def _thread_with_errors(request, question: Question, **forms):
    # The thread page as forum.views builds it, with the failed form in place of a blank one.
    from forum.views import thread_context

    context = thread_context(request, question.pk, **forms)
    return render(request, "forum/question_detail.html", context, status=400)


def _error(form, field: str, error: ValidationError) -> None:
    form.add_error(field, error.messages[0] if error.messages else str(error))


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


# --- Close and reopen --------------------------------------------------------------------------


def _close(request, pk: int, *, vote: bool):
    question = _question(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _thread_with_errors(request, question, close_form=form)
    data = form.cleaned_data
    try:
        if vote:
            result = closing.question_close_vote(
                question=question,
                voter=request.user,
                reason=data["reason"],
                duplicate_of=data["duplicate_of"],
            )
        else:
            result = closing.question_close(
                question=question,
                moderator=request.user,
                reason=data["reason"],
                duplicate_of=data["duplicate_of"],
            )
    except ValidationError as error:
        _error(form, "duplicate_of" if data["reason"] == "duplicate" else None, error)
        return _thread_with_errors(request, question, close_form=form)
    messages.success(request, _close_message(result))
    return redirect(_tools(question))


def _close_message(result) -> str:
    if isinstance(result, bool):
        return "The question is closed." if result else "This question was already closed."
    if result.acted:
        return "Your vote closed the question."
    if result.recorded:
        return f"Your vote to close is recorded ({result.votes} of {closing.VOTES_NEEDED})."
    return "You have already voted to close this question, or it is closed."


def _reopen_message(result) -> str:
    if isinstance(result, bool):
        return "The question is reopened." if result else "This question is already open."
    if result.acted:
        return "Your vote reopened the question."
    if result.recorded:
        return f"Your vote to reopen is recorded ({result.votes} of {closing.VOTES_NEEDED})."
    return "You have already voted to reopen this question, or it is open."


def _require_close_privilege(request) -> None:
    permissions.allow_vote_to_close(request.user)


@login_required
@require_POST
def question_close_vote(request, pk: int):
    """Member-facing: anyone with the close privilege (a moderator's vote closes at once)."""
    _require_close_privilege(request)
    return _close(request, pk, vote=True)


def _reopen(request, pk: int, reopen):
    """`reopen(question)` is the service call: a member's vote, or a moderator's reopening."""
    question = _question(request, pk)
    try:
        result = reopen(question)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(_tools(question))
    messages.success(request, _reopen_message(result))
    return redirect(_tools(question))


@login_required
@require_POST
def question_reopen_vote(request, pk: int):
    _require_close_privilege(request)
    return _reopen(
        request, pk, lambda question: closing.question_reopen_vote(question=question, voter=request.user)
    )


@moderator_required
@require_POST
def question_close(request, pk: int):
    return _close(request, pk, vote=False)


@moderator_required
@require_POST
def question_reopen(request, pk: int):
    return _reopen(
        request, pk, lambda question: closing.question_reopen(question=question, moderator=request.user)
    )


# --- Lock and merge ----------------------------------------------------------------------------


def _lock(request, pk: int, service, done: str, unchanged: str):
    question = _question(request, pk)
    changed = service(question=question, moderator=request.user, reason=_reason(request))
    messages.success(request, done if changed else unchanged)
    return redirect(_tools(question))


@moderator_required
@require_POST
def question_lock(request, pk: int):
    return _lock(
        request, pk, closing.question_lock, "The question is locked.", "This question was already locked."
    )


@moderator_required
@require_POST
def question_unlock(request, pk: int):
    return _lock(
        request, pk, closing.question_unlock, "The question is unlocked.", "This question was not locked."
    )


@moderator_required
@require_POST
def question_merge(request, pk: int):
    question = _question(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _thread_with_errors(request, question, merge_form=form)
    into = Question.objects.filter(pk=form.cleaned_data["into"]).first()
    if into is None:
        form.add_error("into", f"There is no question number {form.cleaned_data['into']}.")
        return _thread_with_errors(request, question, merge_form=form)
    try:
        merged = closing.question_merge(source=question, into=into, moderator=request.user)
    except ValidationError as error:
        _error(form, "into", error)
        return _thread_with_errors(request, question, merge_form=form)
    messages.success(
        request,
        "Merged: the answers are here now, and the old question points to this one."
        if merged
        else "That question was already merged here.",
    )
    return redirect(into.get_absolute_url())


# --- Delete and restore ------------------------------------------------------------------------


@login_required
@require_POST
def question_delete(request, pk: int):
    """Member-facing: the asker (while no one's help would be lost) and moderators."""
    question = _question(request, pk)
    deleted = closing.post_delete(post=question, actor=request.user, reason=_reason(request))
    if not request.user.is_moderator:
        messages.success(request, "Your question is deleted.")
        return redirect(reverse("forum:question_list"))
    messages.success(request, "The question is deleted." if deleted else "This question was already deleted.")
    return redirect(_tools(question))


@login_required
@require_POST
def answer_delete(request, pk: int):
    """Member-facing: the answer's author (unless it is accepted) and moderators."""
    answer = _answer(request, pk)
    deleted = closing.post_delete(post=answer, actor=request.user, reason=_reason(request))
    messages.success(request, "The answer is deleted." if deleted else "This answer was already deleted.")
    return redirect(f"{answer.question.get_absolute_url()}#answer-{answer.pk}")


@moderator_required
@require_POST
def question_restore(request, pk: int):
    question = _question(request, pk)
    restored = closing.post_restore(post=question, moderator=request.user, reason=_reason(request))
    messages.success(request, "The question is restored." if restored else "This question was not deleted.")
    return redirect(_tools(question))


@moderator_required
@require_POST
def answer_restore(request, pk: int):
    answer = _answer(request, pk)
    restored = closing.post_restore(post=answer, moderator=request.user, reason=_reason(request))
    messages.success(request, "The answer is restored." if restored else "This answer was not deleted.")
    return redirect(f"{answer.question.get_absolute_url()}#answer-{answer.pk}")
