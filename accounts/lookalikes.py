"""Text that looks like something it is not: invisible characters, text-direction overrides,
homoglyphs (a Cyrillic small a, U+0430, for a Latin a) and names that claim a role. Pure functions on strings;
accounts/names.py applies them to members' names, forum's forms to titles.

Unicode's own data decides, through ICU (PyICU; README, "Security"): what is invisible is
Unicode's Default_Ignorable_Code_Point property plus the control (Cc) and format (Cf) categories,
what turns text around is its Bidi_Control property, and what looks alike is the UTS #39
confusables table, by way of ICU's SpoofChecker "skeleton": two strings that look the same have
the same skeleton ("paypal" spelt with a Cyrillic U+0430, and "paypal", are both "paypal";
"morgan" and "rnorgan" both "rnorgan")."""

from __future__ import annotations

import itertools
import re
import unicodedata

import icu


def _frozen(pattern: str) -> icu.UnicodeSet:
    """A set of Unicode's own data; frozen, so threads may share it."""
    characters = icu.UnicodeSet(pattern)
    characters.freeze()
    return characters


INVISIBLE = _frozen("[[:Default_Ignorable_Code_Point:][:Cc:][:Cf:]]")
DIRECTION_CONTROLS = _frozen("[:Bidi_Control:]")
# Characters that draw nothing yet are neither ignorable nor spaces to Unicode.
BLANKS = frozenset("\u2800")  # BRAILLE PATTERN BLANK
SPOOF_CHECKER = icu.SpoofChecker()
WORD_RE = re.compile(r"[^\W_]+")

# Words that would make a name read as a role on this site. The roles are shown by a flair beside
# a name (Staff, Moderator, Bot), which a name must not be able to imitate. Matched as words (or
# two words run together), by skeleton, so "M0derator", "Staff" spelt with a Cyrillic U+0405,
# and "s t a f f" count too.
ROLE_WORDS = (
    "moderator",
    "moderators",
    "mod",
    "mods",
    "staff",
    "admin",
    "admins",
    "administrator",
    "administrators",
    "sysop",
    "community manager",
    "community managers",
    "bot",
)


def visible_text(text: str) -> str:
    """NFKC-normalised (fullwidth and stylised letters become the plain ones), with invisible
    and control characters taken out (zero-width spaces, direction marks, fillers) and runs of
    white space made one space, trimmed."""
    text = unicodedata.normalize("NFKC", text or "")
    kept = "".join(char for char in text if char.isspace() or not INVISIBLE.contains(char))
    return " ".join(kept.split())


def has_visible_characters(text: str) -> bool:
    """Whether `text` draws anything: a letter, digit, punctuation mark or symbol."""
    return any(
        unicodedata.category(char)[0] in "LNPS" and char not in BLANKS and not INVISIBLE.contains(char)
        for char in text
    )


def has_direction_controls(text: str) -> bool:
    """Right-to-left override (U+202E) and the other explicit direction controls and marks:
    they make a name read otherwise than it is written ("moc.elgoog")."""
    return any(DIRECTION_CONTROLS.contains(char) for char in text or "")


def skeleton(text: str) -> str:
    """What `text` looks like, whatever characters draw it: the UTS #39 skeleton of its visible
    text, with case set aside. The skeleton is taken as drawn (a Cyrillic capital em, U+041C, is an M),
    then again once case is folded ("ADMIN" is "admin"); folding loses that a capital I is drawn
    like a small l in most fonts ("AIice", "Alice"), so i and l count as one letter. Two names
    with one skeleton can be mistaken for each other."""
    drawn = SPOOF_CHECKER.getSkeleton(0, visible_text(text))
    return SPOOF_CHECKER.getSkeleton(0, drawn.casefold()).casefold().replace("i", "l")


ROLE_SKELETONS = {skeleton(word.replace(" ", "")): word for word in ROLE_WORDS}


def role_claimed(text: str, *, bot_allowed: bool = False) -> str | None:
    """The role word a name would read as ("moderator"), or None. Words are compared by
    skeleton, alone, two by two ("community manager"), and single letters spelled out together
    ("s t a f f"). `bot_allowed` for integration accounts, which carry the Bot flair anyway."""
    words = WORD_RE.findall(visible_text(text))
    candidates = [*words, *(first + second for first, second in itertools.pairwise(words))]
    letters = ""
    for word in [*words, ""]:
        if len(word) == 1:
            letters += word
            continue
        if len(letters) > 1:
            candidates.append(letters)
        letters = ""
    for candidate in candidates:
        role = ROLE_SKELETONS.get(skeleton(candidate))
        if role and not (bot_allowed and role == "bot"):
            return role
    return None
