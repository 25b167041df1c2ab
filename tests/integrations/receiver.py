"""A real webhook receiver: an HTTP server on a free loopback port, in a thread, that checks
every signature as a careful receiver would. Used by tests/integrations and the console's tests."""

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrations import signing


@dataclass
class Request:
    headers: dict
    body: bytes
    status: int  # what the receiver answered
    verified: bool

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a careful receiver does: check every signature with `signing.verify`, refuse what
    does not verify (401), answer 500 to the first `fail_first` requests (an outage), and process
    each event id once, acknowledging a repeat without processing it again."""

    url: str
    secret: str = ""
    fail_first: int = 0
    status_after: int = 200
    requests: list[Request] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict, body: bytes) -> int:
        with self.lock:
            try:
                signing.verify(self.secret, headers.get(signing.SIGNATURE_HEADER), body)
            except signing.SignatureError:
                verified, status = False, 401
            else:
                verified = True
                failing = sum(1 for seen in self.requests if seen.verified) < self.fail_first
                status = 500 if failing else self.status_after
                event_id = headers.get("Commonplace-Event-Id")
                if 200 <= status < 300 and event_id not in self.processed:
                    self.processed.append(event_id)
            self.requests.append(Request(headers, body, status, verified))
            return status

    def events_of(self, event_type: str) -> list[dict]:
        return [seen.event for seen in self.requests if seen.headers.get("Commonplace-Event") == event_type]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    state: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state["receiver"].handle(dict(self.headers), body)
            answer = json.dumps({"ok": 200 <= status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/commonplace")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
