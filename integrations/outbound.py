"""Outbound HTTP to addresses that operators type in (webhook endpoints, helpdesks), guarded
against server-side request forgery.

The host name is resolved first and every address it resolves to must be public: loopback,
private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254), multicast,
reserved and unspecified addresses are refused unless `COMMONPLACE_OUTBOUND_ALLOW_PRIVATE` is
on (tests and on-premises helpdesks). The check happens where the socket is opened, on the very
addresses connected to, so a name that resolves to a public address when checked and a private
one a moment later (DNS rebinding) is refused too. TLS still verifies the certificate against
the host name. Redirects are not followed, and proxies from the environment are ignored.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

DEFAULT_TIMEOUT = (5, 10)  # connect, read (seconds)
USER_AGENT = "Commonplace-Integrations/1"


class OutboundRefused(Exception):
    """The address is not one Commonplace may send to (the message says why)."""


def allow_private() -> bool:
    return bool(getattr(settings, "COMMONPLACE_OUTBOUND_ALLOW_PRIVATE", False))


def refusal(address: str) -> str | None:
    """Why this IP address may not be reached, or None if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if allow_private():
        return None
    for test, what in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_private, "a private address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_unspecified, "an unspecified address"),
    ):
        if test:
            return what
    if not ip.is_global:
        return "an address that is not public"
    return None


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo, then the refusal check on every address (all must pass: one private address
    among public ones is how rebinding tricks start)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OutboundRefused(f"The host name {host} does not resolve ({error.strerror}).") from error
    except (UnicodeError, ValueError) as error:  # an empty or over-long label ("a..b"), a NUL
        raise OutboundRefused(f"{host} is not a valid host name ({error}).") from None
    for *_, sockaddr in infos:
        why = refusal(sockaddr[0])
        if why:
            raise OutboundRefused(
                f"{host} resolves to {sockaddr[0]}, {why}: Commonplace does not send there "
                "(COMMONPLACE_OUTBOUND_ALLOW_PRIVATE allows it)."
            )
    return infos


def check_url(url: str) -> None:
    """The checks a form can make when an address is typed: scheme, host, and where it resolves."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError as error:  # "http://[::1", "http://host:99999"
        raise OutboundRefused(f"{url} is not a valid address ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("The address must start with https:// (or http://).")
    if not parts.hostname:
        raise OutboundRefused("The address has no host name.")
    if parts.username or parts.password:
        raise OutboundRefused("Put credentials in the secret, not in the address.")
    resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))


class GuardedConnectionMixin:
    def _new_conn(self) -> socket.socket:
        last_error: OSError | None = None
        for family, kind, proto, _, sockaddr in resolve(self._dns_host, self.port):
            sock = socket.socket(family, kind, proto)
            try:
                if isinstance(self.timeout, int | float):  # else urllib3's "default" sentinel
                    sock.settimeout(self.timeout)
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.connect(sockaddr)
                return sock
            except OSError as error:
                sock.close()
                last_error = error
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class GuardedHTTPConnection(GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


def session() -> requests.Session:
    guarded = requests.Session()
    guarded.trust_env = False  # no proxies or .netrc from the environment
    guarded.max_redirects = 0
    adapter = GuardedAdapter(max_retries=0)
    guarded.mount("http://", adapter)
    guarded.mount("https://", adapter)
    guarded.headers["User-Agent"] = USER_AGENT
    return guarded


@dataclass(frozen=True)
class Sent:
    status: int
    body: str  # the first 2,000 characters, for delivery logs
    duration_ms: int


def send(
    method: str, url: str, *, body: bytes = b"", headers: dict | None = None, timeout=DEFAULT_TIMEOUT
) -> Sent:
    """One request, no redirects followed. Raises OutboundRefused for a forbidden address and
    requests.RequestException for a network failure; any HTTP status is returned, not raised."""
    check_url(url)
    with session() as guarded:
        response = guarded.request(
            method, url, data=body, headers=headers or {}, timeout=timeout, allow_redirects=False
        )
        text = response.text[:2000]
        return Sent(
            status=response.status_code,
            body=text,
            duration_ms=int(response.elapsed.total_seconds() * 1000),
        )
