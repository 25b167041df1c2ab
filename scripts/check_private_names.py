"""No module uses an underscore name from another app (`make lint` runs this).

import-linter checks which apps may import which; this checks *what* they may take: a name that
starts with one underscore is its module's own business, so `from forum.views import _helper`
or `forum.search._marked(...)` from another app fails. Within an app, private helpers may be
shared freely; dunder names (`__version__`) are public.

Usage: python scripts/check_private_names.py [paths ...]   (default: every app)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "api",
    "branding",
    "config",
    "console",
    "forum",
    "helpdesk",
    "insights",
    "integrations",
    "kb",
    "moderation",
    "notifications",
    "prepared",
    "privacy",
    "queueing",
    "reputation",
)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _app_of(module: str) -> str:
    return module.split(".")[0]


def violations(source: str, importer_app: str, filename: str = "<source>") -> list[str]:
    """Each use of another app's underscore name in `source`, as "file:line: what"."""
    tree = ast.parse(source, filename)
    found = []
    modules: dict[str, str] = {}  # local name -> module path, for `import x.y as z` and `from x import y`
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _app_of(node.module) not in APPS or _app_of(node.module) == importer_app:
                continue
            for alias in node.names:
                if _private(alias.name) or any(_private(part) for part in node.module.split(".")):
                    found.append(f"{filename}:{node.lineno}: from {node.module} import {alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _app_of(alias.name) in APPS and _app_of(alias.name) != importer_app:
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{filename}:{node.lineno}: import {alias.name}")
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        # module._name, where module is a name bound to another app's module above
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{filename}:{node.lineno}: {base.id}.{node.attr} ({modules[base.id]})")
    return found


def check(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            if "migrations" in file.parts:
                continue
            app = file.relative_to(ROOT).parts[0]
            found += violations(file.read_text(), app, str(file.relative_to(ROOT)))
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or [ROOT / app for app in APPS]
    found = check(paths)
    for line in found:
        print(line)
    print(
        f"{len(found)} use(s) of another app's private names"
        if found
        else "No app uses another's private names."
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
