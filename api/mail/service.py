"""The mail outbox: write a row in the caller's transaction, deliver it after commit, retry on failure.

Delivery claims a row with one conditional UPDATE (pending/failed -> sending), so two workers or
a worker and the sweep can never both send it. A row left in `sending` by a dead worker is
returned to `failed` after a lease and retried: that edge is at-least-once, and the stable
Message-ID lets the receiving server recognise the duplicate.
"""

from __future__ import annotations

import logging
import re
import smtplib
import unicodedata
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_mail import Connection, Message
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.orm import Session

from api.core.db import on_commit, utcnow
from api.core.storage import StorageError, storage
from api.extensions import db, jobs
from api.jobs import JobsUnavailableError
from api.mail.models import DUE_STATUSES, EmailStatus, OutboundEmail

log = logging.getLogger(__name__)

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

# User-chosen text (a job's name) in a subject: at most this many characters, in quotes.
SUBJECT_TEXT_MAX = 60
SUBJECT_MAX = 255  # the outbox column
_NOT_IN_A_LINE = {"Cc", "Cf", "Zl", "Zp"}


def _one_line(value: object) -> str:
    """Control, format (bidi overrides, zero-width) and line/paragraph separators become spaces."""
    text = "".join(" " if unicodedata.category(char) in _NOT_IN_A_LINE else char for char in str(value))
    return re.sub(r"\s+", " ", text).strip()


def quote_for_subject(value: object) -> str:
    """User text in a subject: one line, bounded, and quoted, so it reads as a name and cannot
    pose as the service's own words (or add headers)."""
    text = _one_line(value).replace('"', "'")
    if len(text) > SUBJECT_TEXT_MAX:
        text = text[: SUBJECT_TEXT_MAX - 1].rstrip() + "\u2026"
    return f'"{text}"'


_templates.filters["quote_for_subject"] = quote_for_subject


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render `<template>.txt` and `.html`; the subject is `{% set subject %}` in the text template."""
    text_module = _templates.get_template(f"{template}.txt").make_module(context)
    html = _templates.get_template(f"{template}.html").render(context)
    # `subject` is set by the template itself with {% set %}.
    subject = _one_line(text_module.subject)  # type: ignore[attr-defined]
    return subject[:SUBJECT_MAX], str(text_module), html


def mails_since(session: Session, *, address: str, since: datetime) -> int:
    """Messages queued to `address` since `since` (the per-account mail budget counts these)."""
    count = session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(OutboundEmail.to_address == address, OutboundEmail.created_at >= since)
    )
    return int(count or 0)


def new_message_id() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "badges.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_email(
    session: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    connection: DbConnection | None = None,
    attachment_key: str | None = None,
    attachment_name: str | None = None,
) -> uuid.UUID:
    """Write an outbox row in the current transaction and deliver it once that transaction commits.

    `connection` is for ORM event hooks, which run inside a flush and must write on its connection.
    `attachment_key` names a stored file (a PDF) read when the message is sent.
    """
    subject, text, html = render_email(template, context)
    email_id = uuid.uuid4()
    now = utcnow()
    (connection or session.connection()).execute(
        insert(OutboundEmail).values(
            id=email_id,
            message_id=new_message_id(),
            template=template,
            to_address=to,
            subject=subject,
            text_body=text,
            html_body=html,
            status=EmailStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
            attachment_key=attachment_key,
            attachment_name=attachment_name,
        )
    )
    on_commit(session, lambda: _enqueue_delivery(email_id))
    return email_id


def _enqueue_delivery(email_id: uuid.UUID) -> None:
    try:
        jobs.enqueue("mail.deliver", email_id=str(email_id))
    except JobsUnavailableError:
        # The row is stored as pending: the outbox sweep delivers it once the broker answers.
        log.warning("Mail %s is queued but the broker is unreachable; the sweep will send it", email_id)


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a silent server cannot hold a worker."""

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        # Read the settings now rather than from Flask-Mail's copy taken at init_app.
        config = current_app.config
        server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if config["MAIL_USE_SSL"]:
            host = smtplib.SMTP_SSL(server, port, timeout=timeout)
        else:
            host = smtplib.SMTP(server, port, timeout=timeout)
        if config["MAIL_USE_TLS"]:
            host.starttls()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host


def _send(email: OutboundEmail) -> None:
    message = Message(
        subject=email.subject,
        recipients=[email.to_address],
        body=email.text_body,
        html=email.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = email.message_id
    if email.attachment_key:
        try:
            data = storage().read_bytes(email.attachment_key)
        except StorageError:
            # Deleted since (cancelled, or past retention): the message still carries its link.
            log.warning(
                "Attachment %s of mail %s is gone; sending without it", email.attachment_key, email.id
            )
        else:
            name = email.attachment_name or "attachment.pdf"
            kind = "application/zip" if name.endswith(".zip") else "application/pdf"
            message.attach(name, kind, data)
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "Mail not sent (MAIL_SERVER is not set); it would have been:\n"
            "To: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
            email.to_address,
            email.subject,
            email.message_id,
            email.text_body,
        )
        return
    with TimeoutConnection(current_app.extensions["mail"]) as connection:
        connection.send(message)


def _claim(email_id: uuid.UUID) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.status.in_(DUE_STATUSES),
            OutboundEmail.next_attempt_at <= now,
            OutboundEmail.attempts < current_app.config["OUTBOX_MAX_ATTEMPTS"],
        )
        .values(status=EmailStatus.SENDING, attempts=OutboundEmail.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    base = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400))


def deliver_email(email_id: str) -> bool:
    """Send one outbox row if it is due and nobody else holds it; True when it was sent now."""
    row_id = uuid.UUID(email_id)
    if not _claim(row_id):
        return False
    email = db.session.get(OutboundEmail, row_id, populate_existing=True)
    assert email is not None
    # No transaction stays open while the SMTP server is talked to (on SQLite it would hold the
    # database's write lock for as long as the server takes).
    db.session.commit()
    try:
        _send(email)
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        email.status = EmailStatus.FAILED
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        email.next_attempt_at = utcnow() + backoff(email.attempts)
        db.session.commit()
        log.warning(
            "Mail %s to %s failed (attempt %d): %s", email.id, email.to_address, email.attempts, error
        )
        return False
    email.status = EmailStatus.SENT
    email.sent_at = utcnow()
    email.last_error = None
    db.session.commit()
    return True


def sweep_outbox(limit: int = 100) -> int:
    """Retry due rows and recover rows a dead worker left in `sending`; return how many were sent."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_SENDING_LEASE_SECONDS"])
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.status == EmailStatus.SENDING, OutboundEmail.updated_at < now - lease)
        .values(status=EmailStatus.FAILED, last_error="Delivery was interrupted; retrying.", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    due = db.session.scalars(
        select(OutboundEmail.id)
        .where(
            OutboundEmail.status.in_(DUE_STATUSES),
            OutboundEmail.next_attempt_at <= now,
            OutboundEmail.attempts < current_app.config["OUTBOX_MAX_ATTEMPTS"],
        )
        .order_by(OutboundEmail.next_attempt_at)
        .limit(limit)
    ).all()
    return sum(deliver_email(str(email_id)) for email_id in due)
