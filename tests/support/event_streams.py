"""Server-Sent Events as a test reads them: blocks of `field: value` lines, comments apart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Event:
    kind: str
    data: Any
    id: int | None


def parse_events(text: str) -> tuple[list[Event], list[str]]:
    """The events of a text/event-stream body, and its comment lines (without the colon)."""
    events, comments = [], []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if "data" in fields:
            event_id = int(fields["id"]) if "id" in fields else None
            events.append(Event(fields.get("event", "message"), json.loads(fields["data"]), event_id))
    return events, comments


def of_kind(events: list[Event], kind: str) -> list[Event]:
    return [event for event in events if event.kind == kind]
