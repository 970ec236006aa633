"""factory-boy factories; rows are flushed into the test's transaction, never committed."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from api.core.db import utcnow
from api.core.security import hash_password
from api.extensions import db
from api.users.models import User

DEFAULT_PASSWORD = "correct horse battery"


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    class Params:
        verified = factory.Trait(email_verified_at=factory.LazyFunction(utcnow))
        admin = factory.Trait(is_admin=True, email_verified_at=factory.LazyFunction(utcnow))

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password_hash = factory.LazyFunction(lambda: hash_password(DEFAULT_PASSWORD))
    is_admin = False
    email_verified_at = None
