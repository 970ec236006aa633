"""The one seam for background work: `jobs.enqueue(name, **kwargs)`.

Runners (JOBS_RUNNER; unset means "celery" when CELERY_BROKER_URL is set, else "thread"):
- "celery": publish to a broker (Redis or RabbitMQ); `python manage.py worker` runs the jobs and,
  with its embedded beat, the periodic ones. See celery_runner.py; Celery is imported only then.
- "thread": a small in-process pool, so `make run` needs no broker. Periodic sweeps run on a timer.
- "manual": jobs wait in a list until `run_pending()` runs them in the caller's app context; the
  deterministic runner for tests (like Celery's eager mode, but at a point the test chooses).
The same task functions serve every runner; job state that matters lives in the database.
Every runner has `health()`: {"runner": kind, "ok": bool, ...} for a health endpoint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from flask import Flask, current_app

from api.errors import AppError

log = logging.getLogger(__name__)

TaskFunction = Callable[..., object]
_TASKS: dict[str, TaskFunction] = {}
_PERIODIC: dict[str, str] = {}


class JobsUnavailableError(AppError):
    """The job could not be handed to the broker (it is down or unreachable); nothing was queued.

    An AppError, so a request that lets it through answers 503 with a problem document; callers
    whose work is safe to leave for a later sweep (the mail outbox) may catch it instead.
    """

    status = 503
    code = "jobs_unavailable"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": "30"})
        super().__init__(detail or "The job queue is unavailable; try again shortly.", **kwargs)


def register_task(name: str, function: TaskFunction, *, every: str | None = None) -> None:
    """Register a task function under `name`; `every` names the config key of its period in seconds.

    The app's tasks are registered in api.registry; registering one name again replaces it.
    """
    _TASKS[name] = function
    if every:
        _PERIODIC[name] = every


def run_task(name: str, kwargs: dict[str, Any]) -> None:
    """Run one task in the current app context; a failure is logged, never raised to the runner."""
    try:
        _TASKS[name](**kwargs)
    except Exception:
        log.exception("Task %s failed", name)


class Runner(Protocol):
    kind: str

    def enqueue(self, name: str, kwargs: dict[str, Any]) -> None: ...
    def start_periodic(self) -> None: ...
    def wait_idle(self, timeout: float = 30.0) -> None: ...
    def shutdown(self) -> None: ...
    def health(self) -> dict[str, Any]: ...


class ThreadRunner:
    kind = "thread"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=app.config["JOBS_THREADS"], thread_name_prefix="jobs")
        self.futures: set[Future[None]] = set()
        self.lock = threading.Lock()
        self.timers_started = False
        self.stopped = threading.Event()

    def enqueue(self, name: str, kwargs: dict[str, Any]) -> None:
        future = self.executor.submit(self._run, name, kwargs)
        with self.lock:
            self.futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self.lock:
            self.futures.discard(future)

    def _run(self, name: str, kwargs: dict[str, Any]) -> None:
        with self.app.app_context():
            run_task(name, kwargs)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every queued job has finished (tests and shutdown use it)."""
        with self.lock:
            pending = list(self.futures)
        for future in pending:
            future.result(timeout=timeout)

    def start_periodic(self) -> None:
        with self.lock:
            if self.timers_started:
                return
            self.timers_started = True
        for name, config_key in _PERIODIC.items():
            interval = float(self.app.config.get(config_key) or 0)
            if interval > 0:
                thread = threading.Thread(
                    target=self._every, args=(name, interval), name=f"periodic-{name}", daemon=True
                )
                thread.start()

    def _every(self, name: str, interval: float) -> None:
        while not self.stopped.wait(interval):
            self.enqueue(name, {})

    def shutdown(self) -> None:
        self.stopped.set()
        self.executor.shutdown(wait=True)

    def health(self) -> dict[str, Any]:
        with self.lock:
            pending = len(self.futures)
        # Queued and running jobs both count: a number that only grows means the pool is stuck.
        return {"runner": self.kind, "ok": not self.stopped.is_set(), "pending": pending}


class ManualRunner:
    kind = "manual"

    def __init__(self, _app: Flask) -> None:
        self.pending: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, name: str, kwargs: dict[str, Any]) -> None:
        self.pending.append((name, kwargs))

    def run_pending(self) -> int:
        """Run queued jobs (and jobs they queue) in the current app context; return how many ran."""
        count = 0
        while self.pending:
            name, kwargs = self.pending.pop(0)
            run_task(name, kwargs)
            count += 1
        return count

    def start_periodic(self) -> None:
        """Periodic jobs are run by hand in this mode."""

    def wait_idle(self, timeout: float = 30.0) -> None:  # noqa: ARG002  (the Runner protocol's)
        self.run_pending()

    def shutdown(self) -> None:
        self.pending.clear()

    def health(self) -> dict[str, Any]:
        return {"runner": self.kind, "ok": True, "pending": len(self.pending)}


def _celery_runner(app: Flask) -> Runner:
    # Imported here so the thread and manual modes never load Celery (start-up time, no broker).
    from api.jobs.celery_runner import CeleryRunner

    return CeleryRunner(app)


RUNNERS: dict[str, Callable[[Flask], Runner]] = {
    "celery": _celery_runner,
    "thread": ThreadRunner,
    "manual": ManualRunner,
}


def runner_kind(config: Mapping[str, Any]) -> str:
    """The runner an app uses: JOBS_RUNNER when set, else "celery" if a broker is configured."""
    kind = config.get("JOBS_RUNNER") or ("celery" if config.get("CELERY_BROKER_URL") else "thread")
    if kind not in RUNNERS:
        raise RuntimeError(f"JOBS_RUNNER must be one of {sorted(RUNNERS)}, not {kind!r}")
    if kind == "celery" and not config.get("CELERY_BROKER_URL"):
        raise RuntimeError("JOBS_RUNNER=celery needs CELERY_BROKER_URL (redis://... or amqp://...)")
    return kind


class JobRunner:
    """The unbound extension; the app's runner lives in app.extensions["jobs"]."""

    def init_app(self, app: Flask) -> None:
        kind = runner_kind(app.config)
        app.config["JOBS_RUNNER"] = kind
        runner = RUNNERS[kind](app)
        app.extensions["jobs"] = runner
        # Timers start with the first request, not at import or in CLI commands like `db upgrade`.
        app.before_request(runner.start_periodic)

    @property
    def runner(self) -> Runner:
        runner: Runner = current_app.extensions["jobs"]
        return runner

    def enqueue(self, name: str, **kwargs: Any) -> None:
        """Run task `name` in the background; raises JobsUnavailableError if the broker cannot take it."""
        if name not in _TASKS:
            raise KeyError(f"no task named {name!r}")
        self.runner.enqueue(name, kwargs)

    def health(self) -> dict[str, Any]:
        return self.runner.health()
