import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from forum.markdown import markdown_problem
from forum.models import BODY_MAX, BODY_MIN, COMMENT_MAX, COMMENT_MIN, TITLE_MAX, TITLE_MIN
from forum.tags import parse_tags, validate_tags
from forum.titles import visible_title


class SubmissionTokenMixin(forms.Form):
    """A one-time token rendered into each new-post form: submitting the same form twice
    (a double click, a retried request) creates one post."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())


def validate_markdown(body: str) -> None:
    """Markdown that would cost too much to render (forum/markdown.py, the table budget)."""
    problem = markdown_problem(body)
    if problem:
        raise ValidationError(problem, code="markdown_too_complex")


def clean_title_text(value: str) -> str:
    """A title as it will show: NFKC-normalised, invisible characters out, one space between words
    (accounts/lookalikes.py), then held to the length limits again, since the field counted what
    was typed, zero-width spaces included."""
    title = visible_title(value)
    if len(title) < TITLE_MIN:
        raise ValidationError(
            f"The title needs at least {TITLE_MIN} visible characters (it has {len(title)}).",
            code="min_length",
        )
    return title


def _body_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=BODY_MIN,
        max_length=BODY_MAX,
        strip=True,
        validators=[validate_markdown],
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                # Live preview while typing; the Preview button does the same without JavaScript.
                "hx-post": reverse_lazy("forum:preview"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#id_body_preview",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=help_text,
    )


class QuestionForm(SubmissionTokenMixin):
    title = forms.CharField(
        label="Title",
        min_length=TITLE_MIN,
        max_length=TITLE_MAX,
        # Similar questions appear under the title while it is typed (forum/search_views.py).
        widget=forms.TextInput(
            attrs={
                "hx-get": reverse_lazy("forum:similar"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#similar-questions",
                "hx-swap": "innerHTML",
            }
        ),
        help_text="Say what's wrong as if to a friend: “Card declined when renewing my plan”.",
    )
    body = _body_field("Details", "What happened, what you expected, what you tried. Markdown works.")
    tags = forms.CharField(
        label="Tags",
        max_length=300,
        help_text="1 to 5 tags, separated by spaces or commas, e.g. billing two-factor.",
    )

    def clean_title(self) -> str:
        return clean_title_text(self.cleaned_data["title"])

    def clean_tags(self) -> list[str]:
        return validate_tags(parse_tags(self.cleaned_data["tags"]))


class QuestionEditForm(QuestionForm):
    summary = forms.CharField(
        label="Edit summary", max_length=300, required=False, help_text="Optional: what you changed and why."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["submission_token"]
        # The edit page has no similar-questions box to fill.
        for attr in ("hx-get", "hx-trigger", "hx-target", "hx-swap"):
            self.fields["title"].widget.attrs.pop(attr, None)


class AnswerForm(SubmissionTokenMixin):
    body = _body_field("Your answer", "Steps that worked for you help most. Markdown works.")


class AnswerEditForm(forms.Form):
    body = _body_field("Answer", "Markdown works.")
    summary = forms.CharField(label="Edit summary", max_length=300, required=False)


class CommentForm(SubmissionTokenMixin):
    body = forms.CharField(
        label="Comment",
        min_length=COMMENT_MIN,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Ask for detail or suggest an improvement ({COMMENT_MIN} to {COMMENT_MAX} characters).",
    )


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(choices=[("1", "up"), ("-1", "down"), ("0", "retract")], coerce=int)


class PreviewForm(forms.Form):
    """What the live preview renders: no more than a post's body may hold (BODY_MAX; a longer
    knowledge-base article is previewed by the form's Preview button), within the table budget."""

    body = forms.CharField(
        required=False,
        max_length=BODY_MAX,
        validators=[validate_markdown],
        error_messages={
            "max_length": f"Too long to preview as you type (over {BODY_MAX:,} characters): "
            "use the Preview button below the form."
        },
    )


class SuggestedEditRejectForm(forms.Form):
    reason = forms.CharField(
        label="Why are you rejecting this edit?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required. The person who suggested it will see this, so be kind and specific.",
        error_messages={"required": "Say why you are rejecting this edit, so its author can learn from it."},
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError("Say why you are rejecting this edit, so its author can learn from it.")
        return reason
