"""The health answer's shape. api/meta/resources.py and api/rendering.py build it by hand, each
check as it applies; this schema describes it for the contract."""

from __future__ import annotations

from marshmallow import Schema, fields

UP_OR_DOWN = {"enum": ["ok", "down"]}


class DatabaseCheckSchema(Schema):
    class Meta:
        maybe_absent = ("latency_ms", "error")

    status = fields.String(metadata=UP_OR_DOWN)
    latency_ms = fields.Float()
    error = fields.String()


class JobsCheckSchema(Schema):
    class Meta:
        description = (
            "The job runner (`thread`, `celery` or `manual`); under Celery the broker is pinged."
            " `queued` and `running` count badge jobs.\n"
        )
        maybe_absent = ("queued", "running", "error")

    status = fields.String(metadata=UP_OR_DOWN)
    runner = fields.String()
    queued = fields.Integer()
    running = fields.Integer()
    error = fields.String()


class StorageCheckSchema(Schema):
    class Meta:
        description = (
            "Generated files' storage; down when not writable or under STORAGE_MIN_FREE_BYTES free"
            " free, with the reason in error. With object storage (STORAGE_URL), the bucket"
            " instead of free_bytes: down when the bucket does not answer."
        )
        maybe_absent = ("free_bytes", "bucket", "error")

    status = fields.String(metadata=UP_OR_DOWN)
    free_bytes = fields.Integer(
        metadata={"description": "Free bytes in STORAGE_DIR (a local directory only)."}
    )
    bucket = fields.String(metadata={"description": "The bucket of STORAGE_URL (object storage only)."})
    error = fields.String()


class LaneSchema(Schema):
    size = fields.Integer()
    idle = fields.Integer()
    busy = fields.Integer()


class RenderCheckSchema(Schema):
    class Meta:
        description = (
            "This process's render workers, per lane (`interactive`: previews and checks;"
            " `batch`: jobs); down when workers cannot be started (`error` says why). `started`"
            " is false until the pool is first used, where RENDER_POOL_PRESTART is off.\n"
        )
        maybe_absent = ("workers", "replaced", "error")

    status = fields.String(metadata=UP_OR_DOWN)
    started = fields.Boolean()
    workers = fields.Dict(keys=fields.String(), values=fields.Nested(LaneSchema))
    replaced = fields.Integer(
        metadata={"description": "Workers replaced after a limit, a crash or retirement."}
    )
    error = fields.String()
    print_output = fields.String(
        metadata={
            "description": "`ok` when `options.output: print` can be made here (Ghostscript and its "
            "CMYK profile are installed), else why not; it does not make the service down."
        }
    )


class ChecksSchema(Schema):
    database = fields.Nested(DatabaseCheckSchema)
    jobs = fields.Nested(JobsCheckSchema)
    storage = fields.Nested(StorageCheckSchema)
    render = fields.Nested(RenderCheckSchema)


class HealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "unavailable"]})
    checks = fields.Nested(ChecksSchema)
