"""A pool of warm render workers, in lanes, handed out fairly between users.

Every render goes through `RenderPool.run`: the task (a module-level function and its arguments)
is sent to an idle worker of its lane, which runs it under the task's RenderLimits
(api.render.worker). The caller watches the wall clock: past it, or when the caller's own
callbacks raise (a cancelled job), the worker is killed. A worker that was killed, died or retired
is replaced in the background, so the lane stays warm.

Lanes keep long jobs from taking the workers that previews need: "interactive" (previews, template
and image checks, font samples) and "batch" (badge jobs). Within a lane, waiting tasks are handed
workers round-robin by user, and one user holds at most `user_concurrency` workers of the
interactive lane at once; a user with `user_queue` tasks already waiting is refused
(RenderBusyError, a 429), and a task that waits longer than `queue_timeout` gives up
(RenderQueueTimeout, a 503). So one user's expensive renders cannot starve another user's preview.

Workers are started by one long-lived thread of the pool: Linux delivers a worker's
parent-death signal when the *thread* that started it ends, so a worker started from a request
thread would die with that request.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from api.render.errors import LimitExceededError, OutputWriteError, RenderInputError
from api.render.limits import RenderLimits
from api.render.worker import WorkerSettings

log = logging.getLogger(__name__)

INTERACTIVE = "interactive"
BATCH = "batch"
READY_TIMEOUT = 60.0  # seconds a new worker may take to import and warm the engine
MAX_STARTS = 3  # workers a task is offered to when each one turns out dead before taking it


class RenderBusyError(Exception):
    """The user already has as many renders waiting as allowed: try again shortly."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RenderQueueTimeout(Exception):
    """No worker became free in time: the service is saturated."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RenderFailedError(RuntimeError):
    """The task raised something the engine did not foresee; the traceback is for the log."""


@dataclass(frozen=True)
class PoolSettings:
    interactive_workers: int = 2
    batch_workers: int = 1
    # Started with the pool; a lane not started up front starts its workers on first use.
    prestart: tuple[str, ...] = (INTERACTIVE,)
    user_concurrency: int = 1
    user_queue: int = 16
    queue_timeout: float = 15.0
    worker: WorkerSettings = field(default_factory=WorkerSettings)

    def size(self, lane: str) -> int:
        return self.interactive_workers if lane == INTERACTIVE else self.batch_workers


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection, lane: str) -> None:
        self.process = process
        self.connection = connection
        self.lane = lane
        self.tasks = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.is_alive():
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            log.warning("Render worker %s did not exit after SIGKILL", self.pid)
        self.connection.close()

    def _time_left(self, deadline: float, limits: RenderLimits) -> float:
        """Seconds until `deadline`; past it the worker is killed and the task refused."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self.kill()
            raise LimitExceededError(
                f"rendering took longer than {limits.wall_seconds:g} seconds", location="render"
            )
        return remaining

    def call(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        limits: RenderLimits,
        on_progress: Callable[[int], None] | None,
        on_wait: Callable[[], None] | None,
    ) -> tuple[Any, bool]:
        """Run one task; return (result, reusable). Raises the task's refusal or a limit error."""
        self.tasks += 1
        started = False
        try:
            self.connection.send((function, args, limits))
        except OSError:
            raise _NotStarted from None
        deadline = time.monotonic() + limits.wall_seconds
        while True:
            if on_wait is not None:
                on_wait()
            if self.connection.poll(min(self._time_left(deadline, limits), 0.5)):
                try:
                    message = self.connection.recv()
                except (EOFError, OSError):
                    break
                if message[0] == "started":
                    started = True
                    continue
                if message[0] == "progress":
                    if on_progress is not None:
                        on_progress(message[1])
                    continue
                return _outcome(message)
            elif not self.is_alive():
                break
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if not started:
            raise _NotStarted
        raise _death_reason(self.process.returncode, limits)


def _outcome(message: tuple[str, Any, bool]) -> tuple[Any, bool]:
    """(result, reusable) from a worker's last message about a task, or the error it reports."""
    kind, payload, retire = message
    if kind == "done":
        return payload, not retire
    if kind == "failed":
        raise _Finished(RenderFailedError(f"rendering failed in a worker:\n{payload}"), retire)
    if kind == "storage":
        raise _Finished(OutputWriteError(payload[0], full=payload[1]), retire)
    error_class = LimitExceededError if kind == "limit" else RenderInputError
    raise _Finished(error_class(payload[0], location=payload[1]), retire)


class _NotStarted(Exception):
    """The worker was dead before it took the task: another worker can run it (internal)."""


class _Finished(Exception):
    """A task that ended with an error, and whether its worker retires (internal to the pool)."""

    def __init__(self, error: Exception, retire: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retire = retire


def _death_reason(exitcode: int | None, limits: RenderLimits) -> LimitExceededError:
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        return LimitExceededError(
            f"rendering needed more than {limits.cpu_seconds:g} s of CPU", location="render"
        )
    if exitcode == -signal.SIGXFSZ:
        return LimitExceededError(f"the output grew past {limits.output_bytes} bytes", location="render")
    return LimitExceededError(f"the rendering process stopped (exit code {exitcode})", location="render")


class _Ticket:
    """A caller waiting for a worker of a lane."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.granted = False


class Lane:
    """The workers of one lane and the callers waiting for them, served round-robin by user."""

    def __init__(self, name: str, size: int, per_user: int, per_user_waiting: int) -> None:
        self.name = name
        self.size = max(1, size)
        self.per_user = max(1, per_user)
        self.per_user_waiting = per_user_waiting
        self.condition = threading.Condition()
        self.idle: deque[Worker] = deque()
        self.live = 0  # workers started or starting, idle or busy
        self.busy_slots = 0
        self.running: dict[str, int] = {}
        self.waiting: OrderedDict[str, deque[_Ticket]] = OrderedDict()

    def acquire_slot(self, user: str, timeout: float) -> None:
        """Wait for the right to use one worker of this lane."""
        with self.condition:
            queued = self.waiting.setdefault(user, deque())
            if len(queued) >= self.per_user_waiting:
                if not queued:
                    del self.waiting[user]
                raise RenderBusyError(
                    f"you have {len(queued)} renders waiting already; wait for them to finish"
                )
            ticket = _Ticket(user)
            queued.append(ticket)
            self._grant()
            deadline = time.monotonic() + timeout
            while not ticket.granted:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.condition.wait(remaining):
                    if ticket.granted:
                        break
                    queued.remove(ticket)
                    if not queued:
                        self.waiting.pop(user, None)
                    raise RenderQueueTimeout(
                        f"no render worker became free within {timeout:g} seconds; the service is busy"
                    )

    def release_slot(self, user: str) -> None:
        with self.condition:
            self.busy_slots -= 1
            self.running[user] -= 1
            if not self.running[user]:
                del self.running[user]
            self._grant()

    def _grant(self) -> None:
        """Give free slots to the first waiting ticket of each user in turn (called under the lock)."""
        granted_any = False
        while self.busy_slots < self.size and self.waiting:
            for user in list(self.waiting):
                if self.running.get(user, 0) < self.per_user:
                    ticket = self.waiting[user].popleft()
                    # This user goes to the back of the round.
                    if self.waiting[user]:
                        self.waiting.move_to_end(user)
                    else:
                        del self.waiting[user]
                    ticket.granted = True
                    self.busy_slots += 1
                    self.running[user] = self.running.get(user, 0) + 1
                    granted_any = True
                    break
            else:
                break  # everyone waiting is at their own limit
        if granted_any:
            self.condition.notify_all()


class RenderPool:
    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self.owner_pid = os.getpid()
        self.lanes = {
            INTERACTIVE: Lane(
                INTERACTIVE,
                settings.interactive_workers,
                settings.user_concurrency,
                settings.user_queue,
            ),
            # Jobs are limited per user by the job queue already; the lane only bounds processes.
            BATCH: Lane(BATCH, settings.batch_workers, settings.batch_workers, 10**6),
        }
        self.started = 0
        self.replaced = 0
        self.closed = False
        self.start_error: str | None = None  # the last start's failure, until a start succeeds
        self._starts: queue.Queue[Lane | None] = queue.Queue()
        self._starter = threading.Thread(target=self._start_workers, name="render-pool-starter", daemon=True)
        self._starter.start()
        for lane_name in settings.prestart:
            self._fill(self.lanes[lane_name])

    # Starting workers -------------------------------------------------------------------------

    def _fill(self, lane: Lane) -> None:
        """Ask the starter thread for workers until the lane has its size (idle or busy)."""
        with lane.condition:
            missing = lane.size - lane.live
            lane.live += max(0, missing)
        for _ in range(max(0, missing)):
            self._starts.put(lane)

    def _start_workers(self) -> None:
        while True:
            lane = self._starts.get()
            if lane is None or self.closed:
                return
            try:
                started = self._launch()
            except Exception as error:
                log.exception("A render worker could not start")
                self._start_failed(lane, error)
                continue
            # Warming takes a few hundred milliseconds; workers warm side by side.
            threading.Thread(
                target=self._await_ready, args=(lane, *started), name="render-pool-ready", daemon=True
            ).start()

    def _await_ready(self, lane: Lane, process: subprocess.Popen[bytes], connection: Connection) -> None:
        try:
            worker = self._ready(lane.name, process, connection)
        except Exception as error:
            if self.closed:
                return  # shut down while it was starting: it was killed on purpose
            log.exception("A render worker could not start")
            self._start_failed(lane, error)
            return
        self.start_error = None
        with lane.condition:
            if self.closed:
                worker.kill()
                return
            lane.idle.append(worker)
            lane.condition.notify_all()

    def _start_failed(self, lane: Lane, error: BaseException) -> None:
        self.start_error = f"{type(error).__name__}: {error}"
        with lane.condition:
            lane.live -= 1
            lane.condition.notify_all()
        time.sleep(1)  # do not spin if starting fails for good (out of memory, say)

    def _launch(self) -> tuple[subprocess.Popen[bytes], Connection]:
        """Start a worker process (in the starter thread: see the module's docstring)."""
        parent_socket, child_socket = socket.socketpair()
        command = [
            sys.executable,
            "-c",
            "from api.render.worker import main; main()",
            str(child_socket.fileno()),
            str(os.getpid()),
        ]
        # The worker imports the tasks it is sent by name, from wherever this process does.
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        try:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                command,
                pass_fds=[child_socket.fileno()],
                env=environment,
                stdin=subprocess.DEVNULL,
            )
        finally:
            child_socket.close()
        connection = Connection(parent_socket.detach())
        connection.send(self.settings.worker)
        return process, connection

    def _ready(self, lane: str, process: subprocess.Popen[bytes], connection: Connection) -> Worker:
        """Wait until a started worker has warmed the engine."""
        try:
            if not connection.poll(READY_TIMEOUT):
                raise RuntimeError("a render worker did not become ready in time")
            kind, _ = connection.recv()
        except (EOFError, RuntimeError):
            process.kill()
            process.wait()
            connection.close()
            raise RuntimeError(f"a render worker did not start (exit code {process.returncode})") from None
        assert kind == "ready"
        self.started += 1
        return Worker(process, connection, lane)

    def _take_worker(self, lane: Lane, timeout: float) -> Worker:
        """An idle worker of the lane (the caller holds a slot, so one is idle or starting)."""
        # A worker warms in well under a second; waiting longer than a queued render would, when
        # workers keep failing to start, only hides that from the caller.
        deadline = time.monotonic() + timeout
        with lane.condition:
            if not lane.idle and lane.live < lane.size:
                missing = lane.size - lane.live
                lane.live += missing
                for _ in range(missing):
                    self._starts.put(lane)
            while True:
                while lane.idle:
                    worker = lane.idle.popleft()
                    if worker.is_alive():
                        return worker
                    # Died while idle (killed from outside, out of memory): replace it, try another.
                    worker.connection.close()
                    self.replaced += 1
                    self._starts.put(lane)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RenderQueueTimeout("no render worker could be started in time")
                lane.condition.wait(remaining)
                if not lane.idle and lane.live < lane.size:
                    lane.live += 1
                    self._starts.put(lane)

    def _give_back(self, lane: Lane, worker: Worker, reusable: bool) -> None:
        if reusable and not self.closed:
            with lane.condition:
                lane.idle.append(worker)
                lane.condition.notify_all()
            return
        worker.kill()
        with lane.condition:
            lane.live -= 1
            self.replaced += 1
        if not self.closed:
            self._fill(lane)

    # Running tasks ----------------------------------------------------------------------------

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        limits: RenderLimits,
        lane: str = INTERACTIVE,
        user: str | None = None,
        on_progress: Callable[[int], None] | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> Any:
        """Run `function(report, *args)` in a worker of `lane` under `limits`; return its result.

        `report(n)` in the worker reaches `on_progress(n)` here. `on_wait()` is called at least
        every half second while the task runs (a job's heartbeat); an exception from either
        callback kills the worker and propagates. Raises RenderInputError (LimitExceededError
        past a limit), RenderBusyError, RenderQueueTimeout or RenderFailedError.
        """
        if self.closed:
            raise RuntimeError("the render pool is shut down")
        chosen = self.lanes[lane]
        who = user or "anonymous"
        chosen.acquire_slot(who, self.settings.queue_timeout)
        try:
            for _ in range(MAX_STARTS):
                worker = self._take_worker(chosen, self.settings.queue_timeout)
                reusable = False
                try:
                    result, reusable = worker.call(function, args, limits, on_progress, on_wait)
                    return result
                except _NotStarted:
                    continue
                except _Finished as finished:
                    reusable = not finished.retire
                    raise finished.error from None
                finally:
                    self._give_back(chosen, worker, reusable and worker.is_alive())
            raise RenderQueueTimeout(f"{MAX_STARTS} render workers in a row died before taking the task")
        finally:
            chosen.release_slot(who)

    # Life-cycle -------------------------------------------------------------------------------

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Block until every pre-started worker is ready (start-up and tests)."""
        deadline = time.monotonic() + timeout
        for name in self.settings.prestart:
            lane = self.lanes[name]
            with lane.condition:
                while len(lane.idle) < lane.size and time.monotonic() < deadline:
                    lane.condition.wait(max(0.0, deadline - time.monotonic()))

    def stats(self) -> dict[str, Any]:
        lanes = {}
        for name, lane in self.lanes.items():
            with lane.condition:
                lanes[name] = {
                    "size": lane.size,
                    "idle": len(lane.idle),
                    "busy": lane.busy_slots,
                    "idle_pids": [worker.pid for worker in lane.idle],
                }
        return {
            "lanes": lanes,
            "started": self.started,
            "replaced": self.replaced,
            "start_error": self.start_error,
        }

    def shutdown(self) -> None:
        self.closed = True
        self._starts.put(None)
        for lane in self.lanes.values():
            with lane.condition:
                workers = list(lane.idle)
                lane.idle.clear()
                lane.condition.notify_all()
            for worker in workers:
                worker.kill()
