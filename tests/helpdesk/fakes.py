"""Fake helpdesks: real HTTP servers on loopback, in a thread of the test, that behave as the
contract (or Zendesk) says and record every request they were sent.

Each one checks what a real one would (our signature, Zendesk's basic auth and body shape) and
answers as a real one would, including de-duplicating a repeated request id, so a test sees what
Commonplace really sent over the wire. `fail(n, status)` makes the next n requests fail."""

from __future__ import annotations

import base64
import http.server
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from integrations import signing

GENERIC_SECRET = "whsec_test-helpdesk-secret"
ZENDESK_EMAIL = "agent@example.com"
ZENDESK_TOKEN = "zd-api-token-123"
ZENDESK_WEBHOOK_SECRET = "zd-webhook-signing-secret"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class FakeServer:
    seen: list[Seen] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses for the next requests
    lose_answers: int = 0  # act on the next requests, then answer 500 as if the answer were lost
    url: str = ""

    def fail(self, times: int, status: int = 500) -> None:
        self.failures.extend([status] * times)

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError

    def start(self) -> FakeServer:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                if fake.failures:
                    status, payload = fake.failures.pop(0), {"error": "Internal error"}
                else:
                    status, payload = fake.handle(self.command, self.path, dict(self.headers), body)
                    if fake.lose_answers:
                        fake.lose_answers -= 1
                        status, payload = 500, {"error": "The answer was lost"}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeHelpdesk(FakeServer):
    """The generic contract: POST /tickets, signed; answers {"ticket_id", "status", "url"}, the
    same ticket again for a request id it has seen."""

    tickets: dict = field(default_factory=dict)  # request id -> ticket
    numbers: itertools.count = field(default_factory=lambda: itertools.count(101))

    def handle(self, method, path, headers, body):
        if (method, path) != ("POST", "/tickets"):
            return 404, {"error": f"No {method} {path} here."}
        try:
            signing.verify(GENERIC_SECRET, headers.get(signing.SIGNATURE_HEADER), body)
        except signing.SignatureError as error:
            return 401, {"error": str(error)}
        request = json.loads(body)
        if request.get("type") != "ticket.requested":
            return 400, {"error": "Unknown type."}
        ticket = self.tickets.get(request["id"])
        if ticket is None:
            number = f"HD-{next(self.numbers)}"
            ticket = {"ticket_id": number, "status": "new", "url": f"{self.url}/agent/{number}"}
            self.tickets[request["id"]] = ticket
        return 201, ticket


@dataclass
class FakeZendesk(FakeServer):
    """Zendesk's Tickets API, as far as we use it: create (basic auth with an API token, the
    ticket's shape checked) and list by external_id."""

    tickets: list = field(default_factory=list)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(35436))

    def authorised(self, headers) -> bool:
        expected = base64.b64encode(f"{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}".encode()).decode()
        return headers.get("Authorization") == f"Basic {expected}"

    def handle(self, method, path, headers, body):
        parts = urlsplit(path)
        if parts.path != "/api/v2/tickets.json":
            return 404, {"error": "InvalidEndpoint"}
        if not self.authorised(headers):
            return 401, {"error": "Couldn't authenticate you"}
        if method == "GET":
            wanted = parse_qs(parts.query).get("external_id", [""])[0]
            return 200, {"tickets": [t for t in self.tickets if t["external_id"] == wanted], "count": 0}
        ticket = json.loads(body).get("ticket") or {}
        problems = [
            name
            for name, ok in (
                ("subject", isinstance(ticket.get("subject"), str) and ticket["subject"]),
                ("comment.body", isinstance(ticket.get("comment"), dict) and ticket["comment"].get("body")),
                ("external_id", ticket.get("external_id")),
                ("tags", isinstance(ticket.get("tags"), list)),
            )
            if not ok
        ]
        if problems:
            return 422, {"error": "RecordInvalid", "details": problems}
        number = next(self.numbers)
        created = {
            "id": number,
            "url": f"{self.url}/api/v2/tickets/{number}.json",
            "status": "new",
            "subject": ticket["subject"],
            "description": ticket["comment"]["body"],
            "external_id": ticket["external_id"],
            "tags": ticket["tags"],
            # A real ticket carries many more fields: enough to outgrow a short read.
            "custom_fields": [{"id": 360000000000 + i, "value": None} for i in range(60)],
        }
        self.tickets.append(created)
        return 201, {"ticket": created}


def connect_generic(settings) -> FakeHelpdesk:
    """Start a fake generic helpdesk ("CareDesk") and point the bridge at it."""
    fake = FakeHelpdesk().start()
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True  # loopback
    settings.COMMONPLACE_HELPDESK = "generic"
    settings.COMMONPLACE_HELPDESK_NAME = "CareDesk"
    settings.COMMONPLACE_HELPDESK_URL = f"{fake.url}/tickets"
    settings.COMMONPLACE_HELPDESK_SECRET = GENERIC_SECRET
    return fake


def closed_port_url() -> str:
    """An address on loopback where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tickets"
