"""How Commonplace talks to a helpdesk: open a ticket for an escalation, read a signed status
callback, and put the helpdesk's statuses into ours (new, open, pending, solved, closed).

Two adapters, chosen by COMMONPLACE_HELPDESK:

- **generic**: a signed webhook out (`{"type": "ticket.requested", "id", "escalation"}`, POSTed to
  COMMONPLACE_HELPDESK_URL and signed with integrations.signing), answered by
  `{"ticket_id", "status", "url"}`; and a callback in, signed the same way. Any helpdesk, or a
  small relay in front of one, can speak it (README, "Helpdesk bridge").
- **zendesk**, built on it: Zendesk's Tickets API out (basic auth with an API token), and
  Zendesk's own webhook signature in (base64 HMAC-SHA256 over its timestamp and the body).

Every request goes through integrations.outbound (no private addresses unless allowed, checked
where the socket opens), never another HTTP client. An adapter raises HelpdeskError with a
sentence staff can read when a ticket could not be opened, and CallbackError when a callback is
refused; nothing here touches the database.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.utils.text import Truncator, capfirst

from insights.forms import OutcomeForm
from integrations import outbound, signing

STATUSES = ("new", "open", "pending", "solved", "closed")
OUTCOME_MAX = OutcomeForm.base_fields["outcome"].max_length
RESPONSE_MAX_BYTES = 1_000_000


class HelpdeskError(Exception):
    """The helpdesk did not open the ticket (unreachable, refused, or an answer we cannot read).
    The message is shown to staff on the thread."""


class CallbackError(ValueError):
    """A status callback we refuse: a bad signature or body. The message is the 400's."""


@dataclass(frozen=True)
class Opened:
    """The ticket the helpdesk opened: its id there, our status, and where agents open it."""

    external_id: str
    status: str
    url: str


@dataclass(frozen=True)
class Callback:
    ticket_id: str
    status: str
    public_outcome: str  # Markdown, "" when the callback carries none
    signed_at: dt.datetime  # the sender's signed time
    request_id: str = ""  # the id Commonplace sent with the request, when the callback has it


@dataclass(frozen=True)
class Response:
    status: int
    text: str


def request(method: str, url: str, *, body: bytes = b"", headers: dict | None = None) -> Response:
    """One request through the guarded session of integrations.outbound, reading the whole answer
    (outbound.send keeps 2,000 characters for delivery logs; a Zendesk ticket is longer)."""
    outbound.check_url(url)
    with outbound.session() as guarded:
        response = guarded.request(
            method,
            url,
            data=body,
            headers=headers or {},
            timeout=outbound.DEFAULT_TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        with response:
            raw = response.raw.read(RESPONSE_MAX_BYTES, decode_content=True)
        return Response(status=response.status_code, text=raw.decode(response.encoding or "utf-8", "replace"))


def why_unreachable(error: requests.RequestException) -> str:
    """A network failure in a few words (requests' own messages run to several lines)."""
    text = str(error)
    if isinstance(error, requests.Timeout):
        return "it did not answer in time"
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS connection failed (check its certificate)"
    if "Connection refused" in text:
        return "the connection was refused"
    if "Name or service not known" in text or "does not resolve" in text:
        return "its host name does not resolve"
    return Truncator(text).chars(200)


def safe_url(value) -> str:
    """An http(s) address the helpdesk gave for its ticket, or "" (it becomes a link on the
    thread, so nothing else, javascript: least of all, is kept)."""
    if not isinstance(value, str) or len(value) > 500:
        return ""
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


class Adapter:
    """The interface. `open_ticket` runs in a task, never in a web request's transaction;
    `parse_callback` runs in the callback view, before anything is read from the database."""

    key = ""
    name = ""  # shown as "Also open a ticket in <name>" unless COMMONPLACE_HELPDESK_NAME says
    required_settings: tuple[str, ...] = ()
    # The helpdesk's statuses (lower-cased) onto ours.
    status_map: dict[str, str] = {status: status for status in STATUSES}

    @property
    def display_name(self) -> str:
        return settings.COMMONPLACE_HELPDESK_NAME or self.name

    def missing_settings(self) -> list[str]:
        return [name for name in self.required_settings if not getattr(settings, name, "")]

    def status_of(self, raw) -> str | None:
        """Our status for the helpdesk's, or None when it is none we know."""
        if isinstance(raw, str):
            return self.status_map.get(raw.strip().lower())
        return None

    def known_statuses(self) -> str:
        names = sorted(self.status_map)
        return ", ".join(names[:-1]) + " or " + names[-1]

    def open_ticket(self, *, request_id: str, escalation: dict, retry: bool) -> Opened:
        """Open the ticket. `retry` is True when an earlier try may have reached the helpdesk."""
        raise NotImplementedError

    def ticket_url(self, ticket_id: str) -> str:
        """Where agents open a ticket known only by its id (from a callback), or ""."""
        return ""

    def verify(self, headers, body: bytes) -> dt.datetime:
        """The callback's signed time, or CallbackError."""
        raise NotImplementedError

    def parse_callback(self, headers, body: bytes) -> Callback:
        """A verified callback, or CallbackError saying what is wrong with it."""
        signed_at = self.verify(headers, body)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise CallbackError(f"The body is not JSON ({error}).") from error
        if not isinstance(data, dict):
            raise CallbackError('The body must be a JSON object: {"ticket_id": ..., "status": ...}.')
        ticket_id = data.get("ticket_id")
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, str | int) or not str(ticket_id).strip():
            raise CallbackError(
                '"ticket_id" is required: the ticket\'s id in the helpdesk (a string or a number).'
            )
        status = self.status_of(data.get("status"))
        if status is None:
            raise CallbackError(
                f'"status" must be one of {self.known_statuses()}; got {json.dumps(data.get("status"))}.'
            )
        outcome = data.get("public_outcome") or ""
        if not isinstance(outcome, str):
            raise CallbackError('"public_outcome", when given, must be a string of Markdown.')
        if len(outcome) > OUTCOME_MAX:
            raise CallbackError(f'"public_outcome" is {len(outcome)} characters long; at most {OUTCOME_MAX}.')
        request_id = data.get("external_id") or ""
        if request_id:
            try:
                request_id = str(uuid.UUID(str(request_id)))
            except ValueError as error:
                raise CallbackError(
                    '"external_id", when given, must be the "id" Commonplace sent with the ticket request.'
                ) from error
        return Callback(
            ticket_id=str(ticket_id).strip(),
            status=status,
            public_outcome=outcome.strip(),
            signed_at=signed_at,
            request_id=request_id,
        )

    # --- Helpers for the implementations ----------------------------------------------------

    def call(self, method: str, url: str, *, body: bytes = b"", headers: dict | None = None) -> dict:
        """One call to the helpdesk that must answer 2xx with a JSON object."""
        name = capfirst(self.display_name)
        try:
            response = request(method, url, body=body, headers=headers)
        except outbound.OutboundRefused as error:
            raise HelpdeskError(str(error)) from error
        except requests.RequestException as error:
            raise HelpdeskError(f"{name} could not be reached: {why_unreachable(error)}.") from error
        if not 200 <= response.status < 300:
            said = Truncator(" ".join(response.text.split())).chars(200)
            raise HelpdeskError(f"{name} answered {response.status}{': ' + said if said else ''}.")
        try:
            data = json.loads(response.text)
        except ValueError as error:
            raise HelpdeskError(f"{name} answered {response.status}, but not with JSON.") from error
        if not isinstance(data, dict):
            raise HelpdeskError(f"{name} answered {response.status} with JSON that is not an object.")
        return data

    def opened(self, ticket_id, raw_status, url) -> Opened:
        name = capfirst(self.display_name)
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, str | int) or not str(ticket_id).strip():
            raise HelpdeskError(f"{name} answered without a ticket id.")
        status = self.status_of(raw_status or "new")
        if status is None:
            raise HelpdeskError(
                f"{name} opened ticket {ticket_id} with the status {json.dumps(raw_status)}, "
                f"which is none of {self.known_statuses()}."
            )
        return Opened(external_id=str(ticket_id).strip()[:100], status=status, url=safe_url(url))


class GenericAdapter(Adapter):
    """A signed webhook out, a signed callback in (integrations.signing both ways)."""

    key = "generic"
    name = "the helpdesk"
    required_settings = ("COMMONPLACE_HELPDESK_URL", "COMMONPLACE_HELPDESK_SECRET")

    def open_ticket(self, *, request_id: str, escalation: dict, retry: bool) -> Opened:
        body = json.dumps({"type": "ticket.requested", "id": request_id, "escalation": escalation}).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": request_id,
            signing.SIGNATURE_HEADER: signing.signature_header(settings.COMMONPLACE_HELPDESK_SECRET, body),
        }
        data = self.call("POST", settings.COMMONPLACE_HELPDESK_URL, body=body, headers=headers)
        return self.opened(data.get("ticket_id"), data.get("status"), data.get("url"))

    def verify(self, headers, body: bytes) -> dt.datetime:
        try:
            timestamp = signing.verify(
                settings.COMMONPLACE_HELPDESK_SECRET, headers.get(signing.SIGNATURE_HEADER), body
            )
        except signing.SignatureError as error:
            raise CallbackError(str(error)) from error
        return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    return base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    ).decode()


class ZendeskAdapter(GenericAdapter):
    """Zendesk's Tickets API out; Zendesk's signed webhooks in, with the generic callback's body
    (the trigger that calls us writes it: README, "Helpdesk bridge")."""

    key = "zendesk"
    name = "Zendesk"
    required_settings = (
        "COMMONPLACE_ZENDESK_URL",
        "COMMONPLACE_ZENDESK_EMAIL",
        "COMMONPLACE_ZENDESK_API_TOKEN",
        "COMMONPLACE_ZENDESK_WEBHOOK_SECRET",
    )
    # Zendesk's "on-hold" waits on a third party: pending, as far as the community is concerned.
    status_map = {**Adapter.status_map, "hold": "pending", "on-hold": "pending"}

    @property
    def base(self) -> str:
        return settings.COMMONPLACE_ZENDESK_URL.rstrip("/")

    def headers(self) -> dict:
        credentials = f"{settings.COMMONPLACE_ZENDESK_EMAIL}/token:{settings.COMMONPLACE_ZENDESK_API_TOKEN}"
        return {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Accept": "application/json",
        }

    def open_ticket(self, *, request_id: str, escalation: dict, retry: bool) -> Opened:
        if retry:
            # Zendesk keeps an Idempotency-Key for two hours only; a ticket opened by a try whose
            # answer was lost is found by the external_id it carries instead.
            found = self.call(
                "GET",
                f"{self.base}/api/v2/tickets.json?{urlencode({'external_id': request_id})}",
                headers=self.headers(),
            )
            tickets = found.get("tickets") or []
            if tickets and isinstance(tickets[0], dict):
                return self.ticket_opened(tickets[0])
        body = json.dumps({"ticket": self.ticket(request_id, escalation)}).encode()
        headers = {**self.headers(), "Content-Type": "application/json", "Idempotency-Key": request_id}
        data = self.call("POST", f"{self.base}/api/v2/tickets.json", body=body, headers=headers)
        if not isinstance(data.get("ticket"), dict):
            raise HelpdeskError("Zendesk answered without a ticket.")
        return self.ticket_opened(data["ticket"])

    def ticket_opened(self, ticket: dict) -> Opened:
        ticket_id = ticket.get("id")
        return self.opened(ticket_id, ticket.get("status"), self.ticket_url(ticket_id))

    def ticket_url(self, ticket_id) -> str:
        return f"{self.base}/agent/tickets/{ticket_id}"

    def ticket(self, request_id: str, escalation: dict) -> dict:
        question, asker, staff = escalation["question"], escalation["asker"], escalation["staff"]
        lines = [
            f"{staff['name']} ({staff['username']}) took a community thread to private follow-up.",
            "",
            f"Thread: {question['title']}",
            question["url"],
            f"Asked by: {asker['name']} ({asker['username']}), {asker['url']}",
        ]
        if escalation.get("public_note"):
            lines += ["", f"Public note on the thread: {escalation['public_note']}"]
        if escalation.get("private_note"):
            lines += ["", f"Note for the care team: {escalation['private_note']}"]
        lines += [
            "",
            "Post the public outcome on the thread when this is settled, or fill in the outcome field.",
        ]
        ticket = {
            "subject": Truncator(f"Community: {question['title']}").chars(150),
            # An internal note: the requester is not emailed the community's details and ours.
            "comment": {"body": "\n".join(lines), "public": False},
            "external_id": request_id,
            "tags": ["commonplace", "community_escalation"],
        }
        if asker.get("email"):
            ticket["requester"] = {"name": asker["name"], "email": asker["email"]}
        return ticket

    def verify(self, headers, body: bytes) -> dt.datetime:
        signature = headers.get(ZENDESK_SIGNATURE_HEADER)
        timestamp = headers.get(ZENDESK_TIMESTAMP_HEADER)
        if not signature or not timestamp:
            raise CallbackError(
                f"The {ZENDESK_SIGNATURE_HEADER} and {ZENDESK_TIMESTAMP_HEADER} headers are required."
            )
        try:
            given = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError) as error:
            raise CallbackError(f"The {ZENDESK_SIGNATURE_HEADER} header is not base64.") from error
        expected = base64.b64decode(
            zendesk_signature(settings.COMMONPLACE_ZENDESK_WEBHOOK_SECRET, timestamp, body)
        )
        if not hmac.compare_digest(given, expected):
            raise CallbackError("The signature does not match the body.")
        try:
            signed_at = dt.datetime.fromisoformat(timestamp)
        except ValueError as error:
            raise CallbackError(f"The {ZENDESK_TIMESTAMP_HEADER} header is not an ISO 8601 time.") from error
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=dt.UTC)
        age = abs((dt.datetime.now(tz=dt.UTC) - signed_at).total_seconds())
        if age > signing.DEFAULT_TOLERANCE_SECONDS:
            raise CallbackError("The signature is too old (or from the future): check the sender's clock.")
        return signed_at


ADAPTERS: dict[str, type[Adapter]] = {adapter.key: adapter for adapter in (GenericAdapter, ZendeskAdapter)}


def get(key: str) -> Adapter:
    return ADAPTERS[key]()


def chosen() -> Adapter | None:
    """The adapter COMMONPLACE_HELPDESK names, configured or not (None: no bridge)."""
    key = settings.COMMONPLACE_HELPDESK
    return get(key) if key in ADAPTERS else None


def current() -> Adapter | None:
    """The adapter in use: the one chosen, once every setting it needs is there. Until then no
    page offers tickets and the callback answers nothing (an empty secret signs for anyone);
    `manage.py check` names what is missing."""
    adapter = chosen()
    return adapter if adapter is not None and not adapter.missing_settings() else None
