"""An event created over HTTP, as the tests of events, tickets and badge jobs need one."""

from __future__ import annotations

EVENT = {
    "name": "FOSSASIA Summit 2026",
    "starts_at": "2026-03-10T09:00:00+08:00",
    "ends_at": "2026-03-12T18:00:00+08:00",
    "timezone": "Asia/Singapore",
    "currency": "SGD",
    "location": "Lifelong Learning Institute",
}


def create_event(client, headers, **extra):
    response = client.post("/api/v1/events", json={**EVENT, **extra}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
