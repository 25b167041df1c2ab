"""What insights tells the apps above it (integrations' webhooks), sent inside the transaction
that made the fact, as the forum does (forum/signals.py): a receiver's rows commit or roll back
with the fact."""

from django.dispatch import Signal

escalation_opened = Signal()  # escalation: a thread taken to private follow-up
escalation_resolved = Signal()  # escalation: its public outcome posted
