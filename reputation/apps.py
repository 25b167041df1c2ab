from django.apps import AppConfig


class ReputationConfig(AppConfig):
    name = "reputation"
    verbose_name = "Reputation"

    def ready(self):
        from forum import pagecache
        from reputation import signals

        # Reputation shows on every user card: new ledger lines (written by the worker, which
        # moves totals with UPDATE, no save) make every anonymous page stale.
        signals.ledger_entries_written.connect(
            lambda sender, **kwargs: pagecache.site_changed(), weak=False, dispatch_uid="pagecache-ledger"
        )
