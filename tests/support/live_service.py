"""The service as a user runs it: `manage.py run` on a free loopback port, its own instance folder
and storage, migrated, with a verified administrator. For tests that drive it from another
process (schemathesis, a generated client)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
# Limits high enough that a test's own pace never meets them.
RELAXED_LIMITS = {
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_REGISTER": "100000/minute",
    "RATELIMIT_LOGIN": "100000/minute",
    "RATELIMIT_MAIL": "100000/minute",
    "RATELIMIT_PREVIEW": "100000/minute",
    "MAIL_BUDGET_PER_HOUR": "100000",
}
# Settings of the test's own environment that must not leak into the service.
NOT_INHERITED = ("APP_ENV", "CELERY_BROKER_URL", "DATABASE_URL", "MAIL_SERVER", "SCHEMATHESIS_HOOKS")


def service_environment(folder: Path, settings: Mapping[str, str] = {}) -> dict[str, str]:
    env = {
        **{name: value for name, value in os.environ.items() if name not in NOT_INHERITED},
        "INSTANCE_PATH": str(folder / "instance"),
        "STORAGE_DIR": str(folder / "storage"),
        "PYTHONPATH": str(ROOT),
        **RELAXED_LIMITS,
    }
    env.update(settings)
    return env


def wait_until_listening(
    port: int, server: subprocess.Popen[bytes], log_path: Path, timeout: float = 60
) -> None:
    """Until the server takes connections on the loopback port; its log is the message if it
    exits or does not listen in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)


@contextmanager
def running_service(env: Mapping[str, str], log_path: Path, *, admin: tuple[str, str]) -> Iterator[str]:
    """Migrate, create the administrator (email, password), serve; yields the API's base URL."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    email, password = admin
    subprocess.run(
        [*manage, "users", "create-admin", email, "--password", password],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*manage, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, server, log_path)
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.terminate()
        server.wait(30)
