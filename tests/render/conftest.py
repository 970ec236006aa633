"""Fixtures of the render engine's tests: the sample data, no database, a listener that counts connections."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

# The sample attendee lists (copied from the design folder, so a clone is self-contained).
SHARED_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), SHARED_DATA
    return SHARED_DATA


@pytest.fixture(autouse=True)
def transaction() -> None:
    """The engine has no database: skip the suite-wide per-test transaction (and its app)."""
    return None


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()
