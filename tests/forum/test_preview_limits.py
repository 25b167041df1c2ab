"""/preview/ renders Markdown like a write would cost: members only, counted per account, within a
post's length, and within the table budget that stops a crafted table from burning seconds of CPU."""

import pytest

from forum.markdown import MAX_TABLE_CELLS, MAX_TABLE_COLUMNS, markdown_problem, render_markdown
from forum.models import BODY_MAX, Question
from tests.factories import ModeratorFactory, UserFactory, restrict

pytestmark = pytest.mark.django_db


def crafted_table(columns: int = 1000, length: int = BODY_MAX) -> str:
    """A header of `columns` cells, then one-character rows until `length`: markdown-it fills every
    short row out to the header's width, so each line asks for `columns` cells."""
    head = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n"
    return head + "b\n" * ((length - len(head)) // 2)


def many_tables(length: int = BODY_MAX) -> str:
    """Tables of 30 full columns and 100 rows, one after another: each within a table's own limits."""
    one = "|" + "a|" * 30 + "\n|" + "-|" * 30 + "\n" + ("|" + "b|" * 30 + "\n") * 99 + "\n"
    return (one * (length // len(one) + 1))[:length]


def preview(client, body: str, **extra):
    return client.post("/preview/", {"body": body}, HTTP_HX_REQUEST="true", **extra)


def test_anonymous_visitors_get_403_with_a_sentence(client):
    response = preview(client, "Some **bold** text")

    assert response.status_code == 403
    assert "Log in to preview Markdown" in response.content.decode()
    assert "<strong>" not in response.content.decode()


def test_a_suspended_member_is_told_why_there_is_no_preview(client):
    member = UserFactory()
    restrict(member, reason="Posting links to a shop")
    client.force_login(member)

    response = preview(client, "Some **bold** text")

    assert response.status_code == 403
    assert "Posting links to a shop" in response.content.decode()


def test_members_see_their_markdown_rendered(client):
    client.force_login(UserFactory())

    response = preview(client, "A table:\n\n| plan | price |\n|---|--:|\n| basic | 5 |\n")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<table>" in body
    assert '<td class="align-right">5</td>' in body


@pytest.mark.parametrize("who", [UserFactory, ModeratorFactory])
def test_previews_are_counted_per_account_the_same_for_every_role(client, settings, who):
    settings.COMMONPLACE_PREVIEW_RATE = "3/min"
    member = who()
    client.force_login(member)

    assert [preview(client, f"Draft {n}").status_code for n in range(3)] == [200, 200, 200]
    refused = preview(client, "Draft 4")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "too many previews" in refused.content.decode()
    # Another member's previews are their own.
    client.force_login(UserFactory())
    assert preview(client, "Someone else's draft").status_code == 200


def test_a_crafted_table_is_refused_with_the_limits_in_the_sentence(client):
    client.force_login(UserFactory())

    response = preview(client, crafted_table())

    body = response.content.decode()
    assert response.status_code == 400
    assert f"at most {MAX_TABLE_COLUMNS} columns" in body
    assert "<td>" not in body


def test_many_tables_each_within_limits_are_refused_past_the_cells_of_one_post():
    source = many_tables()

    assert markdown_problem(source) is not None
    assert markdown_problem(many_tables(length=3_500)) is None  # part of the first table: within budget
    # Saved text from before the limit renders as plain text, never as 100,000 cells.
    rendered = render_markdown(source)
    assert "<td>" not in rendered
    assert "<p>|a|a|" in rendered


def test_a_crafted_table_inside_a_quote_is_counted_too():
    quoted = "\n".join(f"> {line}" for line in crafted_table(length=8_000).splitlines())

    assert markdown_problem(quoted) is not None
    assert "<td>" not in render_markdown(quoted)


def test_tables_within_the_budget_render():
    rows = "".join(f"| {n} | b | c |\n" for n in range(MAX_TABLE_CELLS // 3 - 1))
    source = "| x | y | z |\n|---|---|---|\n" + rows

    assert markdown_problem(source) is None
    assert render_markdown(source).count("<tr>") == MAX_TABLE_CELLS // 3


def test_the_preview_takes_no_more_than_a_post_may_hold(client):
    client.force_login(UserFactory())

    response = preview(client, "x" * (BODY_MAX + 1))

    assert response.status_code == 400
    assert "Too long to preview as you type" in response.content.decode()


def test_asking_with_a_crafted_table_is_refused_and_keeps_the_text(client):
    client.force_login(UserFactory())
    body = crafted_table(columns=40, length=2_000)

    response = client.post(
        "/questions/ask/", {"title": "A table that will not render", "body": body, "tags": "tables"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert Question.objects.count() == 0
    assert "too big a table" in page
    assert "|a|a|a|" in page  # what was typed is still in the form


def test_the_api_refuses_the_same_table_with_the_same_sentence(client):
    client.force_login(UserFactory())
    body = crafted_table(columns=40, length=2_000)

    response = client.post(
        "/api/v1/questions/",
        {"title": "A table that will not render", "body": body, "tags": ["tables"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "too big a table" in response.json()["error"]["fields"]["body"][0]
    assert Question.objects.count() == 0


def test_the_live_preview_script_is_a_file_on_every_markdown_form(client):
    client.force_login(UserFactory())

    page = client.get("/questions/ask/").content.decode()

    assert 'src="/static/js/preview.js"' in page
