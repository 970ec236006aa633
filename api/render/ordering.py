"""The order badges are printed in: the job option `sort`, and how ticket names are matched.

Text compares without regard to case or accents ("Élodie" sits with "elodie", before "Emma"), the
same on every machine: Unicode decomposition and case folding, no locale. Rows that compare equal
keep the order of the attendee list, and rows with an empty value go last in either direction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from api.render.errors import RenderInputError
from api.render.options import SortKey

RowKey = Callable[[Mapping[str, str]], tuple[Any, ...]]


def ticket_key(name: str) -> str:
    """A ticket name as it is matched: composed (NFC), without surrounding spaces, case-folded."""
    # Case folding can decompose (e.g. "ǰ"), so compose again: equal names give equal keys.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).strip().casefold())


def text_key(value: str) -> str:
    """Text for comparing: compatibility-decomposed, combining marks dropped, case-folded."""
    decomposed = unicodedata.normalize("NFKD", value.strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def sort_rows(
    rows: Iterable[dict[str, str]],
    sort: Sequence[SortKey],
    *,
    columns: Mapping[str, str],
    ticket_positions: Mapping[str, int] | None = None,
) -> list[dict[str, str]]:
    """Rows ordered by `sort`, the first key first; an empty `sort` keeps the list's order.

    `columns` maps template fields to attendee columns as options.columns does; a field not in it
    is the column of the same name. With `ticket_positions` (ticket name -> position), the field
    "ticket" follows those positions, tickets not listed after the listed ones; otherwise it sorts
    as text. Raise RenderInputError (location "options.sort") for a field that names no column of
    the rows.
    """
    ordered = list(rows)
    keys = [(key.field, key.descending) for key in sort]
    available = set().union(*(row.keys() for row in ordered)) if ordered else set()
    positions = {ticket_key(name): position for name, position in (ticket_positions or {}).items()}
    for name, _ in keys:
        column = columns.get(name, name)
        if ordered and column not in available:
            raise RenderInputError(f"no column {column!r} to sort by {name!r}", location="options.sort")
    # Python's sort is stable, also with reverse=True: sorting by the last key first leaves
    # equal rows of each earlier key in the order the later keys gave them.
    for name, descending in reversed(keys):
        column = columns.get(name, name)
        if name == "ticket" and ticket_positions is not None:
            key = _ticket_position_key(column, positions, descending)
        else:
            key = _text_key(column, descending)
        ordered.sort(key=key, reverse=descending)
    return ordered


def _text_key(column: str, descending: bool) -> RowKey:
    # The first element puts empty values last whichever way the list is sorted.
    def key(row: Mapping[str, str]) -> tuple[bool, str]:
        text = text_key(row.get(column, ""))
        return (not text) != descending, text

    return key


def _ticket_position_key(column: str, positions: Mapping[str, int], descending: bool) -> RowKey:
    def key(row: Mapping[str, str]) -> tuple[int, int, str]:
        ticket = row.get(column, "")
        position = positions.get(ticket_key(ticket))
        if position is not None:
            rank = 0
        elif ticket.strip():
            rank = 1  # a ticket type the event does not list: after the listed ones, by name
        else:
            rank = 2
        # Descending reverses positions and names but not the ranks: unlisted and empty stay last.
        return (2 - rank if descending else rank), position or 0, text_key(ticket) if rank == 1 else ""

    return key
