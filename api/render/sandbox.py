"""Render in a child process with CPU, memory, output-size and wall-clock limits.

An uploaded SVG can still be a bomb after svgcheck's counting: nested patterns with tiny tiles,
filters over huge areas, pathological paths. The child process gets hard limits from the kernel
(setrlimit), so such a template fails with a clear reason within seconds and the service process
never notices. Splitting one job across processes was measured and rejected: on this project's
2-core machines, joining chunk PDFs costs more than rendering them (see the README).

The child dies with its parent: a daemon process is only ended by a parent that exits normally,
so on Linux the child also asks the kernel for SIGKILL when the parent dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from api.render.errors import LimitExceededError, RenderInputError


@dataclass(frozen=True)
class SandboxLimits:
    cpu_seconds: int = 120
    memory_bytes: int = 2 * 1024**3  # address space: fonts are mapped, so leave room
    output_bytes: int = 1024**3
    wall_seconds: float = 300.0


@dataclass(frozen=True)
class RenderTask:
    """Everything a child needs, picklable: the template source, not a compiled template."""

    template_svg: bytes | None
    template_id: str | None
    options: Mapping[str, Any]
    rows: list[dict[str, str]]
    columns: list[str]
    output_path: str
    background: bytes | None = None
    ticket_colors: Mapping[str, str | None] | None = None  # ticket type name -> "#rrggbb"
    # Uploaded fonts the options name: internal family -> TrueType/OpenType bytes.
    fonts: Mapping[str, bytes] | None = None


@dataclass
class RenderSummary:
    badges: int = 0
    pages: int = 0
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # (index, field, message)


def run_render(
    task: RenderTask,
    limits: SandboxLimits | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> RenderSummary:
    """Render `task` in a fresh child process under `limits`; raise RenderInputError on any refusal."""
    result: RenderSummary = run_limited(
        _render_task, task, limits=limits or SandboxLimits(), on_progress=on_progress, on_wait=on_wait
    )
    return result


def run_limited(
    function: Callable[..., Any],
    *args: Any,
    limits: SandboxLimits,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Any:
    """Call `function(report, *args)` in a spawned child under `limits` and return its result.

    `report(n)` in the child sends progress to `on_progress` in the parent. `on_wait()` is called
    at least every half second while the child works, progress or not (a job's heartbeat); an
    exception from either callback stops the child.
    """
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(child_end, os.getpid(), limits, function, args), daemon=True
    )
    process.start()
    child_end.close()
    try:
        return _collect(process, parent_end, limits, on_progress, on_wait)
    finally:
        parent_end.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def _collect(
    process: Any,
    messages: Connection,
    limits: SandboxLimits,
    on_progress: Callable[[int], None] | None,
    on_wait: Callable[[], None] | None,
) -> Any:
    deadline = time.monotonic() + limits.wall_seconds
    while True:
        if on_wait is not None:
            on_wait()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            process.kill()
            raise LimitExceededError(
                f"rendering took longer than {limits.wall_seconds:g} seconds", location="render"
            )
        if messages.poll(min(remaining, 0.5)):
            try:
                kind, payload = messages.recv()
            except EOFError:
                break
            if kind == "progress" and on_progress is not None:
                on_progress(payload)
            elif kind == "done":
                return payload
            elif kind == "refused":
                raise RenderInputError(payload[0], location=payload[1])
            elif kind == "limit":
                raise LimitExceededError(payload[0], location=payload[1])
            elif kind == "failed":
                raise RuntimeError(f"rendering failed in the child process:\n{payload}")
        elif not process.is_alive():
            break
    process.join(5)
    raise _death_reason(process.exitcode, limits)


def _death_reason(exitcode: int | None, limits: SandboxLimits) -> RenderInputError:
    if exitcode == -signal.SIGXCPU or exitcode == -signal.SIGKILL:
        return LimitExceededError(
            f"rendering needed more than {limits.cpu_seconds} s of CPU", location="render"
        )
    if exitcode == -signal.SIGXFSZ:
        return LimitExceededError(f"the output grew past {limits.output_bytes} bytes", location="render")
    return LimitExceededError(f"the rendering process stopped (exit code {exitcode})", location="render")


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies, even by SIGKILL, on Linux."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died before prctl took effect; then this process already has another
    # parent and no signal will come. Nobody waits for the result, so stop at once.
    if os.getppid() != parent_pid:
        os._exit(1)


def _child(
    messages: Connection,
    parent_pid: int,
    limits: SandboxLimits,
    function: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    # The signal comes when the thread that started this process ends; run_limited waits in
    # that thread until the child has finished, so that is the parent's death.
    _die_with_parent(parent_pid)
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def report(count: int) -> None:
        messages.send(("progress", count))

    try:
        messages.send(("done", function(report, *args)))
    except LimitExceededError as error:
        messages.send(("limit", (error.message, error.location)))
    except RenderInputError as error:
        messages.send(("refused", (error.message, error.location)))
    except MemoryError:
        messages.send(
            ("limit", (f"rendering needed more than {limits.memory_bytes} bytes of memory", "render"))
        )
    except OSError as error:
        # Python ignores SIGXFSZ, so the file-size limit arrives as a failed write (EFBIG),
        # which cairo reports as a write error.
        if "WRITE_ERROR" not in str(error):
            messages.send(("failed", traceback.format_exc()))
        else:
            messages.send(("limit", (f"the output grew past {limits.output_bytes} bytes", "render")))
    except Exception:
        messages.send(("failed", traceback.format_exc()))
    finally:
        messages.close()


def _render_task(report: Callable[[int], None], task: RenderTask) -> RenderSummary:
    from api.render.builtin import built_in_template, make_plan
    from api.render.document import render_pdf
    from api.render.template import compile_template

    if task.fonts:
        from api.render.fonts import register_fonts

        # Before anything is laid out: Pango lists fonts when it first needs them.
        # Beside the output, so whoever removes the output's leftovers removes these too.
        register_fonts(task.fonts, task.output_path + ".fonts")
    template = (
        compile_template(task.template_svg)
        if task.template_svg
        else built_in_template(task.template_id or "")
    )
    plan = make_plan(
        template,
        task.options,
        columns_available=task.columns,
        background=task.background,
        ticket_colors=task.ticket_colors,
    )

    def on_badge(index: int) -> None:
        if (index + 1) % 100 == 0:
            report(index + 1)

    result = render_pdf(plan, task.rows, task.output_path, on_badge=on_badge)
    report(result.badges)
    summary = RenderSummary(result.badges, result.pages)
    for badge in result.reports:
        for name, placed in badge.placed:
            if placed.unknown_glyphs:
                summary.warnings.append(
                    (badge.index, name, f"{placed.unknown_glyphs} character(s) have no glyph")
                )
            if placed.ellipsized:
                summary.warnings.append((badge.index, name, "too long for its box; shortened"))
    return summary


def check_template(svg: bytes, limits: SandboxLimits | None = None) -> dict[str, Any]:
    """Compile an uploaded template in a limited child; return its size and fields."""
    summary: dict[str, Any] = run_limited(
        _compile_task, svg, limits=limits or SandboxLimits(cpu_seconds=20, wall_seconds=40)
    )
    return summary


def _compile_task(report: Callable[[int], None], svg: bytes) -> dict[str, Any]:
    import cairocffi

    from api.render.template import compile_template

    template = compile_template(svg)
    # Recording keeps patterns and filters as descriptions; rasterising once, as a preview will,
    # makes their real cost happen here, under the limits.
    scale = 96 / 72
    surface = cairocffi.ImageSurface(
        cairocffi.FORMAT_ARGB32, round(template.width * scale) or 1, round(template.height * scale) or 1
    )
    context = cairocffi.Context(surface)
    context.scale(scale, scale)
    context.set_source_surface(template.static)
    context.paint()
    if template.tint is not None:
        context.set_source_surface(template.tint)
        context.paint()
    surface.flush()
    return {
        "width": template.width,
        "height": template.height,
        "fields": template.placeholders,
        "has_qr": template.qr is not None,
    }
