from django.db import transaction

from accounts.models import User


@transaction.atomic
def profile_update(*, user: User, display_name: str, bio: str) -> User:
    user.display_name = display_name
    user.bio = bio
    user.save(update_fields=["display_name", "bio"])
    return user
