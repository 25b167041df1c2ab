import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.links import cached_reverse
from accounts.lookalikes import skeleton

MODERATORS_GROUP = "Moderators"
# Community managers run the site for the company (the console at /manage/). They hold every
# moderator power too, as a Discourse admin does; superusers count as community managers.
COMMUNITY_MANAGERS_GROUP = "Community managers"
MODERATING_GROUPS = (MODERATORS_GROUP, COMMUNITY_MANAGERS_GROUP)
# The groups a community manager gives and takes away in the console, and what each is called.
ROLE_GROUPS = {MODERATORS_GROUP: "moderator", COMMUNITY_MANAGERS_GROUP: "community manager"}
# A suspension or silence without an end is kept on the member's row as this moment (its
# Restriction row keeps `ends_at` empty), so one comparison with "now" settles every request
# without a query. Discourse keeps "forever" the same way (a date a thousand years on).
INDEFINITELY = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
# An erased account keeps its row (its posts, votes and ledger lines point at it) under this
# name and the member's number (privacy/erasure.py); nobody else may take such a username.
ERASED_USERNAME_PREFIX = "former-member-"
ERASED_DISPLAY_NAME_PREFIX = "former member "
RESERVED_USERNAME_MESSAGE = "Usernames starting with “former-member-” are kept for erased accounts."


def is_reserved_username(username: str) -> bool:
    """Usernames of erased accounts' kind, which sign-up and the console refuse."""
    return username.strip().lower().startswith(ERASED_USERNAME_PREFIX)


def until_in_force(until) -> bool:
    """Whether a suspended_until / silenced_until column holds a restriction still running. It
    ends by the clock alone: nothing has to run to lift it."""
    return until is not None and until > timezone.now()


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
    # The current suspension and silence, when they end (INDEFINITELY for no end): written only by
    # accounts.services in the transaction that writes the Restriction row they summarise, so
    # reading them costs nothing on a request (the row is loaded with the member anyway).
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    silenced_until = models.DateTimeField(null=True, blank=True, editable=False)
    # An integration account (a helpdesk, a CRM, a chat bot) that a community manager created in
    # the console to act through the API with its own keys. Shown as a "Bot" flair beside its
    # name; like Staff, a flair that grants nothing: it follows every rule and limit a member does.
    is_bot = models.BooleanField(
        default=False,
        editable=False,
        help_text="An integration account, created in the console to act through the API.",
    )
    # When the account was erased (privacy/erasure.py): the row stays, anonymised, so the posts,
    # votes and ledger lines that point at it keep every other member's reputation exact.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the username and the display name look like (accounts/lookalikes.py, UTS #39
    # skeletons), kept by save(): a new name is refused when it looks like another member's
    # (accounts/names.py), found by these indexed columns rather than by reading every member.
    username_skeleton = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
    display_name_skeleton = models.CharField(max_length=600, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    SKELETONS = {"username": "username_skeleton", "display_name": "display_name_skeleton"}

    def save(self, *args, **kwargs):
        self.username_skeleton = skeleton(self.username)
        self.display_name_skeleton = skeleton(self.display_name) if self.display_name else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                *(self.SKELETONS[name] for name in update_fields if name in self.SKELETONS),
            }
        super().save(*args, **kwargs)

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

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_suspended(self) -> bool:
        return until_in_force(self.suspended_until)

    @property
    def is_silenced(self) -> bool:
        return until_in_force(self.silenced_until)

    @cached_property
    def current_suspension(self) -> "Restriction | None":
        """The suspension in force, with its reason: one query, and only for a suspended member."""
        return self._restriction(Restriction.Kind.SUSPEND) if self.is_suspended else None

    @cached_property
    def current_silence(self) -> "Restriction | None":
        return self._restriction(Restriction.Kind.SILENCE) if self.is_silenced else None

    def _restriction(self, kind: str) -> "Restriction | None":
        return Restriction.objects.in_force().filter(user=self, kind=kind).first()

    def get_absolute_url(self) -> str:
        return cached_reverse("accounts:profile", username=self.username)


class RestrictionQuerySet(models.QuerySet):
    def in_force(self, now=None):
        now = now or timezone.now()
        return self.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now), lifted_at__isnull=True, starts_at__lte=now
        )


class Restriction(models.Model):
    """A suspension (the member reads but takes no part) or a silence (their new questions and
    answers wait for a moderator), with who imposed it, why, when it ends, and who lifted it
    early. The rows are the history; the member's suspended_until / silenced_until columns
    are the current state, written with them by accounts.services."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", "Suspension"
        SILENCE = "silence", "Silence"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restrictions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField(max_length=1000)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until lifted.")
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["suspend", "silence"]), name="restriction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="restriction_ends_after_it_starts",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="restriction_has_a_reason"),
        ]
        indexes = [models.Index(fields=["user", "kind", "lifted_at"], name="restriction_current")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.user_id}"

    @property
    def until(self):
        """When it ends: the day it was lifted early, else its end (None: indefinitely)."""
        return self.lifted_at or self.ends_at

    def is_in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)
        )


class ApiKeyQuerySet(models.QuerySet):
    def live(self, now=None):
        """Keys that authenticate: not revoked and not expired."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret that lets a program act through the API as its owner, within its scopes.

    The token is `cp_<prefix>_<secret>`: the prefix is stored as it is (shown in lists, and how
    a token finds its row), the secret only as its SHA-256. The secret is 32 random bytes, so a
    fast hash is right (as GitHub and Stripe do): nothing can be guessed from it, and a slow
    password hash would cost every request. It is shown once, when the key is created."""

    class Scope(models.TextChoices):
        READ = "read", "Read: everything the owner can see"
        WRITE = "write", "Write: ask, answer, comment, edit, vote, accept"
        MODERATE = "moderate", "Moderate: moderators' actions (the owner must be a moderator)"
        MANAGE = "manage", "Manage: webhooks (the owner must be a community manager)"

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    # A list of Scope values, e.g. ["read", "write"].
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Updated at most once a minute (accounts.services.api_key_used), not a write per request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired

    TOKEN_START = "cp_"  # noqa: S105 (the tokens' visible start, not a secret)

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def split_token(cls, token: str) -> tuple[str, str] | None:
        """(prefix, secret) of a `cp_<prefix>_<secret>` token; None for anything else. The
        prefix is hex, so the first underscore after it ends it (the secret may hold more)."""
        if not token.startswith(cls.TOKEN_START):
            return None
        prefix, _, secret = token[len(cls.TOKEN_START) :].partition("_")
        if not prefix or not secret or len(prefix) > 16:
            return None
        return prefix, secret

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        return [scope for scope in self.Scope.values if scope in self.scopes]
