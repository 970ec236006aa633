"""A Python client generated from openapi.yaml keeps every operation and every answer.

openapi-python-client (a generator third-party scripts use) leaves out what it cannot read and
says so with a warning: an operation with an unsupported body, a response with an unknown media
type. With docs/clients/openapi-python-client.yaml, the settings the README gives, it must
warn about nothing and write one module per operation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
