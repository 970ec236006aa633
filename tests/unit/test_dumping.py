"""dumper(schema) gives exactly what schema.dump(many=True) gives, faster where it can."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from marshmallow import Schema, fields

from api.badges.schemas import BadgeJobLogSchema
from api.core.dumping import dumper
from api.core.schemas import UtcDateTime
from api.events.schemas import EventSchema
from api.tickets.schemas import TicketSchema
from api.users.schemas import UserSchema


def some_value(rng: random.Random) -> object:
    """Values a model attribute may hold, including ones a field must convert or pass as they are."""
    choices = [
        None,
        "",
        "Zoë Ångström",
        "محمد",
        b"bytes",
        rng.randint(-5, 10**6),
        True,
        False,
        uuid.UUID(int=rng.getrandbits(128)),
        datetime(2026, 3, 10, 9, 0, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**7)),
        datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=8))),
    ]
    return rng.choice(choices)


def fitting_value(field: fields.Field, rng: random.Random) -> object:
    """A value of the kind the field dumps (marshmallow raises on, say, isoformat of an int)."""
    if isinstance(field, fields.DateTime):
        return rng.choice([None, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10**6))])
    if isinstance(field, fields.UUID):
        return rng.choice(
            [None, uuid.UUID(int=rng.getrandbits(128)), str(uuid.UUID(int=rng.getrandbits(128)))]
        )
    if isinstance(field, fields.Integer):
        return rng.choice([None, rng.randint(-(10**9), 10**9), True])
    if isinstance(field, fields.Decimal):
        return rng.choice([None, Decimal("49.5"), Decimal(0)])
    return some_value(rng)


def objects_for(schema: Schema, count: int, seed: int) -> list[SimpleNamespace]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        attributes = {}
        for name, field in schema.dump_fields.items():
            if rng.random() < 0.1:
                continue  # an attribute the object lacks: marshmallow leaves the key out
            attributes[field.attribute or name] = fitting_value(field, rng)
        made.append(SimpleNamespace(**attributes))
    return made


def test_the_fast_dumps_are_exactly_marshmallows():
    for seed, schema in enumerate((EventSchema(), UserSchema(), BadgeJobLogSchema())):
        objects = objects_for(schema, 300, seed=seed)

        fast = dumper(schema)

        assert fast.__name__ == "dump_many", type(schema).__name__  # the fast path is taken
        assert fast(objects) == schema.dump(objects, many=True), type(schema).__name__


class Renamed(Schema):
    id = fields.UUID()
    title = fields.String(attribute="name", data_key="heading")
    when = UtcDateTime()
    count = fields.Integer()
    flag = fields.Boolean()


def test_attribute_and_data_key_are_honoured():
    item = SimpleNamespace(
        id=uuid.uuid4(), name="Summit", when=datetime(2026, 3, 10, tzinfo=UTC), count="7", flag=1
    )

    assert dumper(Renamed())([item]) == Renamed().dump([item], many=True)
    assert dumper(Renamed())([item])[0]["heading"] == "Summit"


class WithFunction(Schema):
    name = fields.String()
    shout = fields.Function(lambda item: item.name.upper())


def test_a_schema_with_fields_it_does_not_know_is_dumped_by_marshmallow():
    items = [SimpleNamespace(name="ada")]

    assert dumper(WithFunction()).__name__ != "dump_many"
    assert dumper(WithFunction())(items) == [{"name": "ada", "shout": "ADA"}]
    tickets = objects_for(TicketSchema(), 50, seed=3)
    assert dumper(TicketSchema())(tickets) == TicketSchema().dump(tickets, many=True)
