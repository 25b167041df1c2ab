"""Who may open the console and its pages. Each action's own rule (who may suspend whom, who
may give a role) is accounts.permissions', checked again by the service the page calls."""

from accounts.permissions import (
    allow_community_manager,
    allow_create_integration_account,
    allow_moderator,
    allow_participate,
    boolean,
)


def allow_open_console(user) -> None:
    """Moderators open the console for the member tools; community managers see every page.
    A suspended moderator takes no part until the suspension ends, here as anywhere."""
    allow_moderator(user, "Only moderators and community managers can open the console.")
    allow_participate(user)


def allow_manage_roles(user) -> None:
    allow_community_manager(user, "Only community managers can appoint or remove moderators.")
    allow_participate(user)


def allow_edit_branding(user) -> None:
    """The site's name, logo, colour, footer, banner and escalation contact (the branding app
    sits below accounts, so its rule is asked here, by the console's door)."""
    allow_community_manager(user, "Only community managers can change the site's branding.")
    allow_participate(user)


# Integration accounts and their API keys: accounts' rule (each action is decided there again).
allow_manage_integrations = allow_create_integration_account


can_open_console = boolean(allow_open_console)
can_manage_integrations = boolean(allow_manage_integrations)
can_manage_roles = boolean(allow_manage_roles)
can_edit_branding = boolean(allow_edit_branding)
