"""Every background task and ORM listener of the app, registered in one place.

Modules only define these functions; nothing registers itself as a side effect of being imported,
so what can run in the background, and what runs inside a flush, is read here. create_app calls
register_tasks_and_listeners() before the job runner starts.
"""

from __future__ import annotations

from sqlalchemy import event

from api.badges.sweep import sweep_jobs
from api.badges.worker import render_job
from api.jobs import register_task
from api.mail.service import deliver_email, sweep_outbox
from api.users.listeners import queue_verification_on_register
from api.users.models import User
from api.webhooks.outbox import deliver, sweep_deliveries


def register_tasks_and_listeners() -> None:
    """Register the tasks with the job runner seam and the ORM listeners with SQLAlchemy."""
    register_task("badges.render", render_job)
    register_task("badges.sweep", sweep_jobs, every="JOBS_SWEEP_INTERVAL")
    register_task("mail.deliver", deliver_email)
    register_task("mail.sweep", sweep_outbox, every="OUTBOX_SWEEP_INTERVAL")
    register_task("webhooks.deliver", deliver)
    register_task("webhooks.sweep", sweep_deliveries, every="WEBHOOK_SWEEP_INTERVAL")
    # Listeners are global to the mapper, and a process (a test run) creates many apps: once only,
    # or every registration would queue its mail once per app created.
    if not event.contains(User, "after_insert", queue_verification_on_register):
        event.listen(User, "after_insert", queue_verification_on_register)
