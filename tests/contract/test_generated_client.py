"""A Python client generated from openapi.yaml keeps every operation and every answer.

openapi-python-client (a generator third-party scripts use) leaves out what it cannot read and
says so with a warning: an operation with an unsupported body, a response with an unknown media
type. With docs/clients/openapi-python-client.yaml, the settings the README gives, it must
warn about nothing and write one module per operation.
"""

from __future__ import annotations

import importlib
import io
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.live_service import running_service, service_environment

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "docs" / "clients" / "openapi-python-client.yaml"


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if generator is None:
        pytest.fail("openapi-python-client is missing: pip install -r requirements/test.txt")
    output = tmp_path_factory.mktemp("client") / "client"
    result = subprocess.run(
        [generator, "generate", "--path", str(SPEC), "--output-path", str(output), "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result.stdout + result.stderr


def test_the_generator_drops_nothing(generated):
    _, log = generated
    # Its own closing hint about ruff (the formatter it would run) is not a dropped operation.
    problems = [
        line for line in log.splitlines() if line.startswith(("WARNING", "ERROR")) or "omitted" in line
    ]
    assert problems == [], log


def test_every_operation_has_a_function_and_binary_answers_are_bytes(generated):
    output, _ = generated
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    modules = {path.stem for path in (output / "badge_service_client" / "api").rglob("*.py")}
    operations = [
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]

    assert sorted(snake(name) for name in operations if snake(name) not in modules) == []
    download = next((output / "badge_service_client" / "api").rglob("download_badges.py")).read_text()
    # The PDF comes back as the bytes of the answer, not dropped and not parsed as JSON.
    assert re.search(r"File\(\s*payload\s*=\s*BytesIO\(response\.content\)", download)


EMAIL = "generated-client@example.org"
PASSWORD = "generated-client-123"
# The second name is long enough to wrap on the classic badge: a flagged badge, so a proof sheet.
ATTENDEES_CSV = (
    "name,organization,email\n"
    "Ada Lovelace,Analytical Engines,ada@example.org\n"
    "María Fernanda de los Ángeles Castellanos-Villanueva y Rodríguez-Santamaría,UNAM,mf@example.org\n"
)


@pytest.fixture(scope="module")
def client_package(generated: tuple[Path, str]) -> Iterator[Any]:
    """The generated package, imported as a script would after `pip install` of it."""
    output, _ = generated
    sys.path.insert(0, str(output))
    try:
        yield importlib.import_module("badge_service_client")
    finally:
        sys.path.remove(str(output))
        for name in [name for name in sys.modules if name.startswith("badge_service_client")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("service")
    with running_service(service_environment(folder), folder / "server.log", admin=(EMAIL, PASSWORD)) as url:
        yield url


@pytest.mark.live
def test_a_script_with_the_generated_client_runs_a_job_end_to_end(
    client_package: Any, service_url: str
) -> None:
    """Log in, submit a CSV job with typed options, wait, download the PDF and the proof, and
    preview one badge as PNG and as PDF: every call through the generated functions, no
    hand-written request and no workaround for binary answers."""
    from badge_service_client import AuthenticatedClient, Client
    from badge_service_client.api.auth import login
    from badge_service_client.api.badge_jobs import (
        create_badge_job,
        download_badges,
        get_badge_job,
        get_badge_job_proof,
        preview_badge,
    )
    from badge_service_client.models import (
        Attendee,
        BadgeJob,
        BadgeOptions,
        BadgePreviewRequest,
        CreateBadgeJobFilesBody,
        LoginRequest,
        QrOption,
        TokenPair,
    )
    from badge_service_client.types import File

    tokens = login.sync(
        client=Client(base_url=service_url), body=LoginRequest(email=EMAIL, password=PASSWORD)
    )
    assert isinstance(tokens, TokenPair), tokens
    client = AuthenticatedClient(base_url=service_url, token=tokens.access_token, timeout=60)

    options = BadgeOptions(template="classic", name="Generated Client Summit", qr=QrOption(field="email"))
    upload = CreateBadgeJobFilesBody(
        attendees=File(
            payload=io.BytesIO(ATTENDEES_CSV.encode()), file_name="attendees.csv", mime_type="text/csv"
        ),
        options=options,
    )
    job = create_badge_job.sync(client=client, body=upload)
    assert isinstance(job, BadgeJob), job
    deadline = time.monotonic() + 120
    while job.status not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = get_badge_job.sync(job.id, client=client)
        assert isinstance(job, BadgeJob), job
    assert job.status == "succeeded", job.error
    assert job.result.badges == 2
    assert job.options.to_dict()["name"] == "Generated Client Summit"

    pdf = download_badges.sync(job.result.download_token, client=Client(base_url=service_url))
    assert isinstance(pdf, File), pdf
    content = pdf.payload.read()
    assert content.startswith(b"%PDF-")
    assert len(content) == job.result.bytes_

    proof = get_badge_job_proof.sync(job.id, client=client)
    assert isinstance(proof, File), proof
    assert proof.payload.read().startswith(b"%PDF-")

    attendee = Attendee.from_dict(
        {"name": "Grace Hopper", "organization": "Navy", "email": "grace@example.org", "vip": True}
    )
    png = preview_badge.sync(client=client, body=BadgePreviewRequest(attendees=[attendee], options=options))
    assert isinstance(png, File), png
    assert png.payload.read().startswith(b"\x89PNG\r\n\x1a\n")
    one_page = preview_badge.sync(
        client=client,
        body=BadgePreviewRequest.from_dict({"attendees": [attendee.to_dict()], "format": "pdf"}),
    )
    assert isinstance(one_page, File), one_page
    assert one_page.payload.read().startswith(b"%PDF-")
