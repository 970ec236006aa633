"""Public views show no user ids: a public event and its tickets, read without a token, by another
user or by the owner, never contain the id of any user (the owner's id was in every event)."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.support.accounts import bearer, login

EVENT = {"name": "Open day", "starts_at": "2026-03-10T09:00:00Z", "ends_at": "2026-03-10T18:00:00Z"}


@pytest.fixture
def public_event(client, auth_headers):
    event = client.post("/api/v1/events", json={**EVENT, "is_public": True}, headers=auth_headers).get_json()
    tickets = client.post(
        f"/api/v1/events/{event['id']}/tickets",
        json=[{"name": "Regular"}, {"name": "Crew", "is_hidden": True}],
        headers=auth_headers,
    ).get_json()
    return event["id"], tickets[0]["id"]


def test_no_view_of_an_event_or_its_tickets_shows_a_user_id(client, auth_headers, user, public_event):
    event_id, ticket_id = public_event
    stranger = UserFactory(verified=True)
    callers = {
        "anonymous": {},
        "another user": bearer(login(client, stranger.email)["access_token"]),
        "the owner": auth_headers,
    }
    urls = [
        f"/api/v1/events/{event_id}",
        f"/api/v1/events/{event_id}/tickets",
        f"/api/v1/events/{event_id}/tickets/{ticket_id}",
        "/api/v1/events",
    ]
    user_ids = {form for someone in (user, stranger) for form in (str(someone.id), someone.id.hex)}

    for caller, headers in callers.items():
        for url in urls:
            if url == "/api/v1/events" and not headers:
                continue  # the list is the caller's own: it needs a token
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (caller, url)
            text = response.get_data(as_text=True)
            assert not [uid for uid in user_ids if uid in text], (caller, url, text)
            assert "owner" not in text, (caller, url, text)
            assert "user_id" not in text, (caller, url, text)
