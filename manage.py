#!/usr/bin/env python
"""Command line: `python manage.py run | db | users | mail | routes | shell`."""

import click
from flask.cli import FlaskGroup

from api.app import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Badge service management commands."""


if __name__ == "__main__":
    cli()
