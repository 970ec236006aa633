"""What one render task may use. The pool enforces these per task, not per process."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderLimits:
    """Limits of one task in a render worker; a task over any of them fails alone.

    CPU, address space and file size are kernel limits (setrlimit) set before the task starts and
    lifted after it; the wall clock is watched by the caller, which kills the worker at the
    deadline. `max_pixels` bounds any raster the task draws (a preview, a rasterised check).
    """

    # Defaults for tasks with no configured limits (a built-in template's facts); the app sizes a
    # job's limits for its largest job (api.config: BADGE_RENDER_*).
    cpu_seconds: float = 120
    wall_seconds: float = 300.0
    # Address space: the worker maps its fonts and libraries (about 350 MB), so leave room.
    memory_bytes: int = 2 * 1024**3
    output_bytes: int = 1024**3
    max_pixels: int = 40_000_000
