"""The bridge's settings: a helpdesk we have no adapter for stops the start with the choices;
`manage.py check` names what a chosen adapter lacks."""

from tests.config.test_settings import PROBE, run


def test_an_unknown_helpdesk_stops_the_start_with_the_choices():
    result = run(PROBE, {"COMMONPLACE_HELPDESK": "Freshdesk"})
    assert result.returncode != 0
    assert "COMMONPLACE_HELPDESK must be generic, zendesk or empty; got 'freshdesk'." in result.stderr


def test_manage_py_check_names_the_settings_zendesk_lacks(tmp_path):
    env = {"COMMONPLACE_HELPDESK": "zendesk", "COMMONPLACE_ZENDESK_URL": "https://acme.zendesk.com"}
    result = run("", {**env, "COMMONPLACE_VAR_DIR": str(tmp_path)}, "manage.py", "check")
    assert result.returncode != 0
    for name in (
        "COMMONPLACE_ZENDESK_EMAIL",
        "COMMONPLACE_ZENDESK_API_TOKEN",
        "COMMONPLACE_ZENDESK_WEBHOOK_SECRET",
    ):
        assert f"COMMONPLACE_HELPDESK=zendesk needs {name}." in result.stderr
    assert "needs COMMONPLACE_ZENDESK_URL" not in result.stderr
