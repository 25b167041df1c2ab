"""The rules for members' names, one place for every door that sets one: the sign-up form and
social or company sign-up (accounts/adapter.py), the profile form, and the console's integration
accounts. A name is normalised (NFKC, invisible characters out, one space between words) and
refused, with a sentence saying why, when it has nothing visible, turns text around, claims a
role, takes the form kept for erased accounts ("former member 12"), or looks like another
member's name (accounts/lookalikes.py)."""

from allauth.utils import generate_username_candidates
from django.core.exceptions import ValidationError

from accounts.lookalikes import (
    has_direction_controls,
    has_visible_characters,
    role_claimed,
    skeleton,
    visible_text,
)
from accounts.models import ERASED_DISPLAY_NAME_PREFIX, RESERVED_USERNAME_MESSAGE, User, is_reserved_username
from accounts.selectors import member_looking_like

DIRECTION = (
    "Names can't contain characters that change the direction of text (such as U+202E, "
    "right-to-left override): they make a name read differently from how it is written."
)
NOTHING_VISIBLE = (
    "This name has no visible characters. Type a name, or leave it empty to be shown by your username."
)


def _role_refusal(kind: str, role: str) -> str:
    return (
        f"{kind} can't claim a role (“{role}”): moderators, staff and community managers are shown "
        "by a flair beside their name, which a name can't imitate."
    )


def _lookalike_refusal(kind: str, other: User) -> str:
    return (
        f"This {kind} looks the same as another member's, {other.name} (@{other.username}): choose "
        "one that can't be mistaken for theirs."
    )


def clean_display_name(value: str, *, member: User | None = None, bot: bool = False) -> str:
    """The display name to save for `member` (None: an account being created); "" stays "" (the
    username is shown). Raises ValidationError with the sentence the form shows."""
    if not value or not value.strip():
        return ""
    if has_direction_controls(value):
        raise ValidationError(DIRECTION, code="direction_controls")
    name = visible_text(value)
    if not has_visible_characters(name):
        raise ValidationError(NOTHING_VISIBLE, code="invisible")
    role = role_claimed(name, bot_allowed=bot)
    if role:
        raise ValidationError(_role_refusal("Names", role), code="role")
    if name.lower().startswith(ERASED_DISPLAY_NAME_PREFIX):
        raise ValidationError(
            "Names starting with “former member” are kept for erased accounts.", code="reserved"
        )
    shape = skeleton(name)
    if member is not None and shape == member.username_skeleton:
        return name  # their own username, written their way
    other = member_looking_like(shape, other_than=member)
    if other is not None:
        raise ValidationError(_lookalike_refusal("name", other), code="lookalike")
    return name


def check_username(username: str, *, bot: bool = False, others: bool = True) -> str:
    """A new account's username, already through the username field's own validators (letters,
    digits and @ . + - _). `others=False` leaves out the comparison with other members."""
    if is_reserved_username(username):
        raise ValidationError(RESERVED_USERNAME_MESSAGE, code="reserved")
    role = role_claimed(username, bot_allowed=bot)
    if role:
        raise ValidationError(_role_refusal("Usernames", role), code="role")
    if others:
        other = member_looking_like(skeleton(username))
        if other is not None and other.username.casefold() == username.casefold():
            raise ValidationError("That username is taken: choose another.", code="taken")
        if other is not None:
            raise ValidationError(_lookalike_refusal("username", other), code="lookalike")
    return username


def unused_username(username: str) -> str:
    """`username` when it passes check_username, else the first of allauth's variants of it with
    a suffix ("linus4") that does: for sign-ups through a provider, which have no form to ask."""
    for candidate in [username, *generate_username_candidates(username)]:
        try:
            return check_username(candidate)
        except ValidationError:
            continue
    return check_username(generate_username_candidates("member")[-1])


def safe_display_name(value: str, *, member: User | None = None) -> str:
    """A display name a login provider gave: kept when it passes, else none (the username shows),
    since a sign-in through a provider has no form to say why."""
    try:
        return clean_display_name(value, member=member)
    except ValidationError:
        return ""
