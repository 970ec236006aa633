"""Edge dates: a date-time whose offset pushes it past year 9999 or before year 1 (or anything
outside 1900..9998 in UTC) is a 422 naming the field, on events and on ticket sale dates, never a
500 from the conversion to UTC; the bounds themselves are accepted and stored exactly."""

from __future__ import annotations

import pytest

EVENT = {"name": "Edge", "starts_at": "2026-03-10T09:00:00+08:00", "ends_at": "2026-03-12T18:00:00+08:00"}

OUT_OF_RANGE = [
    "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC: OverflowError before the fix
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC: OverflowError before the fix
    "9999-01-01T00:00:00Z",
    "9998-12-31T23:00:00-01:00",  # 9999-01-01T00:00Z after conversion
    "1899-12-31T23:59:59Z",
    "1900-01-01T00:30:00+01:00",  # 1899-12-31T23:30Z after conversion
    "0001-01-01T00:00:00Z",
]


@pytest.fixture
def event_id(client, auth_headers):
    response = client.post("/api/v1/events", json=EVENT, headers=auth_headers)
    assert response.status_code == 201
    return response.get_json()["id"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_event_dates_out_of_range_are_422_naming_the_field(client, auth_headers, event_id, field, value):
    created = client.post("/api/v1/events", json={**EVENT, field: value}, headers=auth_headers)
    changed = client.patch(f"/api/v1/events/{event_id}", json={field: value}, headers=auth_headers)

    for response in (created, changed):
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["code"] == "validation_failed"
        assert field in response.get_json()["errors"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["sales_starts_at", "sales_ends_at"])
def test_ticket_sale_dates_out_of_range_are_422_naming_the_field(
    client, auth_headers, event_id, field, value
):
    url = f"/api/v1/events/{event_id}/tickets"
    one = client.post(url, json={"name": "Regular", field: value}, headers=auth_headers)
    many = client.post(url, json=[{"name": "Regular"}, {"name": "Late", field: value}], headers=auth_headers)

    assert one.status_code == 422, one.get_json()
    assert field in one.get_json()["errors"]
    assert many.status_code == 422, many.get_json()
    assert f"1.{field}" in many.get_json()["errors"]


def test_the_bounds_themselves_are_accepted_and_stored_in_utc(client, auth_headers):
    body = {**EVENT, "starts_at": "1900-01-01T01:00:00+01:00", "ends_at": "9998-12-31T22:59:59.999999-01:00"}
    response = client.post("/api/v1/events", json=body, headers=auth_headers)

    assert response.status_code == 201, response.get_json()
    event = client.get(f"/api/v1/events/{response.get_json()['id']}", headers=auth_headers).get_json()
    assert event["starts_at"] == "1900-01-01T00:00:00+00:00"
    assert event["ends_at"] == "9998-12-31T23:59:59.999999+00:00"
