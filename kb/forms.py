from django import forms
from django.urls import reverse_lazy

from forum.forms import clean_title_text, validate_markdown
from forum.models import TITLE_MAX, TITLE_MIN
from forum.tags import parse_tags, validate_tags
from kb.models import ARTICLE_BODY_MAX, ARTICLE_BODY_MIN, SUMMARY_MAX, SUMMARY_MIN


class ArticleForm(forms.Form):
    title = forms.CharField(
        label="Title",
        min_length=TITLE_MIN,
        max_length=TITLE_MAX,
        help_text="The canonical question this article answers, as people would search for it.",
    )
    summary = forms.CharField(
        label="Summary",
        min_length=SUMMARY_MIN,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"The answer in a sentence or two, shown in lists and search results "
        f"(up to {SUMMARY_MAX} characters, plain text).",
    )
    body = forms.CharField(
        label="Article",
        min_length=ARTICLE_BODY_MIN,
        max_length=ARTICLE_BODY_MAX,
        validators=[validate_markdown],
        widget=forms.Textarea(
            attrs={
                "rows": 20,
                # Live preview while typing; the Preview button does the same without JavaScript.
                "hx-post": reverse_lazy("forum:preview"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#id_body_preview",
                "hx-swap": "innerHTML",
            }
        ),
        help_text="Markdown works. Keep the steps that solved it; credit stays with the co-authors.",
    )
    tags = forms.CharField(
        label="Tags", max_length=300, help_text="1 to 5 tags, separated by spaces or commas."
    )
    note = forms.CharField(
        label="Edit note", max_length=300, required=False, help_text="Optional: what you changed and why."
    )

    def clean_title(self) -> str:
        return clean_title_text(self.cleaned_data["title"])

    def clean_summary(self) -> str:
        return " ".join(self.cleaned_data["summary"].split())

    def clean_tags(self) -> list[str]:
        return validate_tags(parse_tags(self.cleaned_data["tags"]))


class PromoteForm(ArticleForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]
