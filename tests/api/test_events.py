"""Events: owned by their creator, invisible to others, validated, deleted with their tickets."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from api.extensions import db
from api.tickets.models import Ticket
from tests.support.accounts import other_headers
from tests.support.events import EVENT, create_event


def test_create_returns_the_event_with_a_location(client, auth_headers, user):
    response = client.post("/api/v1/events", json=EVENT, headers=auth_headers)

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/events/{body['id']}")
    assert "owner_id" not in body  # no user ids in events (a public event is read by anybody)
    assert body["is_public"] is False
    assert body["starts_at"] == "2026-03-10T01:00:00+00:00"


def test_events_are_listed_for_their_owner_only(client, auth_headers):
    create_event(client, auth_headers)
    create_event(client, other_headers(client), name="Someone else's")

    listing = client.get("/api/v1/events", headers=auth_headers).get_json()

    assert [event["name"] for event in listing["items"]] == ["FOSSASIA Summit 2026"]
    assert listing["total"] == 1


def test_another_users_event_is_404_for_read_change_and_delete(client, auth_headers):
    event = create_event(client, auth_headers)
    stranger = other_headers(client)
    url = f"/api/v1/events/{event['id']}"

    for response in (
        client.get(url, headers=stranger),
        client.patch(url, json={"name": "Mine now"}, headers=stranger),
        client.delete(url, headers=stranger),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "event_not_found"
    assert client.get(url, headers=auth_headers).get_json()["name"] == "FOSSASIA Summit 2026"


def test_a_malformed_event_id_is_404(client, auth_headers):
    assert client.get("/api/v1/events/not-a-uuid", headers=auth_headers).status_code == 404


def test_patch_changes_fields_and_keeps_the_dates_in_order(client, auth_headers):
    event = create_event(client, auth_headers)
    url = f"/api/v1/events/{event['id']}"

    changed = client.patch(url, json={"is_public": True, "location": "Online"}, headers=auth_headers)
    backwards = client.patch(url, json={"ends_at": "2026-03-01T00:00:00Z"}, headers=auth_headers)

    assert changed.status_code == 200
    assert (changed.get_json()["is_public"], changed.get_json()["location"]) == (True, "Online")
    assert backwards.status_code == 422
    assert "ends_at" in backwards.get_json()["errors"]


def test_invalid_events_are_refused_naming_each_field(client, auth_headers):
    response = client.post(
        "/api/v1/events",
        json={
            **EVENT,
            "ends_at": "2026-03-09T00:00:00+08:00",
            "timezone": "Mars/Olympus",
            "currency": "XYZ",
            "is_public": "yes",
            "owner_id": str(uuid.uuid4()),
        },
        headers=auth_headers,
    )

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"owner_id"}  # read-only fields are refused first
    response = client.post(
        "/api/v1/events",
        json={**EVENT, "ends_at": "2026-03-09T00:00:00+08:00", "timezone": "Mars/Olympus", "currency": "XYZ"},
        headers=auth_headers,
    )
    assert set(response.get_json()["errors"]) == {"ends_at", "timezone", "currency"}


def test_naive_datetimes_and_string_booleans_are_refused(client, auth_headers):
    response = client.post(
        "/api/v1/events",
        json={**EVENT, "starts_at": "2026-03-10T09:00:00", "is_public": "yes"},
        headers=auth_headers,
    )

    assert response.status_code == 422
    assert {"starts_at", "is_public"} <= set(response.get_json()["errors"])


def test_deleting_an_event_deletes_its_tickets(client, auth_headers):
    event = create_event(client, auth_headers)
    client.post(
        f"/api/v1/events/{event['id']}/tickets", json=[{"name": "A"}, {"name": "B"}], headers=auth_headers
    )

    assert client.delete(f"/api/v1/events/{event['id']}", headers=auth_headers).status_code == 204

    assert client.get(f"/api/v1/events/{event['id']}", headers=auth_headers).status_code == 404
    remaining = db.session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.event_id == uuid.UUID(event["id"]))
    )
    assert remaining == 0


def test_events_need_a_token(client):
    assert client.get("/api/v1/events").status_code == 401
    assert client.post("/api/v1/events", json=EVENT).status_code == 401
