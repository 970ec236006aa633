"""Checks a response against openapi.yaml: the operation, the status, the media type and the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
SPEC_URI = "urn:badges:openapi"


class ContractError(AssertionError):
    pass


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schemas are JSON Schema but for `nullable`; spell it as JSON Schema does."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        converted["type"] = [node["type"], "null"]
    elif node.get("nullable") is True and "allOf" in node:
        # A nullable reference is spelled `allOf: [$ref]` with `nullable` in OpenAPI 3.0.
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class OpenApiContract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.prefix = spec["servers"][0]["url"].rstrip("/")
        self.registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(as_json_schema(spec), default_specification=DRAFT202012)
        )
        # Literal paths first, so /users/me wins over a future /users/{user_id}.
        self.templates = sorted(
            ((self._path_regex(path), path) for path in spec["paths"]),
            key=lambda item: item[1].count("{"),
        )

    @classmethod
    def load(cls) -> OpenApiContract:
        return cls(yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8")))

    def _path_regex(self, template: str) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.prefix + template))
        return re.compile(f"^{pattern}$")

    def operation(self, path: str, method: str) -> tuple[str, dict[str, Any]] | None:
        for regex, template in self.templates:
            if regex.match(path):
                operation = self.spec["paths"][template].get(method.lower())
                return (template, operation) if operation else None
        return None

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self._pointer(node["$ref"])
        return node

    def _pointer(self, ref: str) -> dict[str, Any]:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validate(self, method: str, path: str, status: int, headers: Any, body: bytes) -> None:
        found = self.operation(path, method)
        if found is None:
            raise ContractError(f"{method} {path} is not in openapi.yaml")
        template, operation = found
        responses = operation["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            raise ContractError(f"{method} {template} answered {status}, which openapi.yaml does not list")
        response = self._deref(responses[key])
        for name in response.get("headers", {}):
            if name not in headers:
                raise ContractError(f"{method} {template} {status}: header {name} is documented but missing")
        content = response.get("content")
        if not content:
            if body:
                raise ContractError(f"{method} {template} {status}: documented without a body but sent one")
            return
        mimetype = (headers.get("Content-Type") or "").split(";")[0].strip()
        if mimetype not in content:
            raise ContractError(f"{method} {template} {status}: {mimetype!r} is not one of {sorted(content)}")
        if not mimetype.endswith("json"):
            return
        pointer = self._schema_pointer(template, method, key, mimetype, responses[key])
        validator = Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry, format_checker=FormatChecker()
        )
        errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
            raise ContractError(f"{method} {template} {status} does not match openapi.yaml: {details}")

    def _schema_pointer(
        self, template: str, method: str, key: str, mimetype: str, node: dict[str, Any]
    ) -> str:
        escaped = mimetype.replace("~", "~0").replace("/", "~1")
        if "$ref" in node:
            return f"{self._deref_pointer(node['$ref'])}/content/{escaped}/schema"
        path = template.replace("~", "~0").replace("/", "~1")
        return f"/paths/{path}/{method.lower()}/responses/{key}/content/{escaped}/schema"

    def _deref_pointer(self, ref: str) -> str:
        pointer = ref.removeprefix("#")
        target = self._pointer(ref)
        return self._deref_pointer(target["$ref"]) if "$ref" in target else pointer
