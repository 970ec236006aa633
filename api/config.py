"""Configuration read from the environment.

Development needs nothing set: SQLite in the instance folder, in-process jobs, mail to the log.
Production refuses to start with the development secret.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEVELOPMENT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 (refused in production)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The most attendees a job may be configured to take (check_config refuses more).
BADGE_JOB_MAX_ROWS_LIMIT = 100_000


class Config:
    """Defaults shared by every environment; each value can be overridden by the environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET)
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or SECRET_KEY
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=_env_int("JWT_ACCESS_TOKEN_EXPIRES", 900))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(seconds=_env_int("JWT_REFRESH_TOKEN_EXPIRES", 30 * 86400))
    JWT_ERROR_MESSAGE_KEY = "detail"

    # None means SQLite in the instance folder (resolved by create_app).
    DATABASE_URL = os.environ.get("DATABASE_URL")
    SQL_ECHO = _env_bool("SQL_ECHO", False)
    # Connections each process keeps to PostgreSQL (more may open briefly under load).
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 5)

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    JSON_BODY_MAX_BYTES = _env_int("JSON_BODY_MAX_BYTES", 1024 * 1024)
    PER_PAGE_DEFAULT = 20
    PER_PAGE_MAX = 100

    # How many reverse proxies stand in front (X-Forwarded-For/-Proto/-Host are trusted from that
    # many hops); rate limits and Link URLs need the client's address and the public host.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    CORS_ORIGINS = _env_list("CORS_ORIGINS", "http://localhost:4200,http://127.0.0.1:4200")
    CORS_ALLOW_CREDENTIALS = _env_bool("CORS_ALLOW_CREDENTIALS", False)

    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = [
        "application/json",
        "application/problem+json",
        "application/yaml",
        "text/html",
        "text/plain",
        "text/css",
        "application/javascript",
    ]

    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Off: Flask-Limiter would put Retry-After on every answer; errors.py sets it on 429s only.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "10/hour;3/minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "20/hour;5/minute")
    RATELIMIT_MAIL = os.environ.get("RATELIMIT_MAIL", "10/hour;3/minute")
    # Previews render synchronously while the user types: generous, but bounded per client.
    RATELIMIT_PREVIEW = os.environ.get("RATELIMIT_PREVIEW", "240/minute")

    # Flask-Mail's own names. No MAIL_SERVER: messages are written to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Badges <no-reply@badges.localhost>")
    # Flask-Mail suppresses sending when TESTING; here only an unset MAIL_SERVER means "log instead".
    MAIL_SUPPRESS_SEND = False
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))
    OUTBOX_SENDING_LEASE_SECONDS = _env_int("OUTBOX_SENDING_LEASE_SECONDS", 300)
    OUTBOX_SWEEP_INTERVAL = float(os.environ.get("OUTBOX_SWEEP_INTERVAL", "30"))

    FRONTEND_URL = os.environ.get("FRONTEND_URL", "http://localhost:4200").rstrip("/")
    EMAIL_VERIFY_MAX_AGE = _env_int("EMAIL_VERIFY_MAX_AGE", 3 * 86400)
    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)
    PASSWORD_MIN_LENGTH = 10

    # Badge jobs. Job inputs and PDFs live under STORAGE_DIR (default: instance/storage).
    STORAGE_DIR = os.environ.get("STORAGE_DIR") or None
    # s3://bucket/prefix: job files in S3-compatible object storage instead (api.core.object_storage),
    # so API and workers on several machines share no disk; STORAGE_DIR then only holds this
    # machine's scratch files. Endpoint, region and credentials: boto3's AWS_* variables.
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    # Files larger than this are uploaded and downloaded in parts of this size (at least 5 MiB).
    STORAGE_MULTIPART_THRESHOLD = _env_int("STORAGE_MULTIPART_THRESHOLD", 64 * 1024**2)
    # With object storage: a download link answers with a redirect to a presigned URL of the object
    # (valid STORAGE_PRESIGNED_SECONDS) instead of streaming it through the API. The API's signed
    # link stays the public one; the store's endpoint must then be reachable by the clients.
    STORAGE_PRESIGNED_DOWNLOADS = _env_bool("STORAGE_PRESIGNED_DOWNLOADS", False)
    STORAGE_PRESIGNED_SECONDS = _env_int("STORAGE_PRESIGNED_SECONDS", 300)
    # Public address of this API (scheme, host and any path it is mounted under): every link the
    # API hands out (Location, Link, preview and download URLs, links in mails) starts with it.
    # Unset, answers use the address the request came to, and mails sent by workers, which have no
    # request, `make run`'s address; production requires it.
    PUBLIC_API_URL = os.environ.get("PUBLIC_API_URL", "").rstrip("/")
    BADGE_TEMPLATES_MAX_PER_USER = _env_int("BADGE_TEMPLATES_MAX_PER_USER", 100)
    # Attendees per job: at most BADGE_JOB_MAX_ROWS_LIMIT (100,000), what the render limits below
    # and the per-badge memory are sized for. The byte limits fit a realistic 100,000-row list
    # (name, organization, role, email, ticket: 10.3 MB as CSV, 17.0 MB as UTF-8 JSON, 19.4 MB
    # as JSON with \u escapes; tests/benchmarks/bench_jobs.py --big). A job's request body may
    # be as large as the list and a background together (above MAX_CONTENT_LENGTH: that limit
    # holds for every other request).
    BADGE_JOB_MAX_ROWS = _env_int("BADGE_JOB_MAX_ROWS", BADGE_JOB_MAX_ROWS_LIMIT)
    BADGE_JOB_CSV_MAX_BYTES = _env_int("BADGE_JOB_CSV_MAX_BYTES", 16 * 1024 * 1024)
    BADGE_JOB_JSON_MAX_BYTES = _env_int("BADGE_JOB_JSON_MAX_BYTES", 24 * 1024 * 1024)
    BADGE_BACKGROUND_MAX_BYTES = _env_int("BADGE_BACKGROUND_MAX_BYTES", 10 * 1024 * 1024)
    # A job's ZIP of attendee photos (api/render/photo_archive.py): its size, its files, each
    # photo's bytes and pixels, all photos uncompressed, and how far one file may compress (no photo
    # compresses 100:1; a ZIP bomb does). The defaults take 1,000 phone photos of about 200 KB.
    BADGE_PHOTOS_MAX_BYTES = _env_int("BADGE_PHOTOS_MAX_BYTES", 256 * 1024**2)
    BADGE_PHOTOS_MAX_FILES = _env_int("BADGE_PHOTOS_MAX_FILES", 10_000)
    BADGE_PHOTO_MAX_BYTES = _env_int("BADGE_PHOTO_MAX_BYTES", 10 * 1024**2)
    BADGE_PHOTO_MAX_PIXELS = _env_int("BADGE_PHOTO_MAX_PIXELS", 40_000_000)
    BADGE_PHOTOS_MAX_TOTAL_BYTES = _env_int("BADGE_PHOTOS_MAX_TOTAL_BYTES", 1024**3)
    BADGE_PHOTOS_MAX_RATIO = float(os.environ.get("BADGE_PHOTOS_MAX_RATIO", "100"))
    BADGE_JOBS_MAX_QUEUED_PER_USER = _env_int("BADGE_JOBS_MAX_QUEUED_PER_USER", 5)
    BADGE_JOBS_MAX_RUNNING_PER_USER = _env_int("BADGE_JOBS_MAX_RUNNING_PER_USER", 2)
    BADGE_JOB_MAX_ATTEMPTS = _env_int("BADGE_JOB_MAX_ATTEMPTS", 3)
    # A running job's worker touches its row every JOB_HEARTBEAT_SECONDS; silence for
    # JOB_HEARTBEAT_TIMEOUT means the worker died, and the sweep re-queues or fails the job.
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "5"))
    JOB_HEARTBEAT_TIMEOUT = float(os.environ.get("JOB_HEARTBEAT_TIMEOUT", "60"))
    # A queued job untouched this long is queued again (a lost message, or deferred for the
    # per-user running limit); a duplicate message is harmless, the claim is conditional.
    JOB_REQUEUE_AFTER = float(os.environ.get("JOB_REQUEUE_AFTER", "30"))
    JOBS_SWEEP_INTERVAL = float(os.environ.get("JOBS_SWEEP_INTERVAL", "15"))
    # One job's render, sized for BADGE_JOB_MAX_ROWS_LIMIT badges: unique realistic names take
    # about 1.5 ms of CPU a badge on classic, 2.7 ms with a vCard QR code (2-core machine, 2026-12),
    # so 100,000 badges with QR codes take about 270 s; the limits leave three times that, and the
    # wall clock more again for a busy machine. The worker stays near 200 MB whatever the size
    # (rows packed, findings compact); the PDF is 1.4 to 3 KB a badge, so 100,000 is under 300 MB.
    BADGE_RENDER_CPU_SECONDS = _env_int("BADGE_RENDER_CPU_SECONDS", 900)
    BADGE_RENDER_MEMORY_BYTES = _env_int("BADGE_RENDER_MEMORY_BYTES", 2 * 1024**3)
    BADGE_RENDER_WALL_SECONDS = float(os.environ.get("BADGE_RENDER_WALL_SECONDS", "1200"))
    BADGE_RENDER_OUTPUT_BYTES = _env_int("BADGE_RENDER_OUTPUT_BYTES", 1024**3)
    # Processes one job renders in side by side (api/render/parallel.py), each with the limits
    # above; 0: every CPU the render worker may use. Lists under 2,000 badges stay in one.
    BADGE_RENDER_PROCESSES = _env_int("BADGE_RENDER_PROCESSES", 0)

    # The render runtime (api.render.pool): warm worker processes do every drawing and decoding.
    # RENDER_WORKERS serve previews and checks; RENDER_JOB_WORKERS (unset: JOBS_THREADS with the
    # thread runner, else 1) serve jobs, so a long job never takes a preview's worker.
    RENDER_WORKERS = _env_int("RENDER_WORKERS", 2)
    RENDER_JOB_WORKERS = _env_int("RENDER_JOB_WORKERS", 0) or None
    RENDER_POOL_PRESTART = _env_bool("RENDER_POOL_PRESTART", True)
    # A worker is replaced after this many tasks, or when its memory passes the mark after a task.
    RENDER_WORKER_MAX_TASKS = _env_int("RENDER_WORKER_MAX_TASKS", 500)
    RENDER_WORKER_MAX_RSS_BYTES = _env_int("RENDER_WORKER_MAX_RSS_BYTES", 1024**3)
    # Compiled uploaded templates each worker keeps, bounded by the memory they hold.
    RENDER_TEMPLATE_CACHE_BYTES = _env_int("RENDER_TEMPLATE_CACHE_BYTES", 256 * 1024**2)
    # Fairness: preview workers one user may hold at once (0: all but one), renders one user may
    # have waiting (more: 429), and how long a render waits for a worker (then 503).
    RENDER_USER_CONCURRENCY = _env_int("RENDER_USER_CONCURRENCY", 0)
    RENDER_USER_QUEUE = _env_int("RENDER_USER_QUEUE", 16)
    RENDER_QUEUE_TIMEOUT = float(os.environ.get("RENDER_QUEUE_TIMEOUT", "15"))
    # Limits of one preview (badge, template or font) and of one uploaded template's check.
    RENDER_PREVIEW_CPU_SECONDS = float(os.environ.get("RENDER_PREVIEW_CPU_SECONDS", "5"))
    RENDER_PREVIEW_WALL_SECONDS = float(os.environ.get("RENDER_PREVIEW_WALL_SECONDS", "10"))
    RENDER_PREVIEW_MEMORY_BYTES = _env_int("RENDER_PREVIEW_MEMORY_BYTES", 1024**3)
    # Pixels of any one raster a render draws (300 dpi on A3 is 17.4 million).
    RENDER_MAX_PIXELS = _env_int("RENDER_MAX_PIXELS", 25_000_000)
    TEMPLATE_CHECK_CPU_SECONDS = float(os.environ.get("TEMPLATE_CHECK_CPU_SECONDS", "20"))
    TEMPLATE_CHECK_WALL_SECONDS = float(os.environ.get("TEMPLATE_CHECK_WALL_SECONDS", "40"))
    # Generated files are kept this long after the job finishes, then the sweep deletes them.
    BADGE_FILE_RETENTION_SECONDS = _env_int("BADGE_FILE_RETENTION_SECONDS", 7 * 86400)
    DOWNLOAD_LINK_MAX_AGE = _env_int("DOWNLOAD_LINK_MAX_AGE", 7 * 86400)
    # The live build log (GET /badge-jobs/{id}/log-stream): how long the signed URL an EventSource
    # opens stays valid (checked when the stream opens, not while it runs), how often an open
    # stream looks for new lines, how long it may stay silent before a heartbeat comment, and how
    # long one connection lasts at most (0: until the job ends; the browser then reconnects with
    # Last-Event-ID).
    LOG_STREAM_LINK_MAX_AGE = _env_int("LOG_STREAM_LINK_MAX_AGE", 600)
    LOG_STREAM_POLL_SECONDS = float(os.environ.get("LOG_STREAM_POLL_SECONDS", "0.5"))
    LOG_STREAM_HEARTBEAT_SECONDS = float(os.environ.get("LOG_STREAM_HEARTBEAT_SECONDS", "15"))
    LOG_STREAM_MAX_SECONDS = float(os.environ.get("LOG_STREAM_MAX_SECONDS", "0"))
    MAIL_ATTACHMENT_MAX_BYTES = _env_int("MAIL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
    # Argon2id cost; tests lower it, production keeps the library's recommended defaults.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 65536)

    # "celery", "thread" or "manual". Unset: "celery" when CELERY_BROKER_URL is set, else "thread"
    # (in-process, so `make run` needs no broker). Resolved by api.jobs.runner_kind at start-up.
    JOBS_RUNNER = os.environ.get("JOBS_RUNNER") or None
    JOBS_THREADS = _env_int("JOBS_THREADS", 2)
    # The Celery broker: redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672// .
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
    # The queue the web processes publish to and `manage.py worker` consumes; give deployments (or
    # test runs) that share one broker different names so they never take each other's jobs.
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "badges")
    # Per-job limits enforced by the worker: the soft one raises in the job so it can clean up,
    # the hard one kills the worker process a minute later if the job ignores it.
    # Above BADGE_RENDER_WALL_SECONDS: a job's render is stopped by its own limit first.
    JOBS_SOFT_TIME_LIMIT = _env_int("JOBS_SOFT_TIME_LIMIT", 1500)
    JOBS_TIME_LIMIT = _env_int("JOBS_TIME_LIMIT", 1560)
    # Worker processes `manage.py worker` starts when --concurrency is not given.
    JOBS_CONCURRENCY = _env_int("JOBS_CONCURRENCY", 2)
    # Retries of a job that hit a transient database error (OperationalError), with backoff.
    JOBS_DB_RETRIES = _env_int("JOBS_DB_RETRIES", 3)
    # Seconds one attempt to reach the broker may take (connect and socket timeout); `enqueue` and
    # health() make at most JOBS_PUBLISH_RETRIES more attempts before giving up, so a request never
    # waits long on a dead broker.
    JOBS_BROKER_TIMEOUT = float(os.environ.get("JOBS_BROKER_TIMEOUT", "2"))
    JOBS_PUBLISH_RETRIES = _env_int("JOBS_PUBLISH_RETRIES", 2)
    # Seconds a transaction on SQLite waits for another's write lock before the request answers
    # 503 with Retry-After; well under gunicorn's --timeout, so a busy database never kills workers.
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "5"))
    # Free space under STORAGE_DIR below which /health reports storage as down (jobs still run
    # until the disk is really full; then they fail, and requests that store input answer 503).
    STORAGE_MIN_FREE_BYTES = _env_int("STORAGE_MIN_FREE_BYTES", 64 * 1024**2)
    # Partial writes and job folders with no job row older than this are deleted by the sweep.
    STORAGE_LEFTOVER_SECONDS = _env_int("STORAGE_LEFTOVER_SECONDS", 3600)
    # Mails one account may be sent per hour (job results, verification resends, password resets);
    # past it the mail is skipped and logged, and the request answers as it always does.
    MAIL_BUDGET_PER_HOUR = _env_int("MAIL_BUDGET_PER_HOUR", 20)

    # Webhooks (api/webhooks). Target addresses that are private, loopback, link-local, multicast,
    # reserved or unspecified are refused unless one of these comma-separated CIDRs admits them
    # (a receiver inside the deployment's own network; the tests' 127.0.0.0/8).
    WEBHOOK_ALLOWED_NETWORKS = os.environ.get("WEBHOOK_ALLOWED_NETWORKS", "")
    WEBHOOKS_MAX_PER_USER = _env_int("WEBHOOKS_MAX_PER_USER", 10)
    # One attempt: connecting may take WEBHOOK_CONNECT_TIMEOUT seconds, the whole exchange
    # (connect, send, the receiver's answer) WEBHOOK_TIMEOUT; a receiver that hangs fails the attempt.
    WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "3"))
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    # Attempts per event and receiver; the n-th retry waits WEBHOOK_BACKOFF_SECONDS * 2^(n-1).
    WEBHOOK_MAX_ATTEMPTS = _env_int("WEBHOOK_MAX_ATTEMPTS", 8)
    WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("WEBHOOK_BACKOFF_SECONDS", "30"))
    WEBHOOK_SENDING_LEASE_SECONDS = _env_int("WEBHOOK_SENDING_LEASE_SECONDS", 120)
    WEBHOOK_SWEEP_INTERVAL = float(os.environ.get("WEBHOOK_SWEEP_INTERVAL", "30"))
    # Delivered and failed deliveries are kept this long for the owner to look at, then deleted.
    WEBHOOK_DELIVERY_RETENTION_SECONDS = _env_int("WEBHOOK_DELIVERY_RETENTION_SECONDS", 30 * 86400)
    # After a rotation the old secret still signs (a second signature) this long, so a receiver
    # can switch to the new one without dropping events.
    WEBHOOK_SECRET_OVERLAP_SECONDS = _env_int("WEBHOOK_SECRET_OVERLAP_SECONDS", 86400)


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production-0123456789"  # noqa: S105
    JWT_SECRET_KEY = SECRET_KEY
    # Limits stay on, high enough not to interfere; the rate-limit tests lower them per test.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_REGISTER = RATELIMIT_LOGIN = RATELIMIT_MAIL = RATELIMIT_PREVIEW = "10000/minute"
    MAIL_SERVER = None
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    JOBS_RUNNER = "manual"
    OUTBOX_SWEEP_INTERVAL = 0.0
    WEBHOOK_SWEEP_INTERVAL = 0.0
    CORS_ORIGINS = ["https://app.example.org"]


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


class ConfigError(RuntimeError):
    """The configuration cannot be used (for example a default secret in production)."""


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """WEBHOOK_ALLOWED_NETWORKS: comma-separated CIDRs (`10.0.0.0/8, fd00::/8`).

    A ValueError names the first that is not a network."""
    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip()))
        except ValueError as error:
            raise ValueError(f"{item.strip()!r} is not a network in CIDR form ({error})") from None
    return networks


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse settings that are unsafe outside development."""
    if config.get("ENV_NAME") == "production":
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            value = config.get(key) or ""
            if value == DEVELOPMENT_SECRET or len(value) < 32:
                raise ConfigError(f"{key} must be set to a random value of at least 32 characters")
        if "localhost" in config.get("FRONTEND_URL", "") or "127.0.0.1" in config.get("FRONTEND_URL", ""):
            raise ConfigError(
                "FRONTEND_URL must be the public address of the web app (mail links point there)"
            )
        if not config.get("PUBLIC_API_URL", "").startswith(("https://", "http://")):
            raise ConfigError(
                "PUBLIC_API_URL must be the public address of this API (links in answers and mails)"
            )
    if config.get("CORS_ALLOW_CREDENTIALS") and "*" in config.get("CORS_ORIGINS", []):
        raise ConfigError("CORS_ORIGINS cannot be '*' when CORS_ALLOW_CREDENTIALS is on")
    rows = config.get("BADGE_JOB_MAX_ROWS", BADGE_JOB_MAX_ROWS_LIMIT)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= BADGE_JOB_MAX_ROWS_LIMIT:
        raise ConfigError(
            f"BADGE_JOB_MAX_ROWS must be a whole number from 1 to {BADGE_JOB_MAX_ROWS_LIMIT:,}"
            " (what the render limits and the job's memory are sized for)"
        )
    processes = config.get("BADGE_RENDER_PROCESSES", 0)
    if isinstance(processes, bool) or not isinstance(processes, int) or not 0 <= processes <= 64:
        raise ConfigError("BADGE_RENDER_PROCESSES must be a whole number from 0 (every usable CPU) to 64")
    try:
        parse_networks(str(config.get("WEBHOOK_ALLOWED_NETWORKS") or ""))
    except ValueError as error:
        raise ConfigError(f"WEBHOOK_ALLOWED_NETWORKS: {error}") from None
