"""Who may open the console. Each page's own rule is checked by the service it calls."""

from accounts.permissions import allow_community_manager, allow_moderator, boolean


def allow_open_console(user) -> None:
    """Moderators open the console for the member tools; community managers see every page."""
    allow_moderator(user, "Only moderators and community managers can open the console.")


can_open_console = boolean(allow_open_console)


def allow_edit_branding(user) -> None:
    """The site's name, logo, colour, footer, banner and escalation contact (the branding app
    sits below accounts, so its rule is asked here, by the console's door)."""
    allow_community_manager(user, "Only community managers can change the site's branding.")


can_edit_branding = boolean(allow_edit_branding)
