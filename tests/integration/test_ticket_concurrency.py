"""Concurrent edits of one event's tickets on the real PostgreSQL: the order stays exactly 0..n-1.

24 threads, each request on its own pooled connection, a few hundred mixed operations. Each
change locks the event row, so they serialise; whatever interleaving happens, every answer is a
success or a documented 4xx (a ticket deleted meanwhile is 404, a position past a shrunken list
or a stale permutation is 422), and never a 500.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter

import pytest
from alembic import command
from sqlalchemy import select

from api.cli import alembic_config
from api.core.db import Database
from api.extensions import db
from api.tickets.models import Ticket
from tests.factories import DEFAULT_PASSWORD
from tests.support.environment import make_test_app, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.live]

THREADS = 24
OPERATIONS_PER_THREAD = 15
ALLOWED = {200, 201, 204, 404, 422}


@pytest.fixture
def postgres_app(postgres_databases):
    require_postgres()
    url = postgres_databases.create("concurrency")
    command.upgrade(alembic_config(url), "head")
    app = make_test_app(url, DATABASE_POOL_SIZE=THREADS + 2)
    yield app
    Database.state(app).engine.dispose()


def setup_event(app) -> tuple[dict[str, str], str]:
    client = app.test_client()
    with app.app_context():
        from tests.factories import UserFactory

        user = UserFactory(verified=True)
        db.session.commit()
        email = user.email
    token = client.post("/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    event = client.post(
        "/api/v1/events",
        json={"name": "Race", "starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-02T18:00:00Z"},
        headers=headers,
    ).get_json()
    client.post(
        f"/api/v1/events/{event['id']}/tickets",
        json=[{"name": f"Seed {i}"} for i in range(10)],
        headers=headers,
    )
    return headers, event["id"]


def worker(app, headers, event_id, seed, statuses, lock) -> None:
    client = app.test_client()
    chance = random.Random(seed)
    base = f"/api/v1/events/{event_id}/tickets"
    for _ in range(OPERATIONS_PER_THREAD):
        listing = client.get(base + "?per_page=100", headers=headers).get_json()["items"]
        ids = [ticket["id"] for ticket in listing]
        action = chance.choice(["create", "insert", "bulk", "move", "delete", "reorder"])
        if action == "create":
            response = client.post(base, json={"name": "new"}, headers=headers)
        elif action == "insert":
            response = client.post(
                base, json={"name": "ins", "position": chance.randint(0, len(ids))}, headers=headers
            )
        elif action == "bulk":
            response = client.post(base, json=[{"name": "b1"}, {"name": "b2"}], headers=headers)
        elif action == "move" and ids:
            position = chance.randint(0, len(ids) - 1)
            response = client.patch(
                f"{base}/{chance.choice(ids)}", json={"position": position}, headers=headers
            )
        elif action == "delete" and ids:
            response = client.delete(f"{base}/{chance.choice(ids)}", headers=headers)
        else:
            chance.shuffle(ids)
            response = client.put(f"{base}/order", json={"ticket_ids": ids}, headers=headers)
        with lock:
            statuses[(action, response.status_code)] += 1


def test_concurrent_edits_keep_positions_exact(postgres_app):
    headers, event_id = setup_event(postgres_app)
    statuses: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=worker, args=(postgres_app, headers, event_id, seed, statuses, lock))
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert sum(statuses.values()) == THREADS * OPERATIONS_PER_THREAD
    unexpected = {key: count for key, count in statuses.items() if key[1] not in ALLOWED}
    assert unexpected == {}, statuses
    successes = sum(count for (_, status), count in statuses.items() if status < 300)
    assert successes > THREADS * OPERATIONS_PER_THREAD / 2, statuses
    with postgres_app.app_context():
        positions = sorted(
            db.session.scalars(select(Ticket.position).where(Ticket.event_id == uuid.UUID(event_id)))
        )
    assert positions == list(range(len(positions)))
