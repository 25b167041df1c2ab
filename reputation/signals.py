"""What the ledger tells the apps above it (integrations' webhooks), sent inside the transaction
that writes the lines, as the forum does (forum/signals.py): a receiver's rows commit or roll
back with the lines, and an event applied twice (which writes nothing the second time) says
nothing twice."""

from django.dispatch import Signal

# entries: the LedgerEntry rows one apply wrote, in the order written (each member's
# User.reputation already includes them all when this is sent).
ledger_entries_written = Signal()
