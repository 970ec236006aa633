"""Each operation of the contract, read from its handler's docstring.

A handler's docstring is prose for whoever reads the code, then a line `---` and the operation
as OpenAPI YAML (summary, operationId, parameters, requestBody, responses), naming bodies by
their component schema. A Resource class's docstring may carry the path's shared `parameters`
the same way. Routes come from the app's URL map, so a route cannot go undocumented: a handler
without its YAML stops the generation.
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
            if operation is None:
                raise UndocumentedRoute(
                    f"{method.upper()} {template} ({handler.__qualname__}) has no --- YAML"
                )
            item[method] = operation
    yield from items.items()
