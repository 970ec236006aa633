"""Render one PDF in several processes: the rows split at page boundaries, each part rendered by a
forked process into a file of its own, the parts joined (api/render/pdfjoin.py) into the output.

One process renders about 1,500 realistic badges a CPU-second; a machine with more than one CPU
otherwise sits idle through a big job. Parts are made with fork, not spawn: a child starts with
the parent's fonts, compiled template and prepared layers already loaded, in microseconds, and
shares their memory until it writes. The parent renders the first part itself while the children
render the others, then reports their progress (a shared counter per child) until they finish.

A part's findings carry their real page numbers (render_pdf's first_page), so the report reads as
if one process had rendered the whole. A child's exception comes back to the parent and is raised
there; a child that dies (a signal, the memory limit) is a RenderProcessError. Parts that cannot be
joined (PdfJoinError) make the parent render everything again in one process: slower, never wrong.
"""

from __future__ import annotations

import contextlib
import glob
import mmap
import os
import pickle
import signal
import struct
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from api.render.pdfjoin import PdfJoinError, join_pdfs

if TYPE_CHECKING:
    from api.render.document import BadgePlan, RenderResult

# Fewer badges than this per process and the fork, the join and the fonts each part embeds again
# cost more than the part saves (measured: 1,000 badges render in about 0.7 s in one process).
MIN_BADGES_PER_PROCESS = 1000
_COUNTER = struct.Struct("q")
_PROGRESS_EVERY_SECONDS = 0.1


class RenderProcessError(RuntimeError):
    """A render process ended without a result (killed by a signal or a resource limit)."""

    def __init__(self, message: str, signal_number: int | None = None) -> None:
        super().__init__(message)
        self.signal_number = signal_number  # the signal that killed it, if one did


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_count(requested: int | None, badges: int) -> int:
    """How many processes render `badges` badges: `requested` (None: every usable CPU), fewer
    when parts would be smaller than MIN_BADGES_PER_PROCESS, at least 1."""
    wanted = usable_cpus() if requested is None else requested
    return max(1, min(wanted, badges // MIN_BADGES_PER_PROCESS))


def split_pages(badges: int, per_page: int, parts: int) -> list[tuple[int, int]]:
    """(start, stop) row ranges for `parts` parts, each starting on a new page, pages shared out
    as evenly as they go."""
    pages = -(-badges // per_page)
    parts = max(1, min(parts, pages))
    bounds = [per_page * (pages * index // parts) for index in range(parts)] + [badges]
    return [(bounds[index], min(bounds[index + 1], badges)) for index in range(parts)]


def render_pdf_in_parts(
    plan: BadgePlan,
    rows: Sequence[Mapping[str, str]],
    output: str,
    *,
    processes: int,
    on_badge: Callable[[int], None] | None = None,
    row_numbers: Sequence[int] | None = None,
) -> RenderResult:
    from api.render.document import render_pdf

    per_page = plan.sheet.badges_per_page
    ranges = split_pages(len(rows), per_page, processes)
    paths = [_part_path(output) for _ in ranges]
    counters = mmap.mmap(-1, _COUNTER.size * len(ranges))
    children: list[int] = []
    try:
        for index, (start, stop) in enumerate(ranges[1:], start=1):
            children.append(
                _fork_part(plan, rows, row_numbers, start, stop, paths[index], counters, index, per_page)
            )
        first_stop = ranges[0][1]
        reported = -1

        def report(index: int) -> None:
            # Never backwards: a reading of the shared counters may lag one taken before it.
            nonlocal reported
            if on_badge is not None and index > reported:
                reported = index
                on_badge(index)

        def own_badge(index: int) -> None:
            report(index + _children_done(counters, len(ranges)))

        results = [
            render_pdf(
                plan,
                rows[:first_stop],
                str(paths[0]),
                on_badge=own_badge if on_badge is not None else None,
                row_numbers=row_numbers[:first_stop] if row_numbers is not None else None,
            )
        ]
        results += _wait_for(children, paths[1:], counters, first_stop, len(ranges), report)
        children.clear()
        try:
            _join(paths, output)
        except PdfJoinError:
            return render_pdf(plan, rows, output, on_badge=on_badge, row_numbers=row_numbers)
        return _combined(results)
    finally:
        for pid in children:  # only after an error: stop the parts still running
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        counters.close()
        for path in paths:
            path.unlink(missing_ok=True)
            _result_path(path).unlink(missing_ok=True)


def _part_path(output: str) -> Path:
    # Next to the output, so the parts count against the same disk as the PDF they become, and
    # named after it, so that remove_parts finds them when this process could not.
    target = Path(output).absolute()
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.part-", suffix=".pdf", dir=target.parent)
    os.close(descriptor)
    return Path(name)


def remove_parts(output: str | os.PathLike[str]) -> None:
    """Delete the part files (and their results) of `output` that a killed render left behind:
    a process stopped by its CPU limit or its wall clock cannot clean up after itself."""
    target = Path(output).absolute()
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.part-*"):
        leftover.unlink(missing_ok=True)


def _result_path(part: Path) -> Path:
    return part.with_suffix(".result")


def _fork_part(
    plan: BadgePlan,
    rows: Sequence[Mapping[str, str]],
    row_numbers: Sequence[int] | None,
    start: int,
    stop: int,
    path: Path,
    counters: mmap.mmap,
    index: int,
    per_page: int,
) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    # The child: render, leave the result beside the part, and leave without running the
    # parent's exit handlers or flushing its buffers (os._exit), whatever happens.
    status = 1
    try:
        from api.render.document import render_pdf
        from api.render.worker import die_with_owner

        die_with_owner(parent)
        offset = _COUNTER.size * index

        def count(done: int) -> None:
            _COUNTER.pack_into(counters, offset, done + 1)

        try:
            result: object = render_pdf(
                plan,
                rows[start:stop],
                str(path),
                on_badge=count,
                row_numbers=row_numbers[start:stop]
                if row_numbers is not None
                else range(start + 1, stop + 1),
                # A part starts on a sheet's first page (its front with both sides).
                first_page=start // per_page * plan.pages_per_sheet + 1,
            )
            status = 0
        except BaseException as error:
            result = error
        _result_path(path).write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(status)


def _children_done(counters: mmap.mmap, parts: int) -> int:
    return sum(_COUNTER.unpack_from(counters, _COUNTER.size * index)[0] for index in range(1, parts))


def _wait_for(
    children: list[int],
    paths: list[Path],
    counters: mmap.mmap,
    own: int,
    parts: int,
    report: Callable[[int], None],
) -> list[RenderResult]:
    statuses: dict[int, int] = {}
    while len(statuses) < len(children):
        for pid in children:
            if pid not in statuses:
                finished, status = os.waitpid(pid, os.WNOHANG)
                if finished:
                    statuses[pid] = status
        report(own + _children_done(counters, parts) - 1)
        if len(statuses) < len(children):
            time.sleep(_PROGRESS_EVERY_SECONDS)
    results = []
    for pid, path in zip(children, paths, strict=True):
        status = statuses[pid]
        result_path = _result_path(path)
        if os.WIFSIGNALED(status) or not result_path.exists():
            cause = (
                f"signal {signal.Signals(os.WTERMSIG(status)).name}"
                if os.WIFSIGNALED(status)
                else f"exit status {os.waitstatus_to_exitcode(status)}"
            )
            raise RenderProcessError(
                f"a render process ended without a result ({cause})",
                os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            )
        result = pickle.loads(result_path.read_bytes())  # noqa: S301 - our own child wrote it
        if isinstance(result, BaseException):
            raise result
        results.append(result)
    return results


def _join(paths: list[Path], output: str) -> None:
    with open(output, "wb") as handle:
        join_pdfs(paths, handle)


def _combined(results: list[RenderResult]) -> RenderResult:
    combined = results[0]
    for result in results[1:]:
        combined.badges += result.badges
        combined.pages += result.pages
        combined.tally.absorb(result.tally)
    combined.processes = len(results)
    return combined
