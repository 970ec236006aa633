"""The order badges print in: by ticket position, then name; accents and case do not matter."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from api.render.attendees import read_attendees
from api.render.errors import RenderInputError
from api.render.options import SortKey
from api.render.ordering import sort_rows, ticket_key

POSITIONS = {"Speaker": 1, "Sponsor": 2, "Volunteer": 3, "Attendee": 4}


def keys(*names: str) -> tuple[SortKey, ...]:
    """A sort as the options' schema loads it: "-" for descending."""
    return tuple(SortKey(name.removeprefix("-"), name.startswith("-")) for name in names)


def person(name: str, ticket: str = "", **extra: str) -> dict[str, str]:
    return {"name": name, "ticket": ticket, **extra}


def folded(text: str) -> str:
    """Text as a person compares names: "Nguyễn" with "nguyen"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def names(rows: list[dict[str, str]]) -> list[str]:
    return [row["name"] for row in rows]


def test_by_ticket_position_then_name():
    rows = [
        person("Zoe", "Attendee"),
        person("Bob", "Speaker"),
        person("Ann", "Attendee"),
        person("Carl", "Volunteer"),
        person("Al", "Speaker"),
    ]

    ordered = sort_rows(rows, keys("ticket", "name"), columns={}, ticket_positions=POSITIONS)

    assert names(ordered) == ["Al", "Bob", "Carl", "Ann", "Zoe"]


def test_ticket_names_match_positions_like_ticket_colours():
    rows = [person("a", " attendee "), person("b", "SPEAKER"), person("c", "Speaker")]

    ordered = sort_rows(rows, keys("ticket"), columns={}, ticket_positions=POSITIONS)

    assert names(ordered) == ["b", "c", "a"]


def test_unknown_and_empty_tickets_go_last_in_either_direction():
    rows = [
        person("empty"),
        person("workshop", "Workshop"),
        person("attendee", "Attendee"),
        person("speaker", "Speaker"),
        person("blank", "  "),
        person("press", "Press"),
    ]

    up = sort_rows(rows, keys("ticket"), columns={}, ticket_positions=POSITIONS)
    down = sort_rows(rows, keys("-ticket"), columns={}, ticket_positions=POSITIONS)

    # Unlisted ticket types after the listed ones, by name; rows without a ticket at the end.
    assert names(up) == ["speaker", "attendee", "press", "workshop", "empty", "blank"]
    assert names(down) == ["attendee", "speaker", "workshop", "press", "empty", "blank"]


def test_without_positions_the_ticket_sorts_as_text():
    rows = [person("a", "Volunteer"), person("b", "attendee"), person("c", "Speaker")]

    assert names(sort_rows(rows, keys("ticket"), columns={})) == ["b", "c", "a"]


def test_descending_by_name_with_empty_names_last():
    rows = [person("Bea"), person(""), person("Ana"), person("Cid")]

    assert names(sort_rows(rows, keys("-name"), columns={})) == ["Cid", "Bea", "Ana", ""]
    assert names(sort_rows(rows, keys("name"), columns={})) == ["Ana", "Bea", "Cid", ""]


def test_mixed_directions():
    rows = [person("Ann", "B"), person("Bob", "A"), person("Cy", "B"), person("Di", "A")]

    ordered = sort_rows(rows, keys("ticket", "-name"), columns={})

    assert names(ordered) == ["Di", "Bob", "Cy", "Ann"]


def test_accents_and_case_do_not_matter():
    rows = [person("emma"), person("Zoë"), person("Élodie"), person("Ede"), person("zoe"), person("ÉMILE")]

    ordered = sort_rows(rows, keys("name"), columns={})

    assert names(ordered) == ["Ede", "Élodie", "ÉMILE", "emma", "Zoë", "zoe"]


def test_composed_and_decomposed_accents_sort_the_same():
    decomposed = unicodedata.normalize("NFD", "Ångström")
    rows = [person("Anders"), person(decomposed), person("Ångström"), person("Angus")]

    ordered = sort_rows(rows, keys("name"), columns={})

    # Both spellings equal "angstrom": between "Anders" and "Angus", in input order.
    assert names(ordered) == ["Anders", decomposed, "Ångström", "Angus"]


def test_ties_keep_the_order_of_the_list():
    rows = [person(f"{word} {number}", word) for number in range(5) for word in ("Beta", "alpha", "ALPHA")]

    ordered = sort_rows(rows, keys("ticket"), columns={})

    alphas = [row["name"] for row in ordered[:10]]
    assert alphas == [row["name"] for row in rows if row["ticket"].casefold() == "alpha"]
    assert names(ordered[10:]) == [f"Beta {number}" for number in range(5)]
    assert names(sort_rows(rows, keys("-ticket"), columns={}))[:5] == [
        f"Beta {number}" for number in range(5)
    ]


def test_fields_are_read_through_the_column_mapping():
    rows = [
        {"Full Name": "Bo", "Pass": "Attendee"},
        {"Full Name": "Al", "Pass": "Attendee"},
        {"Full Name": "Cy", "Pass": "Speaker"},
    ]

    ordered = sort_rows(
        rows,
        keys("ticket", "name"),
        columns={"name": "Full Name", "ticket": "Pass"},
        ticket_positions=POSITIONS,
    )

    assert [row["Full Name"] for row in ordered] == ["Cy", "Al", "Bo"]


def test_no_sort_keeps_the_list_and_returns_a_new_list():
    rows = [person("b"), person("a")]

    ordered = sort_rows(rows, (), columns={})

    assert ordered == rows
    assert ordered is not rows


def test_a_real_list_sorts_by_ticket_then_name(shared_data):
    table = read_attendees((shared_data / "attendees-10k.csv").read_bytes())

    ordered = sort_rows(table.rows, keys("ticket", "name"), columns={}, ticket_positions=POSITIONS)

    assert len(ordered) == len(table.rows)
    positions = [POSITIONS[row["ticket"]] for row in ordered]
    assert positions == sorted(positions)
    for earlier, later in itertools.pairwise(ordered):
        if earlier["ticket"] == later["ticket"]:
            assert folded(earlier["name"]) <= folded(later["name"]), (earlier, later)


@pytest.mark.parametrize(
    ("sort", "columns"),
    [(keys("company"), {}), (keys("name", "-company"), {}), (keys("name"), {"name": "Full Name"})],
)
def test_a_field_with_no_column_is_refused(sort, columns):
    with pytest.raises(RenderInputError, match="no column") as refused:
        sort_rows([person("a", organization="x")], sort, columns=columns)

    assert refused.value.location == "options.sort"


def test_ticket_key_is_the_matching_used_for_ticket_names():
    assert ticket_key("  Early Bird ") == ticket_key("EARLY BIRD") == "early bird"
    assert ticket_key(unicodedata.normalize("NFD", "Café")) == ticket_key("CAFÉ")
    assert ticket_key("Strasse") == ticket_key("STRASSE") == ticket_key("straße")
    # Matching is exact apart from that: accents still count.
    assert ticket_key("Cafe") != ticket_key("Café")
