from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property

MODERATORS_GROUP = "Moderators"
# Community managers run the site for the company (the console at /manage/). They hold every
# moderator power too, as a Discourse admin does; superusers count as community managers.
COMMUNITY_MANAGERS_GROUP = "Community managers"
MODERATING_GROUPS = (MODERATORS_GROUP, COMMUNITY_MANAGERS_GROUP)


class User(AbstractUser):
    """A member of the community. `is_staff` means "works for the company": it is shown as a
    flair and grants nothing in the forum. Forum powers come from reputation or the Moderators
    group, or the Community managers group (which holds every moderator power)."""

    display_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="How your name appears on posts. Leave blank to use your username.",
    )
    bio = models.TextField(max_length=2000, blank=True, help_text="A few words about you (plain text).")
    # The sum of the member's ledger entries plus the starting 1; written only by the ledger,
    # in the same transaction as each entry (see reputation/ledger.py).
    reputation = models.IntegerField(default=1, editable=False)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @cached_property
    def is_moderator(self) -> bool:
        # Iterating groups.all() uses prefetch_related("groups") when a page did it, so a list
        # of authors costs one query, not one per author.
        return self.is_active and (
            self.is_superuser or any(group.name in MODERATING_GROUPS for group in self.groups.all())
        )

    @cached_property
    def is_community_manager(self) -> bool:
        return self.is_active and (
            self.is_superuser or any(group.name == COMMUNITY_MANAGERS_GROUP for group in self.groups.all())
        )

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})
