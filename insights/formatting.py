"""How figures read: durations in days, hours and minutes; shares as percentages."""


def format_duration(seconds: float | None) -> str:
    """2 h 15 min, 3 d 4 h, 45 min, 30 s; an em dash when there is nothing to measure."""
    if seconds is None:
        return "—"
    if seconds < 59.5:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(round(seconds / 3600), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_percent(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    percent = ratio * 100
    return f"{percent:.0f}%" if percent == round(percent) or percent >= 10 else f"{percent:.1f}%"
