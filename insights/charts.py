"""Weekly trend charts drawn on the server as inline SVG: no script, no CDN, a title and a
description for screen readers, and colours from the site's CSS custom properties, so light and
dark modes both keep their contrast. Every chart comes with the rows of its data table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from insights.formatting import format_duration, format_percent

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 40


@dataclass
class Series:
    name: str
    values: list[float | None]
    css_class: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    svg: SafeString
    columns: list[str]
    rows: list[list[str]]


def _nice_ceiling(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _axis_number(value: float) -> str:
    return f"{value:g}"


def week_label(iso_week: str) -> str:
    day = dt.date.fromisoformat(iso_week)
    return f"{day:%b} {day.day}"


def bar_chart(
    *, chart_id: str, title: str, description: str, labels: list[str], series: list[Series], unit: str
) -> SafeString:
    """Bars, one per label, stacked when there is more than one series."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = _nice_ceiling(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    parts = []
    for tick in range(5):  # gridlines and y-axis labels
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 6,
                f"{y + 4:.1f}",
                _axis_number(value),
            )
        )
    every = max(1, math.ceil(len(labels) / 8))  # at most about eight x labels
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar_w) / 2
        base = TOP + plot_h
        for s in series:
            value = s.values[i]
            if not value:
                continue
            height = plot_h * value / top
            base -= height
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>',
                    s.css_class,
                    f"{x:.1f}",
                    f"{base:.1f}",
                    f"{bar_w:.1f}",
                    f"{height:.1f}",
                    label,
                    s.name,
                    f"{value:g} {unit}",
                )
            )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{LEFT + slot * i + slot / 2:.1f}",
                    HEIGHT - BOTTOM + 16,
                    label,
                )
            )
    parts.append(
        format_html(
            '<text class="chart-axis" x="{}" y="{}">{}</text>', LEFT, HEIGHT - 6, f"{unit}, by week starting"
        )
    )
    if len(series) > 1:  # a legend, right-aligned under the plot
        x = WIDTH - RIGHT
        for s in reversed(series):
            x -= 8 + 7 * len(s.name)
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="10" height="10"/>'
                    '<text class="chart-axis" x="{}" y="{}">{}</text>',
                    s.css_class,
                    f"{x - 14:.1f}",
                    HEIGHT - 16,
                    f"{x:.1f}",
                    HEIGHT - 7,
                    s.name,
                )
            )
            x -= 24
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="chart-baseline" x1="{}" x2="{}" y1="{}" y2="{}"/>{}</svg>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        LEFT,
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h,
        mark_safe("".join(parts)),  # noqa: S308 - every part was built by format_html
    )


def _describe(what: str, labels: list[str], values: list[float | None], show: Callable) -> str:
    known = [(label, value) for label, value in zip(labels, values, strict=True) if value is not None]
    if not labels:
        return f"{what}: no weeks in this period."
    span = f"{what}, weekly from {labels[0]} to {labels[-1]}"
    if not known:
        return f"{span}: no data yet."
    high = max(known, key=lambda pair: pair[1])
    low = min(known, key=lambda pair: pair[1])
    return (
        f"{span}. Highest {show(high[1])} (week of {high[0]}), lowest {show(low[1])} "
        f"(week of {low[0]}), latest {show(known[-1][1])}."
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


def charts_for(data: dict) -> list[Chart]:
    """The trend charts of one view of the figures, each with its table."""
    weeks = data["weekly"]
    labels = [week_label(row["week"]) for row in weeks]
    asked = [row["asked"] for row in weeks]
    medians = [row["first_answer_median"] for row in weeks]
    rates = [row["solved_rate"] for row in weeks]
    customers = [row["customer_answers"] for row in weeks]
    staff = [row["staff_answers"] for row in weeks]
    charts = []

    def add(chart_id, title, description, series, unit, columns, rows):
        svg = bar_chart(
            chart_id=chart_id, title=title, description=description, labels=labels, series=series, unit=unit
        )
        charts.append(Chart(chart_id, title, description, svg, columns, rows))

    add(
        "chart-asked",
        "Questions asked per week",
        _describe("Questions asked", labels, asked, lambda v: f"{v:g}"),
        [Series("Questions", asked, "chart-bar")],
        "questions",
        ["Week starting", "Questions asked"],
        [[label, str(n)] for label, n in zip(labels, asked, strict=True)],
    )
    add(
        "chart-first-answer",
        "Median time to first answer per week",
        _describe("Median time to first answer", labels, medians, format_duration),
        [Series("Median", [_hours(v) for v in medians], "chart-bar")],
        "hours",
        ["Week starting", "Median time to first answer"],
        [[label, format_duration(v)] for label, v in zip(labels, medians, strict=True)],
    )
    add(
        "chart-solved",
        "Solved rate per week",
        _describe("Share of questions solved", labels, rates, format_percent),
        [Series("Solved", [_percent(v) for v in rates], "chart-bar")],
        "%",
        ["Week starting", "Solved", "Asked", "Solved rate"],
        [
            [label, str(row["solved"]), str(row["asked"]), format_percent(row["solved_rate"])]
            for label, row in zip(labels, weeks, strict=True)
        ],
    )
    add(
        "chart-answers",
        "Answers per week, by customers and staff",
        _describe(
            "Answers",
            labels,
            [c + s for c, s in zip(customers, staff, strict=True)],
            lambda v: f"{v:g}",
        )
        + " Bars are split into answers by customers and by staff.",
        [Series("Customers", customers, "chart-bar"), Series("Staff", staff, "chart-bar-alt")],
        "answers",
        ["Week starting", "By customers", "By staff", "Staff share"],
        [
            [label, str(c), str(s), format_percent(s / (c + s) if c + s else None)]
            for label, c, s in zip(labels, customers, staff, strict=True)
        ],
    )
    return charts
