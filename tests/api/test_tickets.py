"""Tickets in an exact 0..n-1 order: create, bulk create, move, delete, reorder, visibility, rules."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from api.core.db import Database
from api.extensions import db
from api.tickets.models import Ticket
from tests.support.accounts import other_headers
from tests.support.events import create_event


@pytest.fixture
def event(client, auth_headers):
    return create_event(client, auth_headers)


def tickets_url(event_id, *rest):
    return "/".join([f"/api/v1/events/{event_id}/tickets", *rest])


def bulk(client, headers, event_id, names, **fields):
    response = client.post(
        tickets_url(event_id), json=[{"name": name, **fields} for name in names], headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, headers, event_id):
    response = client.get(tickets_url(event_id) + "?per_page=100", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(ticket["name"], ticket["position"]) for ticket in response.get_json()["items"]]


def stored_positions(event_id) -> list[int]:
    return sorted(db.session.scalars(select(Ticket.position).where(Ticket.event_id == uuid.UUID(event_id))))


def test_bulk_create_keeps_array_order_and_defaults(client, auth_headers, event):
    created = bulk(client, auth_headers, event["id"], ["Early bird", "Regular", "Speaker"])

    assert [(t["name"], t["position"]) for t in created] == [
        ("Early bird", 0),
        ("Regular", 1),
        ("Speaker", 2),
    ]
    assert all(t["is_hidden"] is False and t["type"] == "free" and t["price"] == "0.00" for t in created)
    assert listed(client, auth_headers, event["id"]) == [("Early bird", 0), ("Regular", 1), ("Speaker", 2)]


def test_a_single_ticket_goes_to_the_end_or_is_inserted_at_its_position(client, auth_headers, event):
    bulk(client, auth_headers, event["id"], ["A", "B"])

    end = client.post(tickets_url(event["id"]), json={"name": "C"}, headers=auth_headers)
    inserted = client.post(tickets_url(event["id"]), json={"name": "Z", "position": 1}, headers=auth_headers)

    assert end.status_code == inserted.status_code == 201
    assert end.headers["Location"].endswith(end.get_json()["id"])
    assert listed(client, auth_headers, event["id"]) == [("A", 0), ("Z", 1), ("B", 2), ("C", 3)]


def test_a_position_past_the_end_is_refused(client, auth_headers, event):
    bulk(client, auth_headers, event["id"], ["A"])

    response = client.post(tickets_url(event["id"]), json={"name": "B", "position": 5}, headers=auth_headers)

    assert response.status_code == 422
    assert "position" in response.get_json()["errors"]


def test_moving_a_ticket_shifts_the_others_both_ways(client, auth_headers, event):
    ids = [t["id"] for t in bulk(client, auth_headers, event["id"], ["A", "B", "C", "D"])]

    down = client.patch(tickets_url(event["id"], ids[0]), json={"position": 2}, headers=auth_headers)
    assert down.get_json()["position"] == 2
    assert listed(client, auth_headers, event["id"]) == [("B", 0), ("C", 1), ("A", 2), ("D", 3)]
    client.patch(tickets_url(event["id"], ids[3]), json={"position": 0}, headers=auth_headers)
    assert listed(client, auth_headers, event["id"]) == [("D", 0), ("B", 1), ("C", 2), ("A", 3)]
    past = client.patch(tickets_url(event["id"], ids[0]), json={"position": 4}, headers=auth_headers)
    assert past.status_code == 422


def test_deleting_closes_the_gap(client, auth_headers, event):
    ids = [t["id"] for t in bulk(client, auth_headers, event["id"], ["A", "B", "C"])]

    assert client.delete(tickets_url(event["id"], ids[1]), headers=auth_headers).status_code == 204

    assert listed(client, auth_headers, event["id"]) == [("A", 0), ("C", 1)]
    assert stored_positions(event["id"]) == [0, 1]


def test_reorder_sets_the_whole_order(client, auth_headers, event):
    ids = [t["id"] for t in bulk(client, auth_headers, event["id"], ["A", "B", "C"])]

    response = client.put(
        tickets_url(event["id"], "order"), json={"ticket_ids": ids[::-1]}, headers=auth_headers
    )

    assert response.status_code == 200
    assert [t["name"] for t in response.get_json()["items"]] == ["C", "B", "A"]
    assert listed(client, auth_headers, event["id"]) == [("C", 0), ("B", 1), ("A", 2)]


def test_reorder_refuses_anything_but_a_permutation_naming_the_ids(client, auth_headers, event):
    ids = [t["id"] for t in bulk(client, auth_headers, event["id"], ["A", "B", "C"])]
    other_event = create_event(client, auth_headers, name="Other")
    foreign = bulk(client, auth_headers, other_event["id"], ["X"])[0]["id"]

    response = client.put(
        tickets_url(event["id"], "order"),
        json={"ticket_ids": [ids[0], ids[0], foreign]},
        headers=auth_headers,
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "not_a_permutation"
    messages = " ".join(body["errors"]["ticket_ids"])
    assert ids[1] in messages  # missing
    assert ids[2] in messages
    assert foreign in messages  # not of this event
    assert f"Repeated: {ids[0]}" in messages
    assert listed(client, auth_headers, event["id"]) == [("A", 0), ("B", 1), ("C", 2)]


def test_bulk_create_is_all_or_nothing(client, auth_headers, event):
    response = client.post(
        tickets_url(event["id"]),
        json=[
            {"name": "Fine"},
            {"name": "Bad", "type": "paid", "price": "-5"},
            {"name": "Also bad", "is_hidden": "on"},
        ],
        headers=auth_headers,
    )

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"1.price", "2.is_hidden"}
    assert listed(client, auth_headers, event["id"]) == []


def test_bulk_create_refuses_positions_and_read_only_fields(client, auth_headers, event):
    response = client.post(
        tickets_url(event["id"]),
        json=[{"name": "A", "position": 0}, {"name": "B", "id": str(uuid.uuid4()), "event_id": event["id"]}],
        headers=auth_headers,
    )

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"0.position", "1.id", "1.event_id"}


def test_bulk_create_is_capped(client, auth_headers, event):
    response = client.post(
        tickets_url(event["id"]), json=[{"name": f"T{i}"} for i in range(201)], headers=auth_headers
    )

    assert response.status_code == 422
    assert "200" in response.get_json()["errors"]["body"][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "paid", "price": "-1.00"}, "price"),
        ({"type": "paid", "price": "lots"}, "price"),
        ({"type": "paid", "price": "NaN"}, "price"),
        ({"type": "paid", "price": "1.999"}, "price"),
        ({"type": "paid"}, "price"),
        ({"type": "free", "price": "10"}, "price"),
        ({"type": "vip"}, "type"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": "10"}, "quantity"),
        ({"badge_color": "red"}, "badge_color"),
        ({"badge_color": "#12345"}, "badge_color"),
        ({"is_hidden": "true"}, "is_hidden"),
        (
            {"sales_starts_at": "2026-02-01T00:00:00Z", "sales_ends_at": "2026-01-01T00:00:00Z"},
            "sales_ends_at",
        ),
        ({"colour": "#112233"}, "colour"),
        ({"event_id": str(uuid.uuid4())}, "event_id"),
    ],
)
def test_invalid_tickets_are_refused_and_nothing_is_stored(client, auth_headers, event, fields, field):
    response = client.post(tickets_url(event["id"]), json={"name": "T", **fields}, headers=auth_headers)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored_positions(event["id"]) == []


def test_valid_ticket_fields_are_kept(client, auth_headers, event):
    response = client.post(
        tickets_url(event["id"]),
        json={
            "name": "Supporter",
            "type": "donation",
            "price": 15,
            "quantity": None,
            "badge_color": "#E63946",
            "sales_starts_at": "2026-01-01T00:00:00+01:00",
            "sales_ends_at": "2026-03-01T00:00:00Z",
            "is_hidden": True,
        },
        headers=auth_headers,
    )

    assert response.status_code == 201
    body = response.get_json()
    assert (body["price"], body["quantity"], body["badge_color"]) == ("15.00", None, "#E63946")
    assert body["sales_starts_at"] == "2025-12-31T23:00:00+00:00"


def test_patch_checks_rules_against_the_stored_values(client, auth_headers, event):
    ticket = client.post(
        tickets_url(event["id"]), json={"name": "Paid", "type": "paid", "price": "20"}, headers=auth_headers
    ).get_json()
    url = tickets_url(event["id"], ticket["id"])

    negative = client.patch(url, json={"price": "-2"}, headers=auth_headers)
    to_free = client.patch(url, json={"type": "free"}, headers=auth_headers)

    assert negative.status_code == 422
    assert to_free.status_code == 200
    assert to_free.get_json()["price"] == "0.00"


def test_a_ticket_from_another_event_is_404(client, auth_headers, event):
    other_event = create_event(client, auth_headers, name="Other")
    foreign = bulk(client, auth_headers, other_event["id"], ["X"])[0]["id"]

    for response in (
        client.get(tickets_url(event["id"], foreign), headers=auth_headers),
        client.patch(tickets_url(event["id"], foreign), json={"position": 0}, headers=auth_headers),
        client.delete(tickets_url(event["id"], foreign), headers=auth_headers),
    ):
        assert response.status_code == 404
    assert client.get(tickets_url(event["id"], "not-a-uuid"), headers=auth_headers).status_code == 404


def test_visibility_of_tickets(client, auth_headers, event):
    bulk(client, auth_headers, event["id"], ["Public A"])
    bulk(client, auth_headers, event["id"], ["Secret"], is_hidden=True)
    bulk(client, auth_headers, event["id"], ["Public B"])
    stranger = other_headers(client)

    assert client.get(tickets_url(event["id"])).status_code == 404  # private event, no token
    assert client.get(tickets_url(event["id"]), headers=stranger).status_code == 404
    assert client.post(tickets_url(event["id"]), json={"name": "X"}, headers=stranger).status_code == 404

    client.patch(f"/api/v1/events/{event['id']}", json={"is_public": True}, headers=auth_headers)

    assert listed(client, {}, event["id"]) == [("Public A", 0), ("Public B", 2)]
    assert listed(client, stranger, event["id"]) == [("Public A", 0), ("Public B", 2)]
    assert len(listed(client, auth_headers, event["id"])) == 3
    assert client.post(tickets_url(event["id"]), json={"name": "X"}).status_code == 401
    assert client.get(tickets_url(event["id"]), headers={"Authorization": "Bearer junk"}).status_code == 401


class StatementCounter:
    def __init__(self, engine_or_connection) -> None:
        self.count = 0
        self.target = engine_or_connection

    def __enter__(self) -> StatementCounter:
        sa_event.listen(self.target, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *args) -> None:
        sa_event.remove(self.target, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs) -> None:
        self.count += 1


@pytest.mark.parametrize("visitor", [False, True], ids=["owner", "visitor"])
def test_listing_costs_the_same_number_of_statements_for_5_and_500_tickets(
    client, auth_headers, app, visitor
):
    counts = []
    for size in (5, 500):
        event = create_event(client, auth_headers, is_public=True)
        for start in range(0, size, 200):
            bulk(client, auth_headers, event["id"], [f"T{i}" for i in range(start, min(size, start + 200))])
        headers = {} if visitor else auth_headers
        with StatementCounter(Database.state(app).engine) as counter:
            response = client.get(tickets_url(event["id"]) + "?per_page=100", headers=headers)
        assert response.status_code == 200
        counts.append(counter.count)

    assert counts[0] == counts[1]
    # Token checks (user, session), the event, the count and one page of tickets, plus savepoints.
    assert counts[0] <= 8


def test_a_public_event_itself_is_readable_without_a_token(client, auth_headers, event):
    url = f"/api/v1/events/{event['id']}"
    assert client.get(url).status_code == 404

    client.patch(url, json={"is_public": True}, headers=auth_headers)

    assert client.get(url).get_json()["name"] == "FOSSASIA Summit 2026"
    assert client.get(url, headers=other_headers(client)).status_code == 200
    assert client.patch(url, json={"name": "Taken"}, headers=other_headers(client)).status_code == 404


def test_numbers_are_not_booleans_and_one_item_arrays_keep_their_index(client, auth_headers, event):
    as_number = client.post(
        tickets_url(event["id"]), json={"name": "T", "is_hidden": 1}, headers=auth_headers
    )
    one_item = client.post(
        tickets_url(event["id"]), json=[{"name": "T", "type": "paid"}], headers=auth_headers
    )

    assert as_number.status_code == 422
    assert "is_hidden" in as_number.get_json()["errors"]
    assert set(one_item.get_json()["errors"]) == {"0.price"}
