"""Imports every model so that the metadata is complete (Alembic and tests rely on it)."""

from api.auth.models import AuthSession
from api.badge_templates.models import BadgeTemplate
from api.badges.models import BadgeJob, BadgeJobLog
from api.events.models import Event
from api.fonts.models import Font
from api.mail.models import OutboundEmail
from api.tickets.models import Ticket
from api.users.models import User
from api.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "AuthSession",
    "BadgeJob",
    "BadgeJobLog",
    "BadgeTemplate",
    "Event",
    "Font",
    "OutboundEmail",
    "Ticket",
    "User",
    "Webhook",
    "WebhookDelivery",
]
