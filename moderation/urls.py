from django.urls import path

from forum import views as forum_views
from moderation import appeal_views, closing_views, review_views, views

app_name = "moderation"
# Every URL here must be wrapped in moderator_required (tests/moderation checks each one),
# except the member-facing flag and appeal forms, listed in MEMBER_URL_NAMES.
MEMBER_URL_NAMES: set[str] = {"flag", "appeal"}
# Close/reopen votes (the close privilege), self-deletion (the author) and the suggested-edit
# review queue (the edit privilege): each view checks its own rule and answers 403.
MEMBER_URL_NAMES |= {"question_close_vote", "question_reopen_vote", "question_delete", "answer_delete"}
MEMBER_URL_NAMES |= {"review", "review_edit_approve", "review_edit_reject"}
urlpatterns: list = [
    # Flags: members raise them, moderators work the queue.
    path("", views.queue, name="queue"),
    path("flag/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("flags/<str:kind>/<int:pk>/accept/", views.flag_accept, name="flag_accept"),
    path("flags/<str:kind>/<int:pk>/decline/", views.flag_decline, name="flag_decline"),
    path("log/", views.log, name="log"),
    # A member asks a moderator to review a serial voting reversal of their reputation; it is
    # decided from the review queue (review_appeal_decide below).
    path("appeal/<int:entry_id>/", appeal_views.appeal, name="appeal"),
    # Closing, locking, merging, deleting (moderation/closing_views.py).
    path("questions/<int:pk>/close-vote/", closing_views.question_close_vote, name="question_close_vote"),
    path("questions/<int:pk>/reopen-vote/", closing_views.question_reopen_vote, name="question_reopen_vote"),
    path("questions/<int:pk>/close/", closing_views.question_close, name="question_close"),
    path("questions/<int:pk>/reopen/", closing_views.question_reopen, name="question_reopen"),
    path("questions/<int:pk>/lock/", closing_views.question_lock, name="question_lock"),
    path("questions/<int:pk>/unlock/", closing_views.question_unlock, name="question_unlock"),
    path("questions/<int:pk>/merge/", closing_views.question_merge, name="question_merge"),
    path("questions/<int:pk>/delete/", closing_views.question_delete, name="question_delete"),
    path("questions/<int:pk>/restore/", closing_views.question_restore, name="question_restore"),
    path("answers/<int:pk>/delete/", closing_views.answer_delete, name="answer_delete"),
    path("answers/<int:pk>/restore/", closing_views.answer_restore, name="answer_restore"),
    # Review queues (moderation/review_views.py).
    path("review/", review_views.review_queue, name="review"),
    # Approving and rejecting from the queue are forum's own views (one place for both doors);
    # they come back to the queue.
    path(
        "review/edits/<int:pk>/approve/",
        forum_views.suggested_edit_approve,
        {"return_to": "moderation:review"},
        name="review_edit_approve",
    ),
    path(
        "review/edits/<int:pk>/reject/",
        forum_views.suggested_edit_reject,
        {"return_to": "moderation:review"},
        name="review_edit_reject",
    ),
    path("review/held/<str:kind>/<int:pk>/release/", review_views.review_release, name="review_release"),
    path(
        "review/held/<str:kind>/<int:pk>/delete/", review_views.review_held_delete, name="review_held_delete"
    ),
    path("review/appeals/<int:pk>/decide/", review_views.review_appeal_decide, name="review_appeal_decide"),
]
