"""The application factory: config -> extensions -> API blueprint -> errors -> CLI."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.config import CONFIGS, check_config
from api.core.storage import init_storage
from api.cross_origin import init_cors
from api.errors import register_error_handlers, register_jwt_loaders
from api.extensions import compress, db, jobs, jwt, limiter, mail
from api.http import add_security_headers


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=_instance_path())
    env_name = (config or {}).get("ENV_NAME") or os.environ.get("APP_ENV", "development")
    app.config.from_object(CONFIGS[env_name])
    app.config.update(config or {})
    _default_database(app)
    check_config(app.config)
    _configure_logging()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    init_extensions(app)
    from api.routes import register_routes

    register_routes(app)
    register_error_handlers(app, limiter)
    app.after_request(add_security_headers)
    _plain_server_header()

    from api.cli import register_cli

    register_cli(app)
    return app


def _instance_path() -> str:
    return os.environ.get("INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")


def _plain_server_header() -> None:
    """`manage.py run`'s development server says `Server: Werkzeug/x.y Python/x.y`, before and
    besides any Server header the app sets; make it say only what it is. (gunicorn says `gunicorn`
    without a version, and adds its own Server to any the app sets, so the app sets none.)"""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_NAME  # type: ignore[method-assign]  # noqa: ARG005


SERVER_NAME = "badges"


def _default_database(app: Flask) -> None:
    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'badges.db'}"


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO on every start; migrations themselves still log.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_extensions(app: Flask) -> None:
    from api.auth.tokens import register_token_callbacks
    from api.registry import register_tasks_and_listeners

    db.init_app(app)
    jwt.init_app(app)
    register_jwt_loaders(jwt)
    register_token_callbacks(jwt)
    mail.init_app(app)
    init_cors(app)
    compress.init_app(app)
    limiter.init_app(app)
    register_tasks_and_listeners()
    jobs.init_app(app)
    init_storage(app)
    # After the job runner: the pool's job lane is sized by it.
    from api import rendering

    rendering.init_app(app)
