"""Which addresses a webhook may reach: checked when it is registered and again before every attempt.

A webhook makes this service send requests to a URL its owner chose, so without these rules it
could be pointed at the service's own network (a database, a cloud metadata endpoint at
169.254.169.254). Every address a host name resolves to must be public, unless
WEBHOOK_ALLOWED_NETWORKS admits it; the sender then connects to one of exactly these addresses,
so a DNS answer that changes between the check and the connection cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from api.config import parse_networks

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

URL_MAX_LENGTH = 2000
# NAT64 (RFC 6052): a gateway forwards these to the IPv4 address in their last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class TargetRefused(Exception):
    """The URL may not be used as a webhook target; the message says why, for the `url` field."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as the URL spells it: the Host header and the name TLS verifies
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # every address the host resolved to, all checked


def allowed_networks(setting: str) -> list[Network]:
    """WEBHOOK_ALLOWED_NETWORKS, parsed (check_config refused a bad value at start-up)."""
    return parse_networks(setting)


def split_url(url: str, *, https_only: bool) -> SplitResult:
    """The URL's parts when its form is acceptable (no DNS yet); TargetRefused says why not."""
    if len(url) > URL_MAX_LENGTH:
        raise TargetRefused(f"Must be at most {URL_MAX_LENGTH} characters.")
    if not url.isascii() or any(char <= " " or char == "\x7f" for char in url):
        raise TargetRefused(
            "Must be an ASCII URL without spaces or control characters"
            " (an international host name in its xn-- form, other characters %-encoded)."
        )
    parts = urlsplit(url)
    schemes = ("https",) if https_only else ("https", "http")
    if parts.scheme.lower() not in schemes:
        raise TargetRefused(
            "Must be an https:// URL." if https_only else "Must be an http:// or https:// URL."
        )
    if "@" in parts.netloc:
        raise TargetRefused("Must not carry a user name or password.")
    if not parts.hostname:
        raise TargetRefused("Must name a host.")
    if parts.fragment:
        raise TargetRefused("Must not have a #fragment (it is never sent).")
    try:
        parts.port  # noqa: B018  (urlsplit checks the port only when it is read)
    except ValueError:
        raise TargetRefused("Has a port that is not a number from 0 to 65535.") from None
    return parts


def refusal(address: IPAddress, allowed: Sequence[Network]) -> str | None:
    """Why this address may not be reached ("a loopback address"), or None when it may."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, allowed)
    if any(address.version == network.version and address in network for network in allowed):
        return None
    for kind, applies in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    ):
        if applies:
            return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (::ffff:a.b.c.d, 6to4, Teredo, NAT64), if any:
    a connection to it reaches that IPv4 address, so that is the one to judge."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(parts: SplitResult, allowed: Sequence[Network]) -> Target:
    """Resolve the URL's host and check every address it has; TargetRefused names the first refused."""
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(f"The host {host} could not be resolved.") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 zone (%eth0) names no other address
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise TargetRefused(f"The host {host} resolved to {text}, which is not an IP address.") from None
        reason = refusal(address, allowed)
        if reason is not None:
            said = text if text == host else f"{host} resolves to {text}, which"
            raise TargetRefused(
                f"{said} is {reason}; only public addresses may receive webhooks"
                " (unless WEBHOOK_ALLOWED_NETWORKS admits them)."
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise TargetRefused(f"The host {host} could not be resolved.")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme.lower(), host, port, path, tuple(addresses))


def check_target(url: str, *, https_only: bool, allowed: Sequence[Network]) -> Target:
    """The URL's checked target: its form, then every address its host resolves to."""
    return resolve(split_url(url, https_only=https_only), allowed)
