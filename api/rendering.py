"""The app's side of the render runtime: pool settings and task limits from the configuration,
one function per kind of render the services ask for, and the one place where the engine's
refusals and the pool's back-pressure become HTTP problems.

Nothing here draws: every call runs a task of api.render.tasks in a worker of the process's
pool (api.render.runtime). Callers end their database transaction before calling, so no
transaction is open while a render runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any

from flask import Flask, current_app

from api.errors import (
    AppError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TooManyRequestsError,
    ValidationError,
)
from api.render import printready, runtime, tasks
from api.render.errors import LimitExceededError, RenderInputError
from api.render.limits import RenderLimits
from api.render.pool import (
    BATCH,
    INTERACTIVE,
    PoolSettings,
    RenderBusyError,
    RenderFailedError,
    RenderQueueTimeout,
)
from api.render.tasks import BadgeSpec, RenderSummary, RenderTask, TemplateSource
from api.render.worker import WorkerSettings

log = logging.getLogger(__name__)


def pool_settings(config: Mapping[str, Any], *, celery_worker: bool = False) -> PoolSettings:
    """The pool of a web process (previews and checks; jobs too when they run in-process), or of a
    Celery pool process (jobs only, one at a time)."""
    in_process_jobs = config.get("JOBS_RUNNER") != "celery"
    prestart: tuple[str, ...]
    if celery_worker:
        job_workers, prestart = 1, (BATCH,)
    else:
        job_workers = config["RENDER_JOB_WORKERS"] or config["JOBS_THREADS"]
        prestart = (INTERACTIVE, BATCH) if in_process_jobs else (INTERACTIVE,)
    return runtime.default_settings(
        interactive_workers=1 if celery_worker else config["RENDER_WORKERS"],
        batch_workers=int(job_workers),
        prestart=prestart if config["RENDER_POOL_PRESTART"] else (),
        user_concurrency=config["RENDER_USER_CONCURRENCY"] or max(1, config["RENDER_WORKERS"] - 1),
        user_queue=config["RENDER_USER_QUEUE"],
        queue_timeout=config["RENDER_QUEUE_TIMEOUT"],
        worker=WorkerSettings(
            max_tasks=config["RENDER_WORKER_MAX_TASKS"],
            max_rss_bytes=config["RENDER_WORKER_MAX_RSS_BYTES"],
            template_cache_bytes=config["RENDER_TEMPLATE_CACHE_BYTES"],
            warm_up=runtime.warm_engine,
        ),
    )


def init_app(app: Flask) -> None:
    """Configure this process's pool. Its workers start with the first request the process serves
    (in the background: that request does not wait), so CLI commands such as `db upgrade` never
    start any; with RENDER_POOL_PRESTART off, each lane starts on first use."""
    runtime.configure(pool_settings(app.config))
    if app.config["RENDER_POOL_PRESTART"]:
        app.before_request(_start_pool)


def _start_pool() -> None:
    if not runtime.is_running():
        runtime.pool()


def start_for_celery_worker(app: Flask) -> None:
    """A Celery pool process renders jobs one at a time: one warm job worker of its own."""
    runtime.configure(pool_settings(app.config, celery_worker=True))
    runtime.pool()


def health() -> dict[str, Any]:
    """The pool of this process: workers per lane, and down when workers cannot be started."""
    print_output = printready.missing_tool() or "ok"
    if not runtime.is_running():
        return {"status": "ok", "started": False, "print_output": print_output}
    stats = runtime.pool().stats()
    check: dict[str, Any] = {
        "status": "down" if stats["start_error"] else "ok",
        "started": True,
        "workers": {
            lane: {"size": numbers["size"], "idle": numbers["idle"], "busy": numbers["busy"]}
            for lane, numbers in stats["lanes"].items()
        },
        "replaced": stats["replaced"],
        "print_output": print_output,
    }
    if stats["start_error"]:
        check["error"] = stats["start_error"]
    return check


# Limits ------------------------------------------------------------------------------------------


# Each kind of task's limits, as configuration keys: CPU, wall clock, memory, output bytes.
_LIMIT_KEYS = {
    "preview": (
        "RENDER_PREVIEW_CPU_SECONDS",
        "RENDER_PREVIEW_WALL_SECONDS",
        "RENDER_PREVIEW_MEMORY_BYTES",
        "RENDER_PREVIEW_MEMORY_BYTES",
    ),
    "template_check": (
        "TEMPLATE_CHECK_CPU_SECONDS",
        "TEMPLATE_CHECK_WALL_SECONDS",
        "BADGE_RENDER_MEMORY_BYTES",
        "RENDER_PREVIEW_MEMORY_BYTES",
    ),
    "job": (
        "BADGE_RENDER_CPU_SECONDS",
        "BADGE_RENDER_WALL_SECONDS",
        "BADGE_RENDER_MEMORY_BYTES",
        "BADGE_RENDER_OUTPUT_BYTES",
    ),
}


def limits_for(kind: str) -> RenderLimits:
    """The configured limits of a preview, an uploaded template's check, or a job."""
    config = current_app.config
    cpu, wall, memory, output = (config[key] for key in _LIMIT_KEYS[kind])
    return RenderLimits(
        cpu_seconds=cpu,
        wall_seconds=wall,
        memory_bytes=memory,
        output_bytes=output,
        max_pixels=config["RENDER_MAX_PIXELS"],
    )


# Errors ------------------------------------------------------------------------------------------


def refused(error: RenderInputError) -> AppError:
    """The engine's refusal as an HTTP problem.

    Past a limit while drawing (CPU, wall clock, memory: location "render") the input is too
    complex to draw, a 422 `template_too_complex`; past a size limit of the input or the output
    (bytes, pixels), a 413 `limit_exceeded`; any other refusal a 422 naming where.
    """
    location = error.location or "body"
    if isinstance(error, LimitExceededError) and location == "render":
        return ValidationError(
            {location: [error.message]},
            detail=f"The template is too complex to draw within the renderer's limits: {error.message}.",
            code="template_too_complex",
        )
    if isinstance(error, LimitExceededError):
        return PayloadTooLargeError(
            f"{location}: {error.message}", code="limit_exceeded", errors={location: [error.message]}
        )
    return ValidationError({location: [error.message]}, detail=f"{location}: {error.message}")


def template_refused(error: RenderInputError) -> ValidationError:
    """The engine's refusal of an uploaded template, as a 422 on its `file` field (its `back` part
    when the back side was refused)."""
    part = "back" if error.location == "back" else "file"
    if isinstance(error, LimitExceededError):
        return ValidationError(
            {part: [_sentence(error.message)]},
            detail=f"The SVG is over a limit of the badge renderer: {error.message}.",
            code="template_too_complex",
        )
    return ValidationError(
        {part: [_sentence(error.message)]},
        detail=f"The SVG cannot be used as a badge template: {error.message}.",
        code="invalid_template",
    )


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def run_task(
    function: Callable[..., Any],
    *args: Any,
    limits: RenderLimits,
    user: str | None,
    lane: str = INTERACTIVE,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Any:
    """Run a task in the pool. A user with too many renders waiting is a 429, a saturated pool a
    503 (both with Retry-After); the engine's refusals (RenderInputError) propagate."""
    try:
        return runtime.pool().run(
            function,
            *args,
            limits=limits,
            lane=lane,
            user=user,
            on_progress=on_progress,
            on_wait=on_wait,
        )
    except RenderBusyError as busy:
        raise TooManyRequestsError(
            f"You have too many renders waiting ({busy}); try again in a moment.",
            code="too_many_renders",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    except RenderQueueTimeout as timeout:
        raise ServiceUnavailableError(
            f"The renderer is busy: {timeout}.",
            code="renderer_busy",
            headers={"Retry-After": str(timeout.retry_after)},
        ) from None


def render_for_request(
    function: Callable[..., Any], *args: Any, limits: RenderLimits, user: str | None
) -> Any:
    """A render a request waits for: refusals become 4xx problems, an unforeseen failure a 422."""
    try:
        return run_task(function, *args, limits=limits, user=user)
    except RenderInputError as error:
        raise refused(error) from None
    except RenderFailedError:
        # The worker failed in a way the engine did not foresee, on this input; the traceback is
        # for the log only.
        log.warning("A render task failed", exc_info=True)
        raise ValidationError(
            {"render": ["The badge renderer cannot draw this."]},
            detail="The badge renderer cannot draw this input.",
            code="render_failed",
        ) from None


# The renders -------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def built_in_facts(template_id: str) -> dict[str, Any]:
    """Size and fields of a built-in template, from a worker (once per web process)."""
    facts: dict[str, Any] = run_task(
        tasks.template_facts, TemplateSource(built_in=template_id), limits=RenderLimits(), user="service"
    )
    return facts


def check_template(svg: bytes, *, user: str, back: bytes | None = None) -> dict[str, Any]:
    """Compile an uploaded SVG (and its back side) in a worker; its size and fields. A refusal is a
    422 on `file` (or on `back`)."""
    try:
        facts: dict[str, Any] = run_task(
            tasks.check_template,
            svg,
            current_app.config["RENDER_MAX_PIXELS"],
            back,
            limits=limits_for("template_check"),
            user=user,
        )
    except RenderInputError as error:
        raise template_refused(error) from None
    except RenderFailedError:
        # The worker failed in a way the engine did not foresee; the traceback is for the log only.
        log.warning("The renderer failed on an uploaded template", exc_info=True)
        raise ValidationError(
            {"file": ["The badge renderer cannot draw this SVG."]}, code="invalid_template"
        ) from None
    return facts


PRINT_RETRY_AFTER_SECONDS = 3600


def require_print_tool(spec: BadgeSpec) -> None:
    """Print output needs Ghostscript: without it a request for one is a 503 naming it, at once."""
    if spec.options.output != "print":
        return
    reason = printready.missing_tool()
    if reason is not None:
        raise ServiceUnavailableError(
            f"Print output (options.output: print) cannot be made now: {reason}.",
            code="print_unavailable",
            # The contract's 503s all say when to try again; an install takes an administrator.
            headers={"Retry-After": str(PRINT_RETRY_AFTER_SECONDS)},
        )


def check_badges(spec: BadgeSpec, *, user: str) -> dict[str, Any]:
    """What a job would be refused for, checked in a worker (options, columns, background, photos)."""
    require_print_tool(spec)
    # Reading every photo of a large archive takes longer than a preview may: a template check's time.
    kind = "template_check" if spec.photos is not None else "preview"
    facts: dict[str, Any] = render_for_request(tasks.check_badges, spec, limits=limits_for(kind), user=user)
    return facts


def preview_badge(
    spec: BadgeSpec,
    row: Mapping[str, str],
    *,
    row_number: int,
    dpi: float,
    output: str,
    user: str,
    side: str = "front",
    trim_line: bool = False,
) -> tasks.PreviewOutput:
    """One badge (PNG or PDF) and its findings; `row_number` names it as the organiser does."""
    if output == "pdf":
        require_print_tool(spec)
    preview: tasks.PreviewOutput = render_for_request(
        # The pool passes positional arguments only; a partial of a module-level function pickles.
        partial(tasks.preview_badge, row_number=row_number, side=side, trim_line=trim_line),
        spec,
        dict(row),
        dpi,
        output,
        current_app.config["RENDER_MAX_PIXELS"],
        limits=limits_for("preview"),
        user=user,
    )
    return preview


def sample_preview(source: TemplateSource, *, user: str) -> bytes:
    data: bytes = render_for_request(
        tasks.sample_preview,
        source,
        current_app.config["RENDER_MAX_PIXELS"],
        limits=limits_for("preview"),
        user=user,
    )
    return data


def font_sample(
    text: str, *, family: str, weight: int, italic: bool, size: float, fonts: Mapping[str, bytes], user: str
) -> bytes:
    data: bytes = render_for_request(
        tasks.font_sample,
        text,
        family,
        weight,
        italic,
        size,
        dict(fonts),
        current_app.config["RENDER_MAX_PIXELS"],
        limits=limits_for("preview"),
        user=user,
    )
    return data


def render_job(
    task: RenderTask,
    *,
    user: str,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> RenderSummary:
    """A badge job in a worker of the batch lane. Raises RenderInputError (LimitExceededError)."""
    summary: RenderSummary = run_task(
        tasks.render_job,
        task,
        limits=limits_for("job"),
        user=user,
        lane=BATCH,
        on_progress=on_progress,
        on_wait=on_wait,
    )
    return summary
