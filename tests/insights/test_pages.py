"""The insights page and its CSV: what a reader sees, where the figures come from, who may look."""

import csv
import io
import re

import pytest
from django.conf import settings

from insights import services, tasks
from insights.models import InsightSnapshot
from tests.factories import StaffFactory, UserFactory
from tests.insights.helpers import HOUR, NOW, known_forum

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum():
    """The known forum, with the 30-day view computed for NOW as the beat task would."""
    people = known_forum()
    services.snapshot_refresh(period=30, now=NOW)
    return people


def _csv(client, query: str = "") -> list[dict]:
    response = client.get(f"/insights/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _value(rows, figure, week="", subject=""):
    [row] = [r for r in rows if r["figure"] == figure and r["week"] == week and r["subject"] == subject]
    return row["value"]


def test_the_page_shows_each_figure_with_its_unit(client, forum):
    body = client.get("/insights/?period=30").content.decode()

    assert "<h1>Insights</h1>" in body
    assert re.search(r"Questions asked</dt><dd><strong>5</strong>", body)
    assert "<strong>3 h 30 min</strong> median · 5 h 42 min for 9 in 10" in body  # 3.5 h, 5.7 h
    assert "<strong>3 h</strong> median · 4 h 36 min for 9 in 10" in body  # 3 h, 4.6 h
    assert "<strong>40%</strong>" in body and "2 of 5 with an accepted answer" in body
    assert "<strong>71%</strong> by customers, 29% by staff" in body  # 5 and 2 of 7
    assert "<strong>50%</strong> by customers, 50% by staff" in body  # accepted: 1 and 1 of 2
    assert "<strong>3</strong> questions, median wait 2 d" in body
    assert 'href="/questions/?sort=waiting"' in body


def test_top_helpers_show_staff_with_flair_among_customers(client, forum):
    body = client.get("/insights/").content.decode()
    helpers = body.split('id="helpers-heading"')[1].split("</table>")[0]

    assert helpers.index("Alice") < helpers.index("Sam") < helpers.index("Bob")
    assert re.search(r'>Sam</a> <span class="flair"[^>]*>Staff</span>', helpers)


def test_each_trend_chart_is_an_accessible_svg_with_its_data_table(client, forum):
    body = client.get("/insights/").content.decode()

    charts = re.findall(r'<svg class="chart"[^>]*role="img" aria-labelledby="([\w-]+)-title \1-desc"', body)
    assert charts == ["chart-asked", "chart-first-answer", "chart-solved", "chart-answers"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in body and f'<desc id="{chart}-desc">' in body
    assert body.count("<caption>") >= 4
    assert "<caption>Questions asked per week (data)</caption>" in body
    # The data tables read without the chart: the week of Mar 3 had a 3.5 h median first answer.
    assert '<th scope="row">Mar 3</th><td class="num">3 h 30 min</td>' in body
    assert "<script" not in body.split("<main")[1]  # the page itself needs no JavaScript
    assert "//cdn" not in body and "https://" not in body.split("<main")[1]


def test_the_page_reads_the_stored_figures_without_computing_them(
    client, forum, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # snapshot, tag names, overdue follow-ups (+ a spare)
        assert client.get("/insights/?period=30").status_code == 200


def test_the_csv_has_every_figure(client, forum):
    rows = _csv(client, "?period=30")

    assert list(rows[0]) == ["figure", "week", "subject", "value", "unit"]
    assert _value(rows, "questions_asked") == "5"
    assert _value(rows, "solved_rate") == "0.4"
    assert float(_value(rows, "time_to_first_answer_median")) == pytest.approx(3.5 * HOUR)
    assert float(_value(rows, "time_to_first_answer_p90")) == pytest.approx(5.7 * HOUR)
    assert float(_value(rows, "time_to_first_helpful_answer_median")) == pytest.approx(3 * HOUR)
    assert float(_value(rows, "time_to_first_helpful_answer_p90")) == pytest.approx(4.6 * HOUR)
    assert (_value(rows, "answers_by_customers"), _value(rows, "answers_by_staff")) == ("5", "2")
    assert float(_value(rows, "answers_staff_share")) == pytest.approx(2 / 7)
    assert (_value(rows, "accepted_answers_by_customers"), _value(rows, "accepted_answers_by_staff")) == (
        "1",
        "1",
    )
    assert _value(rows, "waiting_for_help_now") == "3"
    assert float(_value(rows, "waiting_for_help_median_wait")) == pytest.approx(2 * 24 * HOUR)
    assert _value(rows, "top_helper_helpful_answers", subject="alice") == "2"
    assert _value(rows, "top_helper_accepted_answers", subject="sam (staff)") == "1"
    assert _value(rows, "weekly_questions_asked", week="2025-03-03") == "2"
    assert _value(rows, "weekly_answers_by_staff", week="2025-03-10") == "1"
    assert _value(rows, "weekly_time_to_first_answer_median", week="2025-02-10") == ""
    assert [r["week"] for r in rows if r["figure"] == "weekly_solved_rate"] == [
        "2025-02-10",
        "2025-02-17",
        "2025-02-24",
        "2025-03-03",
        "2025-03-10",
    ]


def test_the_csv_neutralises_titles_that_would_be_spreadsheet_formulas(client, db):
    from insights.exports import _cell

    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _cell("Router question") == "Router question"


def test_the_beat_task_stores_every_default_view(db):
    assert settings.CELERY_BEAT_SCHEDULE["insights-compute"]["task"] == "insights.compute"

    tasks.compute.delay()

    assert sorted(InsightSnapshot.objects.values_list("key", flat=True)) == ["30:", "365:", "7:", "90:"]


def test_a_tag_view_is_computed_on_demand_then_stored(client, forum):
    body = client.get("/insights/?period=30&tag=billing").content.decode()

    assert "tagged" in body and 'class="tag" href="/tags/billing/"' in body
    snapshot = InsightSnapshot.objects.get(key="30:billing")
    assert snapshot.data["tag"] == "billing"
    assert client.get("/insights/?tag=no-such-tag").status_code == 404


def test_an_unknown_period_falls_back_to_30_days(client, forum):
    assert "last 30 days" in client.get("/insights/?period=12345").content.decode()


def test_insights_are_public_by_default_and_linked_from_the_navigation(client, forum):
    body = client.get("/").content.decode()
    assert '<a href="/insights/"' in body
    assert client.get("/insights/").status_code == 200


def test_the_setting_makes_insights_staff_only(client, forum, settings):
    settings.COMMONPLACE_INSIGHTS_PUBLIC = False

    visitor = client.get("/insights/")
    assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]
    assert client.get("/insights/export.csv").status_code == 302

    client.force_login(UserFactory())
    assert client.get("/insights/").status_code == 403
    assert client.get("/insights/export.csv").status_code == 403
    assert '<a href="/insights/"' not in client.get("/").content.decode()

    client.force_login(StaffFactory())
    assert client.get("/insights/").status_code == 200
    assert client.get("/insights/export.csv").status_code == 200
    assert '<a href="/insights/"' in client.get("/").content.decode()


def test_default_views_are_served_as_the_beat_task_stored_them_and_tag_views_refreshed(forum):
    import datetime as dt

    from insights import selectors

    later = NOW + dt.timedelta(hours=1)
    # The default view is the beat task's: served as stored, even when an hour old.
    assert selectors.insights_get(period=30, now=later).computed_at == NOW
    # A tag view computed on demand is recomputed once older than the beat task's interval.
    services.snapshot_refresh(period=30, tag="wifi", now=NOW)
    assert selectors.insights_get(period=30, tag="wifi", now=NOW + dt.timedelta(minutes=5)).computed_at == NOW
    assert selectors.insights_get(period=30, tag="wifi", now=later).computed_at == later
