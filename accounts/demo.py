"""Demo people for `manage.py seed_demo`. Idempotent: running it again changes nothing."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATORS_GROUP, User

DEMO_PASSWORD = "commonplace-demo"  # noqa: S105 - printed by seed_demo on purpose


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    bio: str
    staff: bool = False
    moderator: bool = False
    community_manager: bool = False

    @property
    def role(self) -> str:
        if self.community_manager:
            return "community manager"
        return "staff" if self.staff else "moderator" if self.moderator else "customer"


PEOPLE = [
    DemoPerson("sam", "Sam Okafor", "Support engineer at the company. Here as a neighbour.", staff=True),
    DemoPerson("morgan", "Morgan Reyes", "Community moderator and long-time customer.", moderator=True),
    DemoPerson(
        "casey",
        "Casey Lindqvist",
        "Community manager at the company: runs this site from /manage/.",
        staff=True,
        community_manager=True,
    ),
    DemoPerson("alice", "Alice Martin", "Runs a small bakery; uses the app for orders."),
    DemoPerson("bob", "Bob Nguyen", "Home-network tinkerer."),
    DemoPerson("carol", "Carol Singh", "Accountant. Loves a tidy invoice."),
    DemoPerson("dan", "Dan Kowalski", "Student on the basic plan."),
    DemoPerson("erin", "Erin Walsh", "IT admin for a school of 40 staff."),
]


@transaction.atomic
def seed_people() -> dict[str, User]:
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    managers, _ = Group.objects.get_or_create(name=COMMUNITY_MANAGERS_GROUP)
    users: dict[str, User] = {}
    for person in PEOPLE:
        email = f"{person.username}@example.com"
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={
                "display_name": person.display_name,
                "bio": person.bio,
                "email": email,
                "is_staff": person.staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if person.moderator:
            user.groups.add(moderators)
        if person.community_manager:
            user.groups.add(managers)
        users[person.username] = user
    return users
