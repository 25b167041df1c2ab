"""Where the apps above the forum add to its pages without the forum importing them.

The thread page shows the "I have this too" count and any private follow-up (insights), whether
the viewer watches the question (notifications), moderators' public notes (moderation) and the
article a thread became (the knowledge base); the question lists leave out ignored tags and show
how many members have a problem too; site search lists matching articles first. Each of those
apps registers its part here from its AppConfig.ready(), so every page is still built in a
fixed number of queries while the forum depends on none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet


@dataclass
class Extensions:
    # (queryset, viewer) -> queryset: what the thread page's question query also selects.
    thread_question: list[Callable[[QuerySet, object], QuerySet]] = field(default_factory=list)
    # (question, answers, viewer) -> None: attach what else the thread shows, in O(1) queries.
    thread_attach: list[Callable[[object, list, object], None]] = field(default_factory=list)
    # (queryset, sort, tag, viewer) -> queryset: question lists (filters and annotations).
    question_list: list[Callable[[QuerySet, str, str | None, object], QuerySet]] = field(default_factory=list)
    # (queryset, viewer) -> queryset: the tag page's tag query.
    tag: list[Callable[[QuerySet, object], QuerySet]] = field(default_factory=list)
    # (q, tag) -> dict for the search template: sections listed before the questions.
    search_sections: list[Callable[[str, str | None], dict]] = field(default_factory=list)

    def apply(self, hooks: list[Callable], queryset: QuerySet, *args) -> QuerySet:
        for hook in hooks:
            queryset = hook(queryset, *args)
        return queryset


extensions = Extensions()
