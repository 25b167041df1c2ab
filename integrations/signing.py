"""HMAC-SHA256 signatures over a timestamp and a body, the scheme Stripe and Slack use.

A signed request carries `Commonplace-Signature: t=<unix seconds>,v1=<hex digest>`, where the
digest is HMAC-SHA256(secret, f"{t}.{body}"). The receiver recomputes it over the raw body,
compares in constant time, and refuses a timestamp older than the tolerance (a replay). Several
`v1=` values may appear while a secret is being rotated; any one matching is enough.
"""

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Commonplace-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


class SignatureError(ValueError):
    """The signature is missing, malformed, wrong or too old (the message says which)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Return the signed timestamp, or raise SignatureError."""
    if not header:
        raise SignatureError(f"The {SIGNATURE_HEADER} header is missing.")
    timestamp = None
    candidates = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(f"The {SIGNATURE_HEADER} header must look like t=<seconds>,v1=<hex>.")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("The signature is too old (or from the future): check the sender's clock.")
    expected = digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("The signature does not match the body.")
    return timestamp
