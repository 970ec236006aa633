"""The Celery runner: `enqueue` publishes to a broker and `python manage.py worker` runs the jobs.

Each function registered with `register_task(name, ...)` (api.registry) becomes the Celery task
"service.<name>" that runs it inside an app context, so the same code serves the thread runner and
the worker. Delivery is at least once: messages are acknowledged after the job finishes
(acks_late), and a message whose worker process died is requeued (reject_on_worker_lost). Jobs
must therefore tolerate running twice; the ones here keep their state in the database and claim
work with conditional UPDATEs.

Publishing is bounded: `enqueue` gives up after a short retry and raises JobsUnavailableError, so
a request never hangs on a dead broker. The worker, on the other hand, waits for the broker for as
long as it takes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
from typing import Any

import kombu.exceptions
from celery import Celery
from celery.signals import worker_process_init
from flask import Flask
from sqlalchemy.exc import OperationalError as DatabaseOperationalError

from api.jobs import _PERIODIC, _TASKS, JobsUnavailableError, TaskFunction

log = logging.getLogger(__name__)

TASK_PREFIX = "service."

# A worker reading Redis waits in BRPOP for up to a second per poll, so its socket timeout must be
# longer than that however short JOBS_BROKER_TIMEOUT is set for the web processes.
WORKER_SOCKET_TIMEOUT = 10.0

# Errors that mean "the broker did not take the message", as opposed to a programming error such as
# arguments that cannot be encoded as JSON (kombu.exceptions.EncodeError), which must surface as is.
BROKER_ERRORS: tuple[type[BaseException], ...] = (kombu.exceptions.OperationalError, OSError)


def make_celery(app: Flask) -> Celery:
    """A Celery app configured from the Flask app's config; nothing connects until it is used."""
    config = app.config
    timeout = float(config["JOBS_BROKER_TIMEOUT"])
    broker_url = config["CELERY_BROKER_URL"]
    # One Celery app per Flask app (tests create several): never the process-wide default app.
    celery = Celery("badges", set_as_current=False)
    transport_options: dict[str, Any] = {}
    if broker_url.startswith(("redis://", "rediss://", "unix://")):
        transport_options = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            # An unacknowledged message is handed to another worker after this long, so it must
            # outlast the longest job (JOBS_TIME_LIMIT) and any retry countdown, with margin.
            # (RabbitMQ's consumer_timeout, 30 minutes by default, plays this part there.)
            "visibility_timeout": max(3600, int(config["JOBS_TIME_LIMIT"]) * 2),
        }
    celery.conf.update(
        broker_url=broker_url,
        # AMQP's connect timeout; Redis takes its timeouts from the transport options above.
        broker_connection_timeout=timeout,
        broker_transport_options=transport_options,
        # The worker keeps retrying until the broker is up (and Celery 5.x warns unless this is said).
        broker_connection_retry_on_startup=True,
        task_default_queue=config["CELERY_QUEUE"],
        task_serializer="json",
        accept_content=["json"],
        # Jobs report through the database; nobody waits on a Celery result.
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_soft_time_limit=int(config["JOBS_SOFT_TIME_LIMIT"]),
        task_time_limit=int(config["JOBS_TIME_LIMIT"]),
        # A publish that hits a dropped connection reconnects and tries again, briefly.
        task_publish_retry=True,
        task_publish_retry_policy=publish_retry_policy(config),
        # Jobs are long (a rendering each); a worker process takes one message at a time so a free
        # process elsewhere is not left idle while this one holds a queue of prefetched jobs.
        worker_prefetch_multiplier=1,
        # With acks_late the broker hands a running job to another worker once this one loses its
        # connection; stop it here rather than run it twice at once.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # The periodic schedule lives in config (`every=` keys), so beat keeps no schedule file.
        beat_scheduler="celery.beat:Scheduler",
        timezone="UTC",
        enable_utc=True,
    )
    return celery


def publish_retry_policy(config: Any) -> dict[str, Any]:
    """At most 1 + JOBS_PUBLISH_RETRIES attempts, a fraction of a second apart."""
    return {
        "max_retries": int(config["JOBS_PUBLISH_RETRIES"]),
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }


class CeleryRunner:
    kind = "celery"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.queue: str = app.config["CELERY_QUEUE"]
        self.celery = make_celery(app)
        self.registered: set[str] = set()

    def register_tasks(self) -> None:
        """Make a Celery task of every registered function not seen yet."""
        for name, function in list(_TASKS.items()):
            if name not in self.registered:
                self._make_task(name, function)
                self.registered.add(name)

    def _make_task(self, name: str, function: TaskFunction) -> None:
        app, config = self.app, self.app.config

        def run(**kwargs: Any) -> Any:
            with app.app_context():
                # The value is only logged by the worker ("succeeded in 0.1s: 3"); nothing stores it.
                return function(**kwargs)

        run.__name__ = run.__qualname__ = f"run_{name.replace('.', '_')}"
        run.__doc__ = function.__doc__
        self.celery.task(
            name=TASK_PREFIX + name,
            # Not shared: a shared task is added to every Celery app in the process, and this one
            # belongs to this Flask app (tests hold several).
            shared=False,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            soft_time_limit=int(config["JOBS_SOFT_TIME_LIMIT"]),
            time_limit=int(config["JOBS_TIME_LIMIT"]),
            # A dropped or restarting database is worth a few tries, seconds apart; any other error
            # is the job's own failure and is logged by the worker.
            autoretry_for=(DatabaseOperationalError,),
            max_retries=int(config["JOBS_DB_RETRIES"]),
            retry_backoff=2,
            retry_backoff_max=60,
            retry_jitter=True,
        )(run)

    def enqueue(self, name: str, kwargs: dict[str, Any]) -> None:
        self.register_tasks()
        try:
            self.celery.send_task(
                TASK_PREFIX + name,
                kwargs=kwargs,
                retry=True,
                retry_policy=publish_retry_policy(self.app.config),
            )
        except BROKER_ERRORS as error:
            log.warning("Could not queue job %s on %s: %s", name, self.broker_address(), error)
            raise JobsUnavailableError(
                f"The job queue is unavailable ({type(error).__name__}); nothing was queued. "
                "Try again shortly."
            ) from error

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        """The periodic tasks for beat: each `every=` config key that is above zero."""
        schedule: dict[str, dict[str, Any]] = {}
        for name, config_key in _PERIODIC.items():
            interval = float(self.app.config.get(config_key) or 0)
            if interval > 0:
                schedule[name] = {
                    "task": TASK_PREFIX + name,
                    "schedule": interval,
                    # A sweep that waited longer than its period is superseded by the next one.
                    "options": {"expires": interval},
                }
        return schedule

    def start_periodic(self) -> None:
        """Periodic jobs run in the worker's beat, not in the web process."""

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Jobs run in another process; there is nothing local to wait for."""

    def shutdown(self) -> None:
        # Close the pooled broker connections; the pool is rebuilt if the app publishes again.
        self.celery.close()

    def broker_address(self) -> str:
        # as_uri() masks the password.
        with self.celery.connection_for_write() as connection:
            return str(connection.as_uri())

    def health(self) -> dict[str, Any]:
        """Open a connection to the broker with the short timeout; ok False (and why) if that fails."""
        report: dict[str, Any] = {
            "runner": self.kind,
            "ok": False,
            "broker": self.broker_address(),
            "queue": self.queue,
        }
        try:
            with self.celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0)
                # Opening a channel is the round trip: Redis answers a PING, AMQP a channel.open.
                channel = connection.default_channel
                report["queued"] = _queue_length(channel, self.queue)
        except Exception as error:  # health reports every failure; it must never raise itself
            report["reason"] = f"{type(error).__name__}: {error}"
            return report
        report["ok"] = True
        return report


def _queue_length(channel: Any, queue: str) -> int | None:
    """Messages waiting in `queue` (a passive declare, so a missing queue is not created)."""
    try:
        return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except Exception:  # no such queue yet (no worker has declared it): the broker is still fine
        return None


def allow_spawned_children() -> None:
    """Let this pool process start `multiprocessing` children: its render workers.

    To the standard library a billiard pool process is the current process, and it refuses it
    children twice: the process is daemonic ("daemonic processes are not allowed to have
    children"), and its authkey is billiard's AuthenticationString, which will not pickle into a
    spawned child's start-up data. The flag guards against orphans, and the render pool already
    sees to those: it kills a worker whose task is stopped by a time limit, and every worker asks
    the kernel to kill it with this process (PR_SET_PDEATHSIG) should the hard limit kill it. The
    integration tests run a job in a render worker of the Celery pool process.
    """
    process = multiprocessing.current_process()
    process.daemon = False
    # The authkey setter would wrap the key in billiard's class again; store the standard one.
    process._config["authkey"] = multiprocessing.process.AuthenticationString(process.authkey)  # type: ignore[attr-defined]


def run_worker(app: Flask, *, concurrency: int, beat: bool, loglevel: str) -> int:
    """Start a Celery worker for `app` in this process; return its exit code once it stops."""
    runner = app.extensions["jobs"]
    assert isinstance(runner, CeleryRunner)
    runner.register_tasks()
    celery = runner.celery
    celery.conf.beat_schedule = runner.beat_schedule()
    transport_options = dict(celery.conf.broker_transport_options)
    if "socket_timeout" in transport_options:
        transport_options["socket_timeout"] = max(WORKER_SOCKET_TIMEOUT, transport_options["socket_timeout"])
    celery.conf.broker_transport_options = transport_options

    from api.core.db import Database
    from api.render import runtime

    engine = Database.state(app).engine
    # The main process renders nothing; each pool process starts render workers of its own.
    runtime.shutdown()

    def prepare_pool_process(**_: Any) -> None:
        # A forked pool process must not reuse the parent's pooled database sockets.
        engine.dispose(close=False)
        allow_spawned_children()
        # Its own warm render worker, started now so that the first job does not wait for it.
        from api import rendering

        rendering.start_for_celery_worker(app)

    worker_process_init.connect(prepare_pool_process, weak=False)

    # The prefork pool, because it is the one that enforces the time limits: at the soft limit the
    # job gets SoftTimeLimitExceeded (and the render pool kills the worker it was using), at the hard
    # limit its process is killed and replaced. Otherwise threads would do: each job mostly waits on
    # its render worker, which already brings the isolation and rlimits; but the threads pool
    # ignores time limits, so a job stuck outside the renderer would hold its slot for good.
    # The cost is one forked copy of the app per slot, shared copy-on-write with the parent.
    worker = celery.Worker(
        # Unique per process, so `celery inspect` and the logs tell workers on one host apart.
        hostname=f"{runner.queue}-{os.getpid()}@{socket.gethostname()}",
        pool_cls="prefork",
        concurrency=concurrency,
        loglevel=loglevel.upper(),
        queues=[runner.queue],
        beat=beat,
        # Mingle and gossip sync revoked-task lists and track peers; these jobs need neither, and
        # skipping them makes start-up quicker and keeps workers sharing a broker independent.
        without_mingle=True,
        without_gossip=True,
    )
    worker.start()
    return int(worker.exitcode or 0)
