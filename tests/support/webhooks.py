"""A real webhook receiver on loopback, and helpers to register webhooks over HTTP.

The receiver is a small threaded http.server: it keeps every request (headers and body), answers
with the status, body and delay a test sets, and checks signatures with the Standard Webhooks
specification's own library, not with the service's code.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

LOOPBACK = "127.0.0.0/8"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> Any:
        """The JSON body, if the signature verifies with `secret` (else the library raises)."""
        return Verifier(secret).verify(self.body, self.headers)

    def verifies_with(self, secret: str) -> bool:
        try:
            self.verified(secret)
        except WebhookVerificationError:
            return False
        return True


class Receiver:
    """Answers `status` with `body` after `delay` seconds; `location` adds a Location header."""

    def __init__(self, port: int = 0, *, status: int = 204, body: bytes = b"", delay: float = 0.0) -> None:
        self.status, self.body, self.delay = status, body, delay
        self.location: str | None = None
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver.arrived.notify_all()
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/badges"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} webhook requests arrived")
            return list(self.received)


def register(client, headers, url: str, events=("job.succeeded", "job.failed", "job.cancelled"), **extra):
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": list(events), **extra}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliveries(client, headers, webhook_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]
