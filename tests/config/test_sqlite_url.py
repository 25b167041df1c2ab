"""SQLite runs with the same options however it is configured: the embedded default file, or
DATABASE_URL=sqlite:///... Without them (DEFERRED transactions, a 5 s timeout, no WAL), concurrent
votes failed with "database is locked"."""

import json

from tests.config.test_settings import probe, run


def test_sqlite_from_database_url_gets_the_embedded_options(tmp_path):
    default = probe({"COMMONPLACE_VAR_DIR": str(tmp_path)})
    from_url = probe({"COMMONPLACE_VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///tmp/x.sqlite3"})

    assert from_url["engine"] == "django.db.backends.sqlite3"
    assert from_url["db_options"] == default["db_options"]
    assert from_url["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA busy_timeout=20000" in from_url["db_options"]["init_command"]


def test_options_in_the_url_win_over_the_embedded_ones(tmp_path):
    values = probe(
        {"COMMONPLACE_VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///tmp/x.sqlite3?timeout=40"}
    )

    assert values["db_options"]["timeout"] == "40"
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"


def test_twenty_concurrent_votes_on_a_sqlite_url_all_count_and_none_is_locked_out(tmp_path):
    database = tmp_path / "votes.sqlite3"
    result = run(
        "",
        {"COMMONPLACE_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{database}"},
        "-m",
        "tests.config.concurrent_votes",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["score"] == 20
