"""gunicorn settings module (`--config python:api.gunicorn_conf`): hooks of the worker life-cycle."""

from __future__ import annotations

from typing import Any


def post_worker_init(_worker: Any) -> None:
    """Start the worker's render pool as soon as its app is loaded, not with its first request:
    the first preview or job a gunicorn worker serves then finds warm render workers."""
    from api.render import runtime

    runtime.pool()
