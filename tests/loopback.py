"""Start a server the tests need (an identity provider) as a process of its own on a free
loopback port, and stop it afterwards.

The server is a Python module run with `python -m`; it binds 127.0.0.1 port 0 and prints one line
"READY <base url>" once it answers. Its output goes to a file, shown if it fails to start."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Person:
    """Someone who can sign in at a test identity provider, and what it says about them."""

    username: str
    password: str
    email: str
    name: str
    email_verified: bool = True


@contextmanager
def loopback_server(module: str, env: dict[str, str]) -> Iterator[str]:
    """Run `python -m <module>` with `env` added; yield its base URL; terminate it at the end."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    with (
        tempfile.TemporaryDirectory(prefix="loopback-") as workdir,
        open(Path(workdir) / "stderr", "w+") as errors,
    ):
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**clean, "LOOPBACK_WORKDIR": workdir, **env},
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            yield _wait_until_ready(process, module, errors)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


def _wait_until_ready(process: subprocess.Popen, module: str, errors) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.5):
                line = process.stdout.readline()
                if line.startswith("READY "):
                    return line.split(" ", 1)[1].strip()
                if not line and process.poll() is not None:
                    break
    errors.seek(0)
    raise RuntimeError(f"{module} did not start (exit {process.poll()}):\n{errors.read()[-5000:]}")


class PageForm(HTMLParser):
    """The first form of a page: its action and the values of its inputs."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
        elif tag == "input" and attributes.get("name") and attributes.get("type") != "submit":
            self.fields[attributes["name"]] = attributes.get("value") or ""


def first_form(html: str) -> PageForm:
    form = PageForm()
    form.feed(html)
    assert form.action is not None, html[:2000]
    return form
