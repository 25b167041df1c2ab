"""Every figure of one insights view as CSV rows, in long format: one value per row.

Columns: figure, week (the Monday a weekly figure's week starts, else empty), member (for top
helpers) or question (for escalations), value, unit. Durations are in seconds, shares are
fractions between 0 and 1, and an empty value means there was nothing to measure."""

HEADER = ["figure", "week", "subject", "value", "unit"]


def _cell(text: str) -> str:
    """Member-written text (titles, usernames) must not start a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _value(value) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def rows(data: dict, computed_at, overdue) -> list[list[str]]:
    out = [HEADER]

    def add(figure, value, unit, week="", subject=""):
        out.append([figure, week, _cell(subject), _value(value), unit])

    add("period_start", data["start"], "datetime")
    add("period_end", data["end"], "datetime")
    add("period_days", data["period"], "days")
    add("tag", data["tag"] or "(all tags)", "tag")
    add("computed_at", computed_at.isoformat(), "datetime")
    add("questions_asked", data["asked"], "questions")
    add("questions_solved", data["solved"], "questions")
    add("solved_rate", data["solved_rate"], "fraction")
    for key, label in (
        ("first_answer", "time_to_first_answer"),
        ("first_helpful", "time_to_first_helpful_answer"),
    ):
        add(f"{label}_questions_measured", data[key]["count"], "questions")
        add(f"{label}_median", data[key]["median"], "seconds")
        add(f"{label}_p90", data[key]["p90"], "seconds")
    for key, label in (("answers", "answers"), ("accepted", "accepted_answers")):
        add(f"{label}_total", data[key]["total"], "answers")
        add(f"{label}_by_customers", data[key]["customers"], "answers")
        add(f"{label}_by_staff", data[key]["staff"], "answers")
        add(f"{label}_customer_share", data[key]["customer_share"], "fraction")
        add(f"{label}_staff_share", data[key]["staff_share"], "fraction")
    add("waiting_for_help_now", data["waiting"]["count"], "questions")
    add("waiting_for_help_median_wait", data["waiting"]["median_wait"], "seconds")
    for helper in data["top_helpers"]:
        who = helper["username"] + (" (staff)" if helper["is_staff"] else "")
        add("top_helper_helpful_answers", helper["helpful_answers"], "answers", subject=who)
        add("top_helper_accepted_answers", helper["accepted_answers"], "answers", subject=who)
    for week in data["weekly"]:
        w = week["week"]
        add("weekly_questions_asked", week["asked"], "questions", week=w)
        add("weekly_questions_solved", week["solved"], "questions", week=w)
        add("weekly_solved_rate", week["solved_rate"], "fraction", week=w)
        add("weekly_time_to_first_answer_median", week["first_answer_median"], "seconds", week=w)
        add("weekly_answers_by_customers", week["customer_answers"], "answers", week=w)
        add("weekly_answers_by_staff", week["staff_answers"], "answers", week=w)
    for escalation in overdue:
        subject = f"question {escalation.question_id}: {escalation.question.title}"
        add("escalation_without_outcome_days", escalation.days_waiting, "days", subject=subject)
    return out
