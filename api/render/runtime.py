"""The process's one render pool: configured once, started on first use or at start-up.

Web processes, thread-runner jobs and Celery pool processes each own one pool. A process forked
from an owner (a Celery pool process) does not share its parent's workers: the first render in
the child starts a pool of its own.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

from api.render.pool import BATCH, INTERACTIVE, PoolSettings, RenderPool
from api.render.worker import WorkerSettings

__all__ = ["BATCH", "INTERACTIVE", "configure", "pool", "shutdown"]

_lock = threading.Lock()
_settings = PoolSettings()
_pool: RenderPool | None = None


def warm_engine(settings: WorkerSettings) -> None:
    """A worker's warm-up: imported here so that the pool module itself never loads the engine."""
    from api.render.tasks import warm_up

    warm_up(template_cache_bytes=settings.template_cache_bytes)


def default_settings(**overrides: Any) -> PoolSettings:
    worker = overrides.pop("worker", None) or WorkerSettings(warm_up=warm_engine)
    return PoolSettings(worker=worker, **overrides)


def configure(settings: PoolSettings) -> None:
    """Use `settings` from now on; a running pool with other settings is replaced."""
    global _settings, _pool
    with _lock:
        if settings == _settings:
            return
        _settings = settings
        old, _pool = _pool, None
    if old is not None and old.owner_pid == os.getpid():
        old.shutdown()


def pool() -> RenderPool:
    """The running pool of this process, started if needed."""
    global _pool
    with _lock:
        if _pool is None or _pool.owner_pid != os.getpid() or _pool.closed:
            _pool = RenderPool(_settings)
        return _pool


def is_running() -> bool:
    return _pool is not None and _pool.owner_pid == os.getpid() and not _pool.closed


def shutdown() -> None:
    global _pool
    with _lock:
        old, _pool = _pool, None
    if old is not None and old.owner_pid == os.getpid():
        old.shutdown()


atexit.register(shutdown)
_settings = default_settings()
