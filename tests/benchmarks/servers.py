"""The servers the benchmarks measure, each a separate process started as a user starts it.

- `embedded_server`: the embedded default of `make run` (SQLite in a fresh instance folder,
  in-process jobs), migrated with `manage.py db upgrade` and served by `manage.py run` (or by
  `flask --app FACTORY run`, the same command on another app factory).
- `gunicorn_server`: gunicorn with the Dockerfile's own flags, bound to 127.0.0.1 and a free port,
  APP_ENV=production, on a throw-away PostgreSQL database dropped afterwards.

Both yield the base URL and the environment the server runs with (for `manage.py` commands).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PYTHON = sys.executable
PASSWORD = "benchmark-password-123"
# What the benchmarks do not measure but would trip over: many logins in a minute, and a client
# previewing as fast as it can.
RELAXED_RATE_LIMITS = {"RATELIMIT_LOGIN": "10000/minute", "RATELIMIT_PREVIEW": "100000/minute"}
# Settings of the shell that would make the server something other than what is measured.
_UNSET = ("DATABASE_URL", "APP_ENV", "CELERY_BROKER_URL", "JOBS_RUNNER", "STORAGE_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    # Always http://127.0.0.1: a server these scripts started.
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def manage(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def sign_in(repo: Path, base: str, env: dict[str, str]) -> str:
    """A new account made with the CLI (so it is verified), logged in over HTTP: its access token."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    created = manage(repo, env, "users", "create-admin", email, "--name", "Bench", "--password", PASSWORD)
    assert created.startswith("Created administrator"), created
    status, body = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(json.loads(body)["access_token"])


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {log}")
        try:
            if call(base, "GET", "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not answer within 90 s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _environment(repo: Path, folder: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "INSTANCE_PATH": str(folder), "PYTHONPATH": str(repo), **extra}
    for key in _UNSET:
        if key not in extra:
            env.pop(key, None)
    return env


@contextlib.contextmanager
def embedded_server(
    repo: Path, folder: Path, *, factory: str | None = None, extra: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    env = _environment(repo, folder / "instance", extra or {})
    manage(repo, env, "db", "upgrade")
    port = free_port()
    if factory is None:
        command = [PYTHON, "manage.py", "run"]
    else:
        command = [PYTHON, "-m", "flask", "--app", factory, "run"]
    log = folder / "embedded.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=repo,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server, log)
        yield base, env
    finally:
        stop(server)


def gunicorn_workers(repo: Path) -> int:
    return int(re.search(r"--workers (\d+)", _dockerfile_flags(repo)).group(1))  # type: ignore[union-attr]


def _dockerfile_flags(repo: Path) -> str:
    flags = re.search(
        r"exec gunicorn (.*?) 'api\.asgi:create_app\(threads=\d+\)'", (repo / "Dockerfile").read_text()
    )
    assert flags, "the Dockerfile's gunicorn command changed; update tests/benchmarks/servers.py"
    return flags.group(1)


@contextlib.contextmanager
def gunicorn_server(
    repo: Path,
    folder: Path,
    postgres_url: str,
    *,
    factory: str = "api.asgi:create_app(threads=4)",
    extra: dict[str, str] | None = None,
) -> Iterator[tuple[str, dict[str, str]]]:
    import psycopg2

    name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    production = {
        "DATABASE_URL": postgres_url.rsplit("/", 1)[0] + f"/{name}",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "FRONTEND_URL": "https://badges.example.org",
        "PUBLIC_API_URL": "https://api.badges.example.org",
        "CORS_ORIGINS": "https://badges.example.org",
    }
    env = _environment(repo, folder / "gunicorn-instance", {**production, **(extra or {})})
    port = free_port()
    log = folder / "gunicorn.log"
    server = None
    try:
        manage(repo, env, "db", "upgrade")
        options = _dockerfile_flags(repo).replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}").split()
        command = [str(Path(PYTHON).with_name("gunicorn")), *options, factory]
        with log.open("wb") as output:
            server = subprocess.Popen(command, cwd=repo, env=env, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server, log)
        yield base, env
    finally:
        if server is not None:
            stop(server)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
