"""Who may curate the knowledge base: members with the "curate" privilege, and moderators (who
hold every privilege). Staff status grants nothing here either."""

from reputation.privileges import has_privilege


def can_curate(user) -> bool:
    return has_privilege(user, "curate")


def curate_refusal(user) -> str:
    from reputation.privileges import threshold

    if not (user and user.is_authenticated):
        return "Log in to curate the knowledge base."
    return f"Curating the knowledge base needs {threshold('curate')} reputation; you have {user.reputation}."
