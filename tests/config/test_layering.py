"""The seams between apps: the import-linter layers cover every app, and no app uses another's
private names (scripts/check_private_names.py, run by `make lint`)."""

import configparser
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from check_private_names import APPS, check, violations  # noqa: E402


def test_no_app_uses_another_apps_private_names():
    assert check([ROOT / app for app in APPS]) == []


def test_the_check_catches_an_imported_private_name_and_a_private_attribute():
    source = "from forum.views import _thread_context\nimport forum.search as s\ns._marked('x')\n"

    found = violations(source, "moderation")

    assert found == [
        "<source>:1: from forum.views import _thread_context",
        "<source>:3: s._marked (forum.search)",
    ]
    assert violations(source, "forum") == []  # an app's own private names are its own


def test_every_local_app_has_a_place_in_the_layers():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layered = {
        name.strip()
        for line in config["importlinter:contract:layers"]["layers"].split("\n")
        for name in line.split("|")
        if name.strip()
    }
    local = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}

    assert local | {"config"} <= layered | {"tests"}
    assert set(APPS) == layered
