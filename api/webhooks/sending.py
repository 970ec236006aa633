"""One signed delivery attempt to a checked address, per the Standard Webhooks specification.

The request goes to an address targets.resolve has just checked: the socket is connected to that
IP and handed to http.client, which then never resolves the name again (the Host header and TLS's
SNI and certificate check still use the name). No redirect is followed; the whole exchange has a
deadline, enforced by socket timeouts and by a timer that shuts the socket when it passes (so a
receiver that drips its answer a byte at a time cannot hold the worker either); only the first
RESPONSE_EXCERPT_BYTES of the answer are read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from api.webhooks.targets import Network, Target, TargetRefused, check_target

RESPONSE_EXCERPT_BYTES = 200
SECRET_PREFIX = "whsec_"  # noqa: S105  (the form's prefix, not a secret)
USER_AGENT = "badge-service-webhooks/1"


def new_secret() -> str:
    """A signing secret in the specification's form: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret's decoded bytes.

    Written here with the standard library (a few lines of hmac); the tests check every
    signature with the specification's own library, an independent implementation."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secrets_in_use: Sequence[str], event_id: str, body: bytes) -> dict[str, str]:
    """The specification's three headers; one signature per secret (two during a rotation's overlap),
    space-separated, so a receiver holding either secret verifies."""
    timestamp = int(time.time())
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, event_id, timestamp, body) for secret in secrets_in_use),
    }


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered (a 2xx), or why not."""

    delivered: bool
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Timeouts:
    connect: float
    total: float


def post_event(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    https_only: bool,
    allowed: Sequence[Network],
    timeouts: Timeouts,
) -> Outcome:
    """POST the event to the URL's checked address; every failure is an Outcome, never raised."""
    deadline = time.monotonic() + timeouts.total
    try:
        target = check_target(url, https_only=https_only, allowed=allowed)
    except TargetRefused as refused:
        return Outcome(False, error=f"Target refused: {refused}")
    try:
        sock = _connect(target, timeouts.connect, deadline)
    except OSError as error:
        return Outcome(
            False, error=_describe(error, f"Timeout: could not connect within {timeouts.connect:g} s.")
        )
    watchdog = _Watchdog(sock, deadline)
    try:
        return _exchange(target, sock, body, headers, deadline)
    except (OSError, http.client.HTTPException) as error:
        too_slow = f"Timeout: no complete answer within {timeouts.total:g} s."
        return Outcome(False, error=too_slow if watchdog.fired else _describe(error, too_slow))
    finally:
        watchdog.cancel()
        sock.close()


def _connect(target: Target, connect_timeout: float, deadline: float) -> socket.socket:
    """A connection to one of the target's checked addresses, in the order DNS gave them."""
    last_error: OSError = OSError("no address to connect to")
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        try:
            sock = socket.create_connection((address, target.port), timeout=min(connect_timeout, remaining))
        except OSError as error:
            last_error = error
            continue
        if target.scheme != "https":
            return sock
        try:
            # The certificate is verified against the URL's host name, not the address connected to.
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            return ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        except OSError:
            sock.close()
            raise
    raise last_error


def _exchange(
    target: Target, sock: socket.socket, body: bytes, headers: dict[str, str], deadline: float
) -> Outcome:
    connection_class = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(target.host, target.port)
    # Already connected: http.client uses this socket and never resolves the host itself.
    connection.sock = sock
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    connection.request(
        "POST",
        target.path,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Connection": "close",
            **headers,
        },
    )
    response = connection.getresponse()
    raw = response.read(RESPONSE_EXCERPT_BYTES)
    # Text columns take no NUL (PostgreSQL), and the excerpt is for reading, not exact.
    excerpt = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
    status = response.status
    if 200 <= status < 300:
        return Outcome(True, status, excerpt)
    if 300 <= status < 400:
        location = (response.getheader("Location") or "")[:300]
        where = f" to {location}" if location else ""
        return Outcome(False, status, excerpt, f"Redirect {status}{where} not followed.")
    return Outcome(False, status, excerpt, f"The receiver answered {status} {response.reason}."[:300])


def _describe(error: BaseException, timeout_message: str) -> str:
    if isinstance(error, TimeoutError):
        return timeout_message
    if isinstance(error, ssl.SSLError):
        return f"TLS: {error}"[:500]
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__}: {error}"[:500]


class _Watchdog:
    """Shuts the socket when the deadline passes, so a read blocked on a dripping answer ends."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed
            self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
