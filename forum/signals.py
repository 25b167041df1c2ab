"""What the forum tells the apps above it, sent inside the transaction that made the fact.

The forum sits below notifications, reputation, moderation, the knowledge base and insights
(see the README's layering and `.importlinter`), so it never imports them. Where one of them
must react to a post, the forum sends one of these signals; receivers run synchronously, in the
same transaction, so what they record (a notification row, a watch) commits or rolls back with
the fact. Anything slow they enqueue with `transaction.on_commit`, as every write does.
(Reputation is told through its outbox instead: `reputation.events` records the pending event
in the fact's transaction, the one import from the forum upward, by design.)
"""

from django.dispatch import Signal

question_created = Signal()  # question
answer_created = Signal()  # answer
comment_created = Signal()  # comment
post_edited = Signal()  # post, editor, previous_html
answer_accepted = Signal()  # answer, actor
# A question with no accepted answer gets one (Question.is_solved becomes true), with the answer
# just accepted; sent after answer_accepted.
question_solved = Signal()  # question, answer, actor
answer_also_helped = Signal()  # answer, actor
post_released = Signal()  # post: a held first post, now public
