"""Who may open the console. Each page's own rule is checked by the service it calls."""

from accounts.permissions import allow_moderator, boolean


def allow_open_console(user) -> None:
    """Moderators open the console for the member tools; community managers see every page."""
    allow_moderator(user, "Only moderators and community managers can open the console.")


can_open_console = boolean(allow_open_console)
