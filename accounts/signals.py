"""What accounts tells the apps above it (integrations' webhooks), sent inside the transaction
that wrote the member's state, as the forum does (forum/signals.py)."""

from django.dispatch import Signal

restriction_imposed = Signal()  # restriction: a suspension or silence now in force
