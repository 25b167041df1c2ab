"""The reputation rules: one versioned table, shown as-is on /reputation/rules/.

Helping earns most: an answer voted up is worth twice a question voted up, and an accepted
answer earns its author far more than the asker. No rule looks at a person's role.
"""

from dataclasses import dataclass

RULES_VERSION = 1
DAILY_VOTE_CAP = 200  # most reputation anyone can earn from votes in one UTC day
REPUTATION_FLOOR = 1  # reputation never drops below this
EDIT_APPROVED_LIFETIME_CAP = 1000
ALSO_HELPED_MAX = 3
GOOD_NEIGHBOUR_WAIT_HOURS = 24


@dataclass(frozen=True)
class Rule:
    code: str
    amount: int
    label: str
    explanation: str
    capped_daily: bool = False


_RULES = [
    Rule("answer_upvoted", 10, "Answer voted up", "Someone found your answer useful.", capped_daily=True),
    Rule(
        "question_upvoted", 5, "Question voted up", "Someone found your question useful.", capped_daily=True
    ),
    Rule(
        "answer_accepted", 15, "Answer accepted", "The asker accepted your answer as the one that solved it."
    ),
    Rule(
        "accepted_an_answer",
        2,
        "Accepted an answer",
        "You closed the loop by accepting an answer to your question (not your own answer).",
    ),
    Rule("post_downvoted", -2, "Post voted down", "Someone found your post not useful."),
    Rule(
        "downvote_cast",
        -1,
        "Voted an answer down",
        "Voting an answer down costs you 1, so down votes are cast with care.",
    ),
    Rule(
        "good_neighbour",
        5,
        "Good neighbour",
        f"You were first to answer a question that had waited more than {GOOD_NEIGHBOUR_WAIT_HOURS} hours, "
        "and your answer scored 1 or was accepted.",
    ),
    Rule("also_helped", 5, "Also helped", "The asker marked your answer as one that also helped."),
    Rule(
        "edit_approved",
        2,
        "Suggested edit approved",
        f"Your suggested edit was approved (at most {EDIT_APPROVED_LIFETIME_CAP} in all).",
    ),
    Rule(
        "answer_became_knowledge",
        10,
        "Answer became knowledge",
        "Your answer was drawn into a knowledge-base article, which credits you as a co-author "
        "(once per answer).",
    ),
]
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
VOTE_RULES = {"answer_upvoted", "question_upvoted", "post_downvoted", "downvote_cast"}
ACCEPT_RULES = {"answer_accepted", "accepted_an_answer"}
CAPPED_RULES = {rule.code for rule in _RULES if rule.capped_daily}

# Reasons written on entries, so the ledger explains itself.
REASON_DAILY_CAP = "daily cap"
REASON_FLOOR = "reputation floor"
REASON_EDIT_CAP = "edit reward limit reached"
REASON_RESTORED_ON_APPEAL = "restored on appeal"


def label(code: str) -> str:
    rule = RULES.get(code)
    return rule.label if rule else code.replace("_", " ").capitalize()


def vote_rules(*, on_answer: bool, value: int) -> list[tuple[str, str]]:
    """(rule, who) pairs a vote of this value earns; who is "author" or "voter"."""
    if value == 1:
        return [("answer_upvoted" if on_answer else "question_upvoted", "author")]
    if value == -1:
        pairs = [("post_downvoted", "author")]
        if on_answer:
            pairs.append(("downvote_cast", "voter"))
        return pairs
    return []
