"""Each operation of the contract, read from its handler's docstring.

A handler's docstring is prose for whoever reads the code, then a line `---` and the operation
as OpenAPI YAML (summary, operationId, parameters, requestBody, responses), naming bodies by
their component schema. A Resource class's docstring may carry the path's shared `parameters`
the same way. Routes come from the app's URL map, so a route cannot go undocumented: a handler
without its YAML stops the generation.

Shared parameters and responses are named, not spelled as references: `- Page` for
`$ref: '#/components/parameters/Page'`, `'404': NotFound` for the response. And what every
operation of a kind answers is added here rather than written in each docstring, because the
code behind it is shared too:
- every operation may answer `default`, the problem shape (api/errors.py);
- one that needs a token (bearerAuth or refreshToken, not optional) may answer 401 Unauthorized;
- one with a JSON body may answer 400 (not JSON), 413 (too large), 415 (not application/json)
  and 422 (fields), from api/http.py's body loading.
A docstring that gives one of these statuses itself (login's 401 InvalidCredentials) keeps it.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import yaml
from flask import Flask

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
_SEPARATOR = re.compile(r"^\s*---\s*$", re.M)


class UndocumentedRoute(RuntimeError):
    """A handler has no `---` YAML in its docstring."""


def operation_yaml(target: Any) -> dict[str, Any] | None:
    """The YAML after `---` in `target`'s docstring, or None when there is none."""
    doc = inspect.getdoc(target) or ""
    parts = _SEPARATOR.split(doc, maxsplit=1)
    if len(parts) < 2:
        return None
    loaded = yaml.safe_load(textwrap.dedent(parts[1]))
    if not isinstance(loaded, dict):
        raise UndocumentedRoute(f"{target.__qualname__}: the YAML after --- is not a mapping")
    return loaded


_TOKEN_SCHEMES = {"bearerAuth", "refreshToken"}
_JSON_BODY_RESPONSES = {
    "400": "BadRequest",
    "413": "PayloadTooLarge",
    "415": "UnsupportedMediaType",
    "422": "ValidationFailed",
}


def with_conventions(operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with shared responses named by component and the conventional ones added."""
    responses = {
        str(status): {"$ref": f"#/components/responses/{answer}"} if isinstance(answer, str) else answer
        for status, answer in operation.get("responses", {}).items()
    }
    added: dict[str, str] = {}
    requirements = operation.get("security")
    if requirements and all(set(requirement) & _TOKEN_SCHEMES for requirement in requirements):
        added["401"] = "Unauthorized"
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        added.update(_JSON_BODY_RESPONSES)
    for status, name in added.items():
        responses.setdefault(status, {"$ref": f"#/components/responses/{name}"})
    responses.setdefault("default", {"$ref": "#/components/responses/Error"})
    return {**operation, "responses": dict(sorted(responses.items(), key=_status_order))}


def _status_order(item: tuple[str, Any]) -> tuple[int, str]:
    return (1, "") if item[0] == "default" else (0, item[0])


def api_paths(app: Flask, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path template, path item) for every route under `prefix`, in URL-map order."""
    items: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        if view_class is None:
            continue
        template = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(prefix))
        item = items.setdefault(template, {})
        shared = operation_yaml(view_class)
        if shared:
            item.update(shared)
        for method in HTTP_METHODS:
            if method.upper() not in (rule.methods or ()):
                continue
            handler = inspect.unwrap(getattr(view_class, method))
            operation = operation_yaml(handler)
            if operation is not None:
                operation = with_conventions(operation)
            if operation is None:
                raise UndocumentedRoute(
                    f"{method.upper()} {template} ({handler.__qualname__}) has no --- YAML"
                )
            item[method] = operation
    yield from items.items()
