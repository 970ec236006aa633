"""A database that goes away and comes back: 503 with Retry-After meanwhile, and no restart needed.

The app talks to the real PostgreSQL through a TCP relay on loopback that this test owns. Cutting
the relay drops every open connection mid-session and refuses new ones, as a database restart or
a network partition does; restoring it on the same port is the database coming back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask

from api.core.db import Database
from tests.factories import UserFactory
from tests.support.accounts import bearer, login
from tests.support.environment import make_test_app

pytestmark = [pytest.mark.postgres, pytest.mark.live]


class Relay:
    """Forwards loopback connections on `port` to the database server; can be cut and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and drop every open one (the peer sees a reset)."""
        if self.listener is not None:
            # close() alone would not wake the thread blocked in accept(); shutdown() does.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            server = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed_app(postgres_databases) -> Iterator[tuple[Flask, Relay]]:
    url = postgres_databases.create("lost")
    parts = urlsplit(url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay.start()
    netloc = f"{parts.username}@127.0.0.1:{relay.port}" if parts.username else f"127.0.0.1:{relay.port}"
    app = make_test_app(urlunsplit(parts._replace(netloc=netloc)), JOBS_RUNNER="thread")
    from alembic import command

    from api.cli import alembic_config

    with app.app_context():
        command.upgrade(alembic_config(), "head")
    yield app, relay
    # The thread runner's periodic sweeps would go on after the test, against a relay that is gone.
    app.extensions["jobs"].shutdown()
    relay.cut()
    Database.state(app).engine.dispose()


def test_a_lost_database_is_a_503_and_the_service_recovers_without_a_restart(relayed_app):
    app, relay = relayed_app
    with app.app_context():
        user = UserFactory(verified=True)
        from api.extensions import db

        db.session.commit()
        email = user.email
    client = app.test_client()
    headers = bearer(login(client, email)["access_token"])
    event = {
        "name": "Summit",
        "starts_at": "2026-03-10T09:00:00+00:00",
        "ends_at": "2026-03-11T09:00:00+00:00",
    }
    assert client.post("/api/v1/events", json=event, headers=headers).status_code == 201

    relay.cut()  # the pool's connections die under it, and new ones are refused
    during = [
        client.get("/api/v1/events", headers=headers),
        client.post("/api/v1/events", json={**event, "name": "Lost"}, headers=headers),
    ]
    health = client.get("/api/v1/health")
    relay.start()
    after = client.get("/api/v1/events", headers=headers)

    for response in during:
        assert response.status_code == 503, response.get_data()
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "database_unavailable"
        assert int(response.headers["Retry-After"]) > 0
    assert health.status_code == 503
    assert health.get_json()["checks"]["database"]["status"] == "down"
    # Back without a restart: the pool notices its dead connections and opens new ones.
    assert after.status_code == 200
    assert [item["name"] for item in after.get_json()["items"]] == ["Summit"]  # the failed write left nothing
    assert client.post("/api/v1/events", json=event, headers=headers).status_code == 201
