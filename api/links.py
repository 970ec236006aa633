"""Absolute URLs for every link the API hands out: Location, Link, preview and download URLs, and
links in mails.

A browser app on another origin resolves a relative URL against its own origin: `<img
src="/api/v1/...">` would load the app's 404 page. So links start with the API's public address,
PUBLIC_API_URL when configured (behind a proxy or a CDN, only the configuration knows it), else the
address the request came to. A worker has no request: for a job's mail it uses the address the
job's own request came to (kept with the job's input, set with `links_from`), and only without one
falls back to `make run`'s address.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_request_context, request, url_for

DEVELOPMENT_BASE = "http://127.0.0.1:5000"
# Outside a request: the address of the request this work was asked for by.
_asked_at: ContextVar[str | None] = ContextVar("links_asked_at", default=None)


@contextmanager
def links_from(base: str | None) -> Iterator[None]:
    """Build links outside a request as if under `base` (the address a job's request came to)."""
    token = _asked_at.set(base.rstrip("/") if base else None)
    try:
        yield
    finally:
        _asked_at.reset(token)


def public_base() -> str:
    """The API's public address, without a trailing slash."""
    configured: str = current_app.config.get("PUBLIC_API_URL") or ""
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/") + request.script_root
    return _asked_at.get() or DEVELOPMENT_BASE


def absolute_url(endpoint: str, **values: Any) -> str:
    """url_for, as an absolute URL under the public address; in a worker too, which has no request."""
    if has_request_context():
        return public_base() + _app_path(url_for(endpoint, **values))
    # url_for needs a request (or SERVER_NAME) to build with; the route's path alone needs neither.
    return public_base() + current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_path_url(path: str) -> str:
    """An absolute URL for a path of this app (as request.path gives it)."""
    return public_base() + path


def _app_path(path: str) -> str:
    # url_for includes the prefix the app is mounted under; the public base already says it.
    root = request.script_root if has_request_context() else ""
    return path[len(root) :] if root and path.startswith(root) else path
