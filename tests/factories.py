from io import StringIO

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATORS_GROUP, User

TEST_PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class ModeratorFactory(UserFactory):
    @factory.post_generation
    def moderator_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])


class CommunityManagerFactory(UserFactory):
    @factory.post_generation
    def community_manager_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=COMMUNITY_MANAGERS_GROUP)[0])


def make_question(author=None, title="How do I reset my router safely?", body=None, tags=("wifi",), **extra):
    """A question created through the service, as a person would create it."""
    from forum import services

    question, _ = services.question_create(
        author=author or UserFactory(),
        title=title,
        body=body or "My router keeps dropping the connection every hour or so.",
        tags=list(tags),
        **extra,
    )
    return question


def make_answer(question, author=None, body="Update the firmware from the admin page, then reboot.", **extra):
    from forum import services

    answer, _ = services.answer_create(question=question, author=author or UserFactory(), body=body, **extra)
    return answer


def seed_demo() -> str:
    """Run `manage.py seed_demo` and return what it printed."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def restrict(member, *, kind="suspend", days: float | None = 7, reason="Posting links to a shop", by=None):
    """Suspend (or silence, kind="silence") a member through the service, as the console does;
    days=None is indefinitely. `by` defaults to a new community manager."""
    import datetime as dt

    from django.utils import timezone

    from moderation.members import member_restrict

    ends_at = None if days is None else timezone.now() + dt.timedelta(days=days)
    return member_restrict(
        member=member, kind=kind, ends_at=ends_at, reason=reason, actor=by or CommunityManagerFactory()
    )
