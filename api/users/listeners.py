"""ORM listeners for users (registered in api.registry).

Registration mail is queued from the after_insert hook, as Badgeyay did, but the hook only writes
an outbox row on the flush's own connection: the row commits or rolls back with the user, and
nothing touches SMTP until after commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from api.users.models import User


def queue_verification_on_register(_mapper: Any, connection: Any, user: User) -> None:
    if user.email_verified_at is not None:
        return
    from api.users.service import queue_verification_email

    session = object_session(user)
    assert session is not None
    queue_verification_email(session, user, connection=connection)
