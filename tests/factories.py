"""factory-boy factories, one per model; rows are flushed into the test's transaction, never committed.

A row that belongs to another takes it as a parameter (`EventFactory(owner=user)`), or makes one.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import factory
from factory.alchemy import SQLAlchemyModelFactory

from api.auth.models import AuthSession
from api.badge_templates.models import BadgeTemplate
from api.badges.models import BadgeJob, BadgeJobLog
from api.core.db import utcnow
from api.core.security import hash_password
from api.events.models import Event
from api.extensions import db
from api.fonts.models import Font
from api.mail.models import OutboundEmail
from api.tickets.models import Ticket
from api.users.models import User
from api.webhooks.models import Webhook, WebhookDelivery
from api.webhooks.sending import new_secret

DEFAULT_PASSWORD = "correct horse battery"

# A real face, so a Font row can be registered and drawn like an upload.
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

TEMPLATE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">'
    b'<text x="52.5" y="70" text-anchor="middle" font-size="10">{{name}}</text></svg>'
)


class Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Factory):
    class Meta:
        model = User

    class Params:
        verified = factory.Trait(email_verified_at=factory.LazyFunction(utcnow))
        admin = factory.Trait(is_admin=True, email_verified_at=factory.LazyFunction(utcnow))

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password_hash = factory.LazyFunction(lambda: hash_password(DEFAULT_PASSWORD))
    is_admin = False
    email_verified_at = None


class AuthSessionFactory(Factory):
    class Meta:
        model = AuthSession

    class Params:
        user = factory.SubFactory(UserFactory, verified=True)

    user_id = factory.SelfAttribute("user.id")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=1))


class EventFactory(Factory):
    class Meta:
        model = Event

    class Params:
        owner = factory.SubFactory(UserFactory, verified=True)

    owner_id = factory.SelfAttribute("owner.id")
    name = factory.Sequence(lambda n: f"Summit {n}")
    starts_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(days=2))


class TicketFactory(Factory):
    class Meta:
        model = Ticket

    class Params:
        event = factory.SubFactory(EventFactory)

    event_id = factory.SelfAttribute("event.id")
    name = factory.Sequence(lambda n: f"Ticket {n}")
    type = "paid"
    price = Decimal("10.00")
    # Positions are unique per event; a sequence keeps them so however the tickets are shared out.
    position = factory.Sequence(lambda n: n)


class BadgeTemplateFactory(Factory):
    class Meta:
        model = BadgeTemplate

    class Params:
        owner = factory.SubFactory(UserFactory, verified=True)

    owner_id = factory.SelfAttribute("owner.id")
    name = factory.Sequence(lambda n: f"Template {n}")
    svg = TEMPLATE_SVG
    sha256 = factory.LazyAttribute(lambda template: hashlib.sha256(template.svg).hexdigest())
    width = 105 * 72 / 25.4
    height = 148 * 72 / 25.4
    fields = factory.LazyFunction(lambda: [{"name": "name"}])


class FontFactory(Factory):
    class Meta:
        model = Font

    class Params:
        owner = factory.SubFactory(UserFactory, verified=True)

    owner_id = factory.SelfAttribute("owner.id")
    family = "DejaVu Sans"
    style = "Book"
    weight = 400
    internal_family = factory.Sequence(lambda n: f"BadgesUpload-test{n}")
    format = "ttf"
    # (owner, sha256) is unique, and every row holds the same face: the digest is per row.
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"font {n}".encode()).hexdigest())
    data = factory.LazyFunction(DEJAVU_SANS.read_bytes)
    size = factory.LazyAttribute(lambda font: len(font.data))
    scripts = factory.LazyFunction(lambda: ["Latin"])


class BadgeJobFactory(Factory):
    class Meta:
        model = BadgeJob

    class Params:
        owner = factory.SubFactory(UserFactory, verified=True)

    owner_id = factory.SelfAttribute("owner.id")
    name = factory.Sequence(lambda n: f"Job {n}")
    options = factory.LazyFunction(lambda: {"sheet": "a4-2x2"})
    template_ref = "classic"


class BadgeJobLogFactory(Factory):
    class Meta:
        model = BadgeJobLog

    class Params:
        job = factory.SubFactory(BadgeJobFactory)

    job_id = factory.SelfAttribute("job.id")
    seq = factory.Sequence(lambda n: n + 1)
    type = "INFO"
    message = "Rendering"


class OutboundEmailFactory(Factory):
    class Meta:
        model = OutboundEmail

    message_id = factory.Sequence(lambda n: f"<test-{n}@badges.example.org>")
    template = "verify_email"
    to_address = factory.Sequence(lambda n: f"user{n}@example.org")
    subject = "Confirm your email address"
    text_body = "Hello"


class WebhookFactory(Factory):
    class Meta:
        model = Webhook

    class Params:
        owner = factory.SubFactory(UserFactory, verified=True)

    owner_id = factory.SelfAttribute("owner.id")
    url = factory.Sequence(lambda n: f"https://hooks.example.org/badges/{n}")
    events = factory.LazyFunction(lambda: ["job.succeeded", "job.failed", "job.cancelled"])
    secret = factory.LazyFunction(new_secret)


class WebhookDeliveryFactory(Factory):
    class Meta:
        model = WebhookDelivery

    class Params:
        webhook = factory.SubFactory(WebhookFactory)

    webhook_id = factory.SelfAttribute("webhook.id")
    event_id = factory.Sequence(lambda n: f"msg_test{n}")
    event_type = "job.succeeded"
    payload = '{"type":"job.succeeded","timestamp":"2026-12-02T07:30:00+00:00","data":{}}'
