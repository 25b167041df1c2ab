"""What reputation lets a member do. Thresholds come in two presets chosen in settings
(REPUTATION_PRIVILEGE_PRESET). Moderators hold every privilege; being staff grants none."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Privilege:
    code: str
    name: str
    description: str


PRIVILEGES = [
    Privilege("vote_up", "Vote up", "Tell the community which questions and answers are useful."),
    Privilege(
        "comment", "Comment anywhere", "Comment on anyone's posts (you can always comment on your own)."
    ),
    Privilege("flag", "Flag posts", "Bring spam, rudeness and duplicates to moderators' attention."),
    Privilege("vote_down", "Vote down", "Mark posts that are not useful. Voting an answer down costs you 1."),
    Privilege(
        "edit_others", "Edit others' posts", "Edit any post directly; below this, your edits are suggestions."
    ),
    Privilege("close_reopen", "Close and reopen", "Vote to close or reopen questions."),
    Privilege("curate", "Curate knowledge", "Promote solved threads into knowledge-base articles."),
]
BY_CODE = {privilege.code: privilege for privilege in PRIVILEGES}

PRESETS: dict[str, dict[str, int]] = {
    # A young community: everyone can take part from the first day.
    "new": {
        "vote_up": 1,
        "comment": 1,
        "flag": 15,
        "vote_down": 50,
        "edit_others": 500,
        "close_reopen": 1000,
        "curate": 1000,
    },
    # Stack Exchange's thresholds, for a community with many regulars.
    "mature": {
        "vote_up": 15,
        "comment": 50,
        "flag": 15,
        "vote_down": 125,
        "edit_others": 2000,
        "close_reopen": 3000,
        "curate": 3000,
    },
}


def thresholds() -> dict[str, int]:
    preset = getattr(settings, "REPUTATION_PRIVILEGE_PRESET", "new")
    try:
        return PRESETS[preset]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"REPUTATION_PRIVILEGE_PRESET must be one of {sorted(PRESETS)}; got {preset!r}."
        ) from exc


def threshold(code: str) -> int:
    return thresholds()[code]


def has_privilege(user, code: str) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_moderator:
        return True
    return user.reputation >= threshold(code)


def privilege_table(user=None) -> list[dict]:
    return [
        {
            "privilege": privilege,
            "threshold": threshold(privilege.code),
            "held": has_privilege(user, privilege.code) if user is not None else False,
        }
        for privilege in PRIVILEGES
    ]
