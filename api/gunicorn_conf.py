"""gunicorn settings module (`--config python:api.gunicorn_conf`): hooks of the worker life-cycle."""

from __future__ import annotations

import signal
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Start the worker's render pool as soon as its app is loaded, not with its first request:
    the first preview or job a gunicorn worker serves then finds warm render workers.

    Under the asgi worker, SIGTERM also closes the open log streams (api/asgi.py), so a graceful
    stop does not wait --graceful-timeout for streams that would otherwise last until their jobs end.
    """
    from api.asgi import Front
    from api.render import runtime

    runtime.pool()
    front, loop = getattr(worker, "asgi", None), getattr(worker, "loop", None)
    if isinstance(front, Front) and loop is not None:

        def stop_gracefully() -> None:
            front.closing.set()
            worker.handle_exit_signal()

        loop.add_signal_handler(signal.SIGTERM, stop_gracefully)
