"""The ZIP of a copy of a member's data: README.txt, manifest.json, one JSON file per kind of
data (privacy.export_data), and each of the member's questions and answers as Markdown with
front matter (posts/questions/<id>-<slug>.md, posts/answers/<id>.md). Everything is UTF-8;
times are ISO 8601 in UTC."""

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from branding.selectors import current as current_brand
from privacy.export_data import Exporter, answer_markdown_path, iso, link, question_markdown_path

FORMAT = "commonplace-data-export"
VERSION = 1


@dataclass(frozen=True)
class Archive:
    content: bytes
    sha256: str
    counts: dict[str, int]

    @property
    def size(self) -> int:
        return len(self.content)


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def front_matter(fields: dict) -> str:
    """YAML front matter whose every value is written as JSON (a subset of YAML), so titles with
    colons or quotes need no escaping rules of their own."""
    lines = [f"{name}: {json.dumps(value, ensure_ascii=False)}" for name, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def question_markdown(question: dict) -> str:
    fields = {
        "kind": "question",
        "id": question["id"],
        "title": question["title"],
        "url": question["url"],
        "tags": question["tags"],
        "state": question["state"],
        "created_at": question["created_at"],
        "edited_at": question["edited_at"],
        "score": question["score"],
    }
    return front_matter(fields) + f"# {question['title']}\n\n{question['body'].strip()}\n"


def answer_markdown(answer: dict) -> str:
    thread = answer["question"]
    fields = {
        "kind": "answer",
        "id": answer["id"],
        "url": answer["url"],
        "question_id": thread["id"],
        "question_title": thread.get("question_title"),  # absent when the member may not see it
        "state": answer["state"],
        "accepted": answer["accepted"],
        "created_at": answer["created_at"],
        "edited_at": answer["edited_at"],
        "score": answer["score"],
    }
    return front_matter(fields) + f"{answer['body'].strip()}\n"


def counted(value) -> int:
    return len(value) if isinstance(value, list) else 1


def build(*, member, requested_by, now: dt.datetime) -> Archive:
    """Read the member's data and write the ZIP, in memory (a member's history is megabytes at
    most: posts are capped at 30,000 characters)."""
    exporter = Exporter(member)
    files = exporter.files()
    counts = {name: counted(value) for name, value in files.items()}
    questions, answers = files["questions.json"], files["answers.json"]
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "site": current_brand().site_name,
        "site_url": link("/"),
        "member": member.username,
        "requested_by": requested_by.username,
        "exported_at": iso(now),
        "expires_after_days": 7,
        "files": counts,
        "markdown_files": [question_markdown_path(row) for row in exporter.question_rows]
        + [answer_markdown_path(row) for row in exporter.answer_rows],
    }
    readme = render_to_string(
        "privacy/export_readme.txt",
        {
            "manifest": manifest,
            "member": member,
            "requested_by": requested_by,
            "site_url": settings.COMMONPLACE_SITE_URL,
        },
    )
    buffer = io.BytesIO()
    stamp = now.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def write(name: str, text: str) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), text.encode(), zipfile.ZIP_DEFLATED)

        write("README.txt", readme)
        write("manifest.json", as_json(manifest))
        for name, value in files.items():
            write(name, as_json(value))
        for question in questions:
            write(question["markdown_file"], question_markdown(question))
        for answer in answers:
            write(answer["markdown_file"], answer_markdown(answer))
    content = buffer.getvalue()
    return Archive(content=content, sha256=hashlib.sha256(content).hexdigest(), counts=counts)
