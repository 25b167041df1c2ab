"""Knowledge-base articles: solved threads curated into lasting, findable knowledge.

An article keeps its own copy of the text (title, summary, Markdown body), so later edits of the
thread do not change it, and records where it came from: the source question (one article per
question) and the answers drawn into it (ArticleSource), whose authors it credits as co-authors.
Nothing here creates other rows or enqueues work: see services.py.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from forum.models import BODY_MAX, TITLE_MAX

SUMMARY_MIN, SUMMARY_MAX = 20, 500
# Room for the accepted answer and every "also helped" answer at full length, with headings.
ARTICLE_BODY_MIN, ARTICLE_BODY_MAX = 20, 4 * BODY_MAX + 2_000
REVIEW_AFTER_DAYS = 180
# Words used by the fixed routes under /kb/<id>/; a slug must never shadow them.
RESERVED_SLUGS = {"edit", "revisions", "verify"}


class TaggedArticle(TaggedItemBase):
    """Articles share the forum's tags through their own table, so a tag's question count
    (which counts taggit's generic table) never includes articles."""

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")


class Article(models.Model):
    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=90)
    summary = models.TextField(max_length=SUMMARY_MAX)
    body = models.TextField(max_length=ARTICLE_BODY_MAX)
    body_html = models.TextField(editable=False)
    tags = TaggableManager(through=TaggedArticle, blank=False)
    # One article per question; the article outlives its thread if the thread is ever removed.
    question = models.OneToOneField(
        "forum.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="kb_article"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    last_verified_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        slug = slugify(self.title)[:90].strip("-") or "article"
        self.slug = f"{slug}-article" if slug in RESERVED_SLUGS else slug
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("kb:article_detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def needs_review(self) -> bool:
        return self.last_verified_at < timezone.now() - dt.timedelta(days=REVIEW_AFTER_DAYS)


class ArticleSource(models.Model):
    """An answer drawn into an article; its author is credited as a co-author."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="kb_sources"
    )
    # Kept apart from the answer, so the credit survives the answer's removal.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()  # the accepted answer is 0

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "answer"], name="kb_source_answer_once"),
        ]

    def __str__(self) -> str:
        return f"Answer {self.answer_id} in article {self.article_id}"


class ArticleRevision(models.Model):
    """A snapshot after each edit (number 1 is the article as promoted)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(max_length=SUMMARY_MAX)
    body = models.TextField()
    tags = models.CharField(max_length=300, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of article {self.article_id}"
