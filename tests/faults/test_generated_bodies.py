"""Generated JSON bodies never get a 500: for every operation that takes a JSON body, hypothesis
sends bodies shaped by the operation's schema in openapi.yaml (so many get past the first check)
mixed with hostile values: date-times with any offset and years 1 to 9999, huge and tiny numbers
(NaN and Infinity too, which Python's JSON reader accepts), long and odd unicode strings, wrong
types. Every answer is also checked against openapi.yaml by the test client. Bounded: MAX_EXAMPLES
bodies per operation, about 25 s in all; FUZZ_EXAMPLES=1000 searches deeper by hand."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.extensions import limiter
from tests.openapi_contract import OpenApiContract

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
SPEC = OpenApiContract.load().spec

OPERATIONS = [
    ("POST", "/auth/login"),
    ("POST", "/auth/password-reset"),
    ("POST", "/auth/password-reset/confirm"),
    ("POST", "/users"),
    ("PATCH", "/users/me"),
    ("POST", "/users/verify"),
    ("POST", "/events"),
    ("PATCH", "/events/{event_id}"),
    ("POST", "/events/{event_id}/tickets"),
    ("PUT", "/events/{event_id}/tickets/order"),
    ("PATCH", "/events/{event_id}/tickets/{ticket_id}"),
    ("POST", "/badge-previews"),
    ("POST", "/badge-jobs"),
]

# Offsets up to a day either way, years 1 to 9999: the corners where UTC conversion overflows.
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)


def format_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


date_times = st.one_of(
    st.builds(lambda moment, offset: moment.isoformat() + format_offset(offset), st.datetimes(), offsets),
    st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2026-02-30T00:00:00Z"]),
    st.datetimes().map(lambda moment: moment.isoformat()),  # naive
    st.datetimes(min_value=datetime(1899, 12, 1), max_value=datetime(1900, 1, 2)).map(
        lambda moment: (moment + timedelta(hours=1)).isoformat() + "+01:00"
    ),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),  # NaN and Infinity included
    st.sampled_from([1e308, -1e308, 5e-324, 0.1, 2**63, -(2**63) - 1, 2**64]),
)
texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=200, max_size=2000),
    st.builds(lambda char, count: char * count, st.characters(), st.integers(1000, 60_000)),
    st.sampled_from(
        ["", " ", "\u202e", "\ufeff", "\U0001f600" * 300, "a\u0000b", "\ud800", "../../etc/passwd"]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts, date_times)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = SPEC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def from_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the schema's shape most of the time, anything at all otherwise."""
    schema = resolve(schema)
    choices = schema.get("oneOf") or schema.get("anyOf")
    if choices:
        return st.one_of([from_schema(choice, depth) for choice in choices])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if not properties or depth > 2:
            return st.dictionaries(st.text(max_size=12), scalars, max_size=4)
        fields = st.fixed_dictionaries(
            {}, optional={name: from_schema(sub, depth + 1) for name, sub in properties.items()}
        )
        return st.one_of(fields, fields, anything)
    if kind == "array":
        return st.one_of(st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=3), anything)
    if schema.get("format") == "date-time":
        typed: st.SearchStrategy[Any] = date_times
    elif schema.get("enum"):
        typed = st.sampled_from(schema["enum"])
    elif kind in ("integer", "number"):
        typed = numbers
    elif kind == "boolean":
        typed = st.booleans()
    elif schema.get("format") == "uuid":
        typed = st.uuids().map(str)
    else:
        typed = texts
    return st.one_of(typed, typed, scalars)


def json_schema(method: str, path: str) -> dict[str, Any]:
    return SPEC["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]


@pytest.fixture
def urls(client, auth_headers) -> dict[str, str]:
    event = client.post(
        "/api/v1/events",
        json={"name": "Fuzz", "starts_at": "2026-03-10T09:00:00Z", "ends_at": "2026-03-11T09:00:00Z"},
        headers=auth_headers,
    ).get_json()
    ticket = client.post(
        f"/api/v1/events/{event['id']}/tickets", json={"name": "Regular"}, headers=auth_headers
    )
    return {"event_id": event["id"], "ticket_id": ticket.get_json()["id"]}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_generated_body_gets_a_500(client, auth_headers, urls, monkeypatch, method, path):
    monkeypatch.setattr(limiter, "enabled", False)  # a 429 would hide everything behind it
    url = "/api/v1" + path.format(**urls)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=st.one_of(from_schema(json_schema(method, path)), anything))
    def post(body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        response = client.open(
            url, method=method, data=data, content_type="application/json", headers=auth_headers
        )
        problem = response.get_json(silent=True) or {}
        assert response.status_code < 500 or problem.get("code") in {
            "renderer_busy",
            "database_unavailable",
        }, (
            response.status_code,
            problem,
        )

    post()
