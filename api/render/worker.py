"""A render worker: a long-lived process that runs one task at a time under that task's limits.

The pool (api.render.pool) starts each worker as a fresh Python process (`main`), so it shares
nothing with the service process but the pipe it is given: no inherited locks or sockets, and
none of the service's modules beyond the engine. A worker warms the
engine once (imports, fontconfig, the built-in templates), says it is ready, then takes tasks
from its pipe until the pipe closes, it has done `max_tasks`, or its memory passed `max_rss_bytes`:
then it says so in its last answer and exits, and the pool starts a fresh one. So nothing a task
leaves behind (fragmented heap, registered fonts, cached templates) outlives a bounded number of
tasks.

Before each task the kernel limits are set from the task's RenderLimits: RLIMIT_CPU to the CPU
time used so far plus the task's allowance (SIGXCPU ends the worker), RLIMIT_AS to the task's
memory (allocations past it fail), RLIMIT_FSIZE to its output (writes past it fail). They are
lifted again after the task. A task that ran out of memory retires its worker too.

The worker dies with its owner: PR_SET_PDEATHSIG asks the kernel for SIGKILL when the owner
(the process that started the pool) dies, even by SIGKILL; an idle worker also ends when its
pipe closes.
"""

from __future__ import annotations

import ctypes
import math
import os
import pickle
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from api.render.errors import LimitExceededError, OutputWriteError, RenderInputError
from api.render.limits import RenderLimits
from api.render.parallel import RenderProcessError

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class WorkerSettings:
    max_tasks: int = 500
    max_rss_bytes: int = 1024**3
    # Compiled templates a worker keeps between tasks, in bytes of memory they hold.
    template_cache_bytes: int = 256 * 1024**2
    # Called once with these settings before the first task (a module-level function, picklable):
    # loads the engine.
    warm_up: Callable[[WorkerSettings], None] | None = None


def die_with_owner(owner_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies, even by SIGKILL, on Linux."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The owner may have died before prctl took effect; then this process already has another
    # parent and no signal will come. Nobody waits for a result, so stop at once.
    if os.getppid() != owner_pid:
        os._exit(1)


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def main() -> None:
    """The worker process's entry point: `python -c ...main()` with the pipe's descriptor and the
    owner's pid as arguments (see RenderPool._start_one)."""
    descriptor, owner_pid = int(sys.argv[1]), int(sys.argv[2])
    serve(Connection(descriptor), owner_pid)


def serve(connection: Connection, owner_pid: int) -> None:
    """The worker's main loop: settings first, then tasks until the pipe closes or it retires."""
    die_with_owner(owner_pid)
    # Ctrl-C in a terminal reaches the whole process group; the owner decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    settings: WorkerSettings = connection.recv()
    if settings.warm_up is not None:
        settings.warm_up(settings)
    connection.send(("ready", os.getpid()))
    done = 0
    while True:
        try:
            message = connection.recv_bytes()
            # Before anything can go wrong: a worker that dies before this line (killed while
            # idle) never began the task, and the pool gives it to another worker.
            connection.send(("started", None))
        except (EOFError, OSError):
            return  # the owner closed the pipe or died
        try:
            function, args, limits = pickle.loads(message)  # noqa: S301 (from the owner, our parent)
        except Exception:
            # A task this worker cannot even read (its module does not import here): the
            # caller's mistake, not the worker's, so it stays.
            connection.send(("failed", traceback.format_exc(), False))
            continue
        kind, payload = _run_task(connection, function, args, limits)
        done += 1
        retire = kind == "memory" or done >= settings.max_tasks or resident_bytes() > settings.max_rss_bytes
        if kind == "memory":
            kind = "limit"
        try:
            connection.send((kind, payload, retire))
        except (BrokenPipeError, OSError):
            return
        if retire:
            return


def _run_task(
    connection: Connection, function: Callable[..., Any], args: tuple[Any, ...], limits: RenderLimits
) -> tuple[str, Any]:
    def report(count: int) -> None:
        connection.send(("progress", count))

    hard = _set_limits(limits)
    try:
        return "done", function(report, *args)
    except LimitExceededError as error:
        return "limit", (error.message, error.location)
    except OutputWriteError as error:
        return "storage", (error.message, error.full)
    except RenderInputError as error:
        return "refused", (error.message, error.location)
    except MemoryError:
        return "memory", (f"rendering needed more than {limits.memory_bytes} bytes of memory", "render")
    except RenderProcessError as error:
        # One of a job's render processes (api/render/parallel.py) killed by its limits, which it
        # inherited from this one: CPU (SIGXCPU), output size (SIGXFSZ).
        if error.signal_number == signal.SIGXCPU:
            return "limit", (f"rendering needed more than {limits.cpu_seconds:g} s of CPU", "render")
        if error.signal_number == signal.SIGXFSZ:
            return "limit", (f"the output grew past {limits.output_bytes} bytes", "render")
        return "failed", traceback.format_exc()
    except Exception as error:
        text = str(error)
        # cairo reports a failed allocation as a status, not as MemoryError.
        if "NO_MEMORY" in text:
            return "memory", (f"rendering needed more than {limits.memory_bytes} bytes of memory", "render")
        # Python ignores SIGXFSZ, so the file-size limit arrives as a failed write (EFBIG),
        # which cairo reports as a write error.
        if "WRITE_ERROR" in text or (isinstance(error, OSError) and error.errno == 27):
            return "limit", (f"the output grew past {limits.output_bytes} bytes", "render")
        return "failed", traceback.format_exc()
    finally:
        _lift_limits(hard)


_KERNEL_LIMITS = (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_FSIZE)


def _set_limits(limits: RenderLimits) -> dict[int, int]:
    """Set the task's kernel limits; return each limit's hard value, to lift them to afterwards."""
    hard = {which: resource.getrlimit(which)[1] for which in _KERNEL_LIMITS}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_until = math.ceil(usage.ru_utime + usage.ru_stime + limits.cpu_seconds)
    wanted = {
        resource.RLIMIT_CPU: cpu_until,
        resource.RLIMIT_AS: int(limits.memory_bytes),
        resource.RLIMIT_FSIZE: int(limits.output_bytes),
    }
    for which, value in wanted.items():
        ceiling = hard[which]
        soft = value if ceiling == resource.RLIM_INFINITY else min(value, ceiling)
        resource.setrlimit(which, (soft, ceiling))
    return hard


def _lift_limits(hard: dict[int, int]) -> None:
    for which, ceiling in hard.items():
        resource.setrlimit(which, (ceiling, ceiling))
