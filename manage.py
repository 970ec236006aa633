#!/usr/bin/env python
"""Command line: `python manage.py run | db | users | mail | routes | shell | worker | openapi | badges`.

Every command runs on the Flask app (FlaskGroup builds it: configuration, database, extensions)
except `badges`: the render engine needs neither Flask nor a database, so `manage.py badges ...`
is dispatched before anything of the service is imported. Building the app just to reach the
engine cost about 2 s of start-up on every `badges render` (issue 15).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click
    from flask import Flask

LEAN_COMMANDS = ("badges",)


def main(args: list[str] | None = None) -> None:
    """Run the command line on `args` (default: sys.argv[1:]); exits like a click command."""
    args = sys.argv[1:] if args is None else list(args)
    group = lean_cli() if args[:1] and args[0] in LEAN_COMMANDS else app_cli()
    group.main(args)


def lean_cli() -> click.Group:
    """A bare group with the engine's commands: the same names, options and usage lines as under
    the app's group (`Usage: manage.py badges render ...`), without importing Flask."""
    import click

    from api.render.cli import badges_group

    return click.Group(commands=[badges_group])


_app_cli: click.Group | None = None


def app_cli() -> click.Group:
    """The Flask app's group (every command, `badges` included), built on first use."""
    global _app_cli
    if _app_cli is None:
        import click
        from flask.cli import FlaskGroup

        @click.group(cls=FlaskGroup, create_app=_create_app)
        def cli() -> None:
            """Badge service management commands."""

        _app_cli = cli
    return _app_cli


def _create_app() -> Flask:
    from api.app import create_app

    return create_app()


def __getattr__(name: str) -> Any:
    # `from manage import cli` (tests run the worker that way) still gets the app's group.
    if name == "cli":
        return app_cli()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    main()
