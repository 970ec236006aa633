"""The service as a person meets it: `manage.py run` on a real port, the README's curl walk-through
run as written, and the docs page rendered by a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smtp import free_port
from tests.support.environment import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def require_program(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    if IN_CI:
        pytest.fail(f"{name} is not installed and CI=true (make test installs it)")
    pytest.skip(f"{name} is not installed")


@pytest.fixture(scope="module")
def running_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The development server on a free port with its own SQLite instance folder; yields (url, log)."""
    instance = tmp_path_factory.mktemp("instance")
    log_path = instance / "server.log"
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(instance), "APP_ENV": "development", "DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "manage.py", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/health", server)
        yield base, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def readme_walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Walk-through with curl", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_works_as_written(running_service, tmp_path):
    require_program("curl")
    base, log_path = running_service
    script = readme_walkthrough()
    assert "TOKEN='paste-the-token-here'" in script
    # The one step a person does by eye: copy the token from the mail in the server's log.
    script = script.replace("http://127.0.0.1:5000", base).replace(
        "TOKEN='paste-the-token-here'",
        f"for _ in $(seq 100); do grep -q 'verify-email?token=' {log_path} && break; sleep 0.1; done\n"
        f"TOKEN=$(grep -o 'verify-email?token=[^ ]*' {log_path} | tail -1 | cut -d= -f2-)",
    )

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    registered, verified, me, refreshed, logout_status, refused = lines
    assert '"is_verified": false' in registered
    assert "password" not in registered
    assert '"is_verified": true' in verified
    assert '"email": "ada@example.org"' in me
    assert '"token_type": "Bearer"' in refreshed
    assert logout_status == "204"
    assert '"status": 401' in refused
    assert '"code": "token_revoked"' in refused


def test_swagger_ui_renders_the_contract_in_a_browser(running_service, tmp_path):
    """Under the docs page's Content-Security-Policy: Chromium logs every violation to the console,
    and --enable-logging=stderr prints the console."""
    chromium = require_program("chromium")
    base, _ = running_service
    with urllib.request.urlopen(f"{base}/api/v1/docs", timeout=10) as response:  # noqa: S310 (loopback)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"

    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{base}/api/v1/docs",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    dom = result.stdout
    assert "Unable to render this definition" not in dom
    assert "Badge service API" in dom
    for path in ("/auth/login", "/users/me", "/users/verify/resend", "/health"):
        assert f">{path}<" in dom.replace("<wbr>", "").replace("\u200b", ""), path
    violations = [line for line in result.stderr.splitlines() if "Content Security Policy" in line]
    assert not violations, violations


def test_the_server_header_names_no_versions(running_service):
    base, _ = running_service
    with urllib.request.urlopen(f"{base}/api/v1/health", timeout=10) as response:  # noqa: S310 (loopback)
        assert response.headers.get_all("Server") == ["badges"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
