"""Who may register and run webhook endpoints: community managers, as for the rest of the
console's site-wide settings; a suspended one takes no part until the suspension ends."""

from accounts.permissions import allow_community_manager, allow_participate, boolean


def allow_manage_webhooks(user) -> None:
    """Register, edit, rotate, disable, enable, delete and ping endpoints; read their delivery
    log and secrets; redeliver."""
    allow_community_manager(user, "Only community managers can manage webhooks.")
    allow_participate(user)


can_manage_webhooks = boolean(allow_manage_webhooks)
