"""openapi.yaml is generated (api/openapi): the committed file is what the code says, and a route
without its operation stops the generation."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask_restx import Resource

from api.cli import OPENAPI_PATH, openapi
from api.http import Api
from api.openapi import build_spec, spec_yaml
from api.openapi.paths import UndocumentedRoute, api_paths


def test_the_committed_openapi_yaml_is_the_generated_one(app):
    committed = OPENAPI_PATH.read_text(encoding="utf-8")

    assert committed == spec_yaml(build_spec(app)), (
        "openapi.yaml differs from what the schemas and the handlers' docstrings say:"
        " run `python manage.py openapi` and commit the file"
    )


def test_the_command_writes_the_generated_document(app, tmp_path: Path):
    target = tmp_path / "openapi.yaml"

    result = app.test_cli_runner().invoke(openapi, ["--output", str(target)])

    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == spec_yaml(build_spec(app))


def test_answers_require_every_field_and_allow_no_other(app):
    schemas = build_spec(app)["components"]["schemas"]

    user = schemas["User"]
    assert sorted(user["required"]) == sorted(user["properties"])
    assert user["additionalProperties"] is False
    # A request body requires what its schema requires.
    assert schemas["UserUpdate"].get("required") is None


def undocumented_app() -> Flask:
    app = Flask(__name__)
    app.config.update(PER_PAGE_MAX=100, PER_PAGE_DEFAULT=20, PASSWORD_MIN_LENGTH=10)
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
    api = Api(blueprint, doc=False, add_specs=False)  # the app's own Api: no Swagger 2 routes

    @api.route("/things")
    class Things(Resource):
        def get(self) -> dict[str, str]:
            """List the things, with no operation after a --- line."""
            return {}

    app.register_blueprint(blueprint)
    return app


def test_a_handler_without_its_operation_stops_the_generation():
    app = undocumented_app()

    with pytest.raises(UndocumentedRoute, match=r"GET /things \(.*Things\.get\) has no --- YAML"):
        list(api_paths(app, "/api/v1"))
    with pytest.raises(UndocumentedRoute):
        build_spec(app)
