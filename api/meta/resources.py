"""About the service itself: health, the OpenAPI contract, and Swagger UI."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import yaml
from flask import Response, current_app, url_for
from sqlalchemy import func, select, text

from api import rendering
from api.badges.models import UNFINISHED_STATUSES, BadgeJob
from api.core.storage import storage
from api.extensions import db, jobs
from api.http import Resource, api, respond

# "meta" names only the endpoints (api.meta_*); the contract still tags these operations "service".
ns = api.namespace("meta", path="/", description="Health and the API contract")

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"


def load_spec() -> dict[str, Any]:
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
        current_app.extensions["openapi_spec"] = spec
    loaded: dict[str, Any] = spec
    return loaded


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "down"; the reason helps an operator
        db.session.rollback()
        return {"status": "down", "error": type(error).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_jobs() -> dict[str, Any]:
    """The runner (a broker ping under Celery) and how many badge jobs wait and run."""
    report = jobs.health()
    check: dict[str, Any] = {
        "status": "ok" if report.get("ok") else "down",
        "runner": report.get("runner", current_app.config["JOBS_RUNNER"]),
    }
    if report.get("reason"):
        check["error"] = str(report["reason"])
    try:
        counts = dict(
            db.session.execute(
                select(BadgeJob.status, func.count())
                .where(BadgeJob.status.in_(UNFINISHED_STATUSES))
                .group_by(BadgeJob.status)
            ).all()
        )
    except Exception:  # the database check reports the cause
        db.session.rollback()
        return check
    for status in UNFINISHED_STATUSES:
        check[status] = int(counts.get(status, 0))
    return check


def check_storage() -> dict[str, Any]:
    report = storage().health(min_free_bytes=current_app.config["STORAGE_MIN_FREE_BYTES"])
    check: dict[str, Any] = {"status": "ok" if report.get("ok") else "down"}
    if "free_bytes" in report:
        check["free_bytes"] = report["free_bytes"]
    if "bucket" in report:
        check["bucket"] = report["bucket"]
    if report.get("reason"):
        check["error"] = str(report["reason"])
    return check


@ns.route("/health")
class Health(Resource):
    def get(self) -> Response:
        """Report whether the database, the job runner (and its broker), file storage and the
        render workers work.

        ---
        tags: [service]
        operationId: getHealth
        summary: Report whether the service and the database answer.
        responses:
          '200':
            description: Everything answers.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Health'}
          '503':
            description: A dependency is down; `checks` says which.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Health'}
        """
        checks = {
            "database": check_database(),
            "jobs": check_jobs(),
            "storage": check_storage(),
            "render": rendering.health(),
        }
        healthy = all(check["status"] == "ok" for check in checks.values())
        return respond(
            {"status": "ok" if healthy else "unavailable", "checks": checks}, 200 if healthy else 503
        )


@ns.route("/openapi.yaml")
class OpenApiYaml(Resource):
    def get(self) -> Response:
        """The API contract as YAML.

        ---
        tags: [service]
        operationId: getOpenApiYaml
        summary: The API contract as YAML.
        responses:
          '200':
            description: This document (a YAML mapping).
            content:
              application/yaml:
                schema: {type: object}
        """
        return Response(SPEC_PATH.read_bytes(), mimetype="application/yaml")


@ns.route("/openapi.json")
class OpenApiJson(Resource):
    def get(self) -> Response:
        """The API contract as JSON.

        ---
        tags: [service]
        operationId: getOpenApiJson
        summary: The API contract as JSON.
        responses:
          '200':
            description: This document.
            content:
              application/json:
                schema: {type: object}
        """
        return Response(json.dumps(load_spec()), mimetype="application/json")


@ns.route("/docs")
class Docs(Resource):
    def get(self) -> Response:
        """Swagger UI for the contract.

        ---
        tags: [service]
        operationId: getDocs
        summary: Swagger UI for the contract.
        responses:
          '200':
            description: An HTML page.
            content:
              text/html:
                schema: {type: string}
        """
        # Swagger UI's files ship with flask-restx, which serves them at /swaggerui: no CDN needed.
        assets = url_for("restx_doc.static", filename="").rstrip("/")
        script = SWAGGER_SCRIPT.replace("{spec_url}", url_for("api.meta_open_api_json"))
        page = SWAGGER_PAGE.replace("{assets}", assets).replace("{script}", script)
        return Response(page, mimetype="text/html", headers={"Content-Security-Policy": docs_policy(script)})


def docs_policy(script: str) -> str:
    """The docs page's Content-Security-Policy: Swagger UI's files and its one inline script (by
    hash), the styles it sets on elements, its data: icons, fetches to this origin only (the
    contract and "Try it out"), and no framing. The other security headers come from
    api.http.add_security_headers, like every response's."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


# validatorUrl null: Swagger UI would otherwise show a badge fetched from validator.swagger.io.
SWAGGER_SCRIPT = """
    window.ui = SwaggerUIBundle(
      {url: "{spec_url}", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null}
    );
  """

SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Badge service API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script>{script}</script>
</body>
</html>
"""
