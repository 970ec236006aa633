"""CLI commands mounted on the app (manage.py runs them): db, users, mail, worker, openapi."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from api.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"


def alembic_config(database_url: str | None = None) -> AlembicConfig:
    config = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url or current_app.config["DATABASE_URL"]
    return config


@click.group("db", help="Database migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    command.downgrade(alembic_config(), revision)


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    command.current(alembic_config(), verbose=True)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration file, compared against the models by default."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command("check")
def db_check() -> None:
    """Fail when the models have changes no migration covers."""
    command.check(alembic_config())


@click.group("users", help="Account administration.")
def users_group() -> None:
    pass


@users_group.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name for a new account.")
@click.option("--password", default=None, help="Password for a new account (prompted when omitted).")
def create_admin(email: str, name: str | None, password: str | None) -> None:
    """Make EMAIL an administrator, creating a verified account when it does not exist."""
    from api.errors import AppError
    from api.users.service import find_user_by_email, make_admin

    if find_user_by_email(db.session(), email) is None and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = make_admin(db.session(), email=email, password=password, name=name)
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.detail} {error.errors or ''}") from None
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} administrator {user.email} ({user.id})")


@click.group("mail", help="The outgoing mail queue.")
def mail_group() -> None:
    pass


@mail_group.command("sweep")
def mail_sweep() -> None:
    """Deliver every due message in the outbox now."""
    from api.mail.service import sweep_outbox

    click.echo(f"Sent {sweep_outbox()} message(s).")


@click.command("worker")
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Jobs run at once, one worker process each (default: JOBS_CONCURRENCY).",
)
@click.option(
    "--beat/--no-beat",
    default=True,
    show_default=True,
    help="Also run the periodic jobs (Celery beat, embedded). Keep it on exactly one worker: "
    "start any extra workers with --no-beat so the periodic jobs are not queued once per worker.",
)
@click.option(
    "-l",
    "--loglevel",
    type=click.Choice(["debug", "info", "warning", "error", "critical"], case_sensitive=False),
    default="info",
    show_default=True,
)
def worker(concurrency: int | None, beat: bool, loglevel: str) -> None:
    """Run background jobs from the Celery broker (CELERY_BROKER_URL) until stopped.

    Jobs that `enqueue` publishes run here; so do the periodic ones (such as the mail outbox sweep,
    every OUTBOX_SWEEP_INTERVAL seconds) through the beat embedded in this worker, unless --no-beat.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_RUNNER"] != "celery":
        raise click.ClickException(
            "The worker needs the Celery runner: set CELERY_BROKER_URL (redis://... or amqp://...) "
            f"and leave JOBS_RUNNER unset or 'celery' (it is {app.config['JOBS_RUNNER']!r})."
        )
    from api.jobs.celery_runner import run_worker

    exit_code = run_worker(
        app,
        concurrency=concurrency or app.config["JOBS_CONCURRENCY"],
        beat=beat,
        loglevel=loglevel,
    )
    raise SystemExit(exit_code)


@click.command("openapi")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    default=OPENAPI_PATH,
    show_default=True,
    help="Where to write the document; `-` for standard output.",
)
def openapi(output: Path) -> None:
    """Write openapi.yaml from the marshmallow schemas and the handlers' docstrings.

    Limits that come from configuration are written with this app's values; the committed file
    is written with the defaults (tests/contract/test_openapi_generated.py compares them)."""
    from api.openapi import build_spec, spec_yaml

    text = spec_yaml(build_spec(current_app._get_current_object()))  # type: ignore[attr-defined]
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}.")


def register_cli(app: Flask) -> None:
    from api.render.cli import badges_group

    app.cli.add_command(badges_group)
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(worker)
    app.cli.add_command(openapi)
