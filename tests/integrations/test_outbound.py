"""The SSRF guard and the signatures that webhooks and the helpdesk bridge share."""

import http.server
import threading
import time

import pytest

from integrations import outbound, signing


@pytest.fixture
def receiver():
    """A real HTTP server on loopback that records what it was sent."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fd00::1",
        "0.0.0.0",  # noqa: S104 (refused, not bound)
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    assert outbound.refusal(address)


def test_public_addresses_pass(settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    assert outbound.refusal("93.184.216.34") is None
    assert outbound.refusal("2606:2800:220:1:248:1893:25c8:1946") is None


def test_a_name_that_resolves_to_loopback_is_refused_before_anything_is_sent(receiver, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    url, seen = receiver
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.send("POST", url.replace("127.0.0.1", "localhost"), body=b"{}")
    assert seen == []


def test_the_guard_holds_where_the_socket_opens_not_only_in_the_form(receiver, settings, monkeypatch):
    """A name checked while public and connected while private (DNS rebinding) is refused."""
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    url, seen = receiver
    monkeypatch.setattr(outbound, "check_url", lambda url: None)  # the form's check passed earlier
    with pytest.raises(Exception, match="loopback"):
        outbound.send("POST", url, body=b"{}")
    assert seen == []


def test_with_the_setting_on_loopback_is_reached(receiver, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    url, seen = receiver
    sent = outbound.send("POST", url, body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert sent.status == 204
    assert seen[0][1] == b'{"a": 1}'


@pytest.mark.parametrize(
    "url,message",
    [
        ("ftp://example.com/x", "https://"),
        ("https:///nohost", "no host"),
        ("https://u:p@example.com/", "credentials"),
        # What urlsplit or IDNA cannot read is a sentence too, never a server error.
        ("http://[::1/hooks", "is not a valid address"),
        ("http://example.com:99999/", "is not a valid address"),
        ("http://example.com:port/", "is not a valid address"),
        ("http://hooks..example.com/", "is not a valid host name"),
        (f"http://{'a' * 64}.example.com/", "is not a valid host name"),
    ],
)
def test_addresses_a_form_refuses(url, message):
    with pytest.raises(outbound.OutboundRefused, match=message):
        outbound.check_url(url)


def test_a_signature_verifies_and_a_changed_body_or_old_timestamp_does_not():
    secret = signing.new_secret()
    body = b'{"event": "question.created"}'
    header = signing.signature_header(secret, body)
    assert signing.verify(secret, header, body) == int(header.split(",")[0][2:])
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(secret, header, body + b" ")
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(signing.new_secret(), header, body)
    old = signing.signature_header(secret, body, timestamp=int(time.time()) - 3600)
    with pytest.raises(signing.SignatureError, match="too old"):
        signing.verify(secret, old, body)
    with pytest.raises(signing.SignatureError, match="missing"):
        signing.verify(secret, None, body)
    with pytest.raises(signing.SignatureError, match="look like"):
        signing.verify(secret, "sha256=abc", body)
