"""The badge options' schema: every shape and limit refused with its path, loaded into the engine's
typed options, and read back from a job's stored bundle unchanged."""

from __future__ import annotations

import pickle
import uuid
from typing import Any

import pytest
from marshmallow import ValidationError

from api.badges.options import BadgeOptionsSchema
from api.core.schemas import flatten_messages
from api.render.options import BackgroundOption, BadgeOptions, CustomSheet, FieldStyle, QrSpec, SortKey

EVENT_ID = uuid.UUID("0b7c3b5e-8b7c-4c59-9d4e-3a3a3a3a3a3a")
EVERYTHING = {
    "name": "Summit 2026",
    "template": "card",
    "sheet": {"page": "letter", "landscape": True, "columns": 3, "rows": 2, "margin_mm": 8, "gap_mm": 3},
    "columns": {"name": "Full Name", "ticket": "Pass"},
    "fields": {"name": {"font": " DejaVu Serif ", "size": 12, "color": "#123", "weight": "bold"}},
    "background": {"fit": "contain"},
    "qr": {"field": "email", "kind": "vcard"},
    "event_id": str(EVENT_ID),
    "sort": ["ticket", " -name"],
}


def load(options: Any) -> BadgeOptions:
    loaded: BadgeOptions = BadgeOptionsSchema().load(options)
    return loaded


def refusal(options: Any) -> dict[str, list[str]]:
    """The errors as the API shows them, keyed by path."""
    with pytest.raises(ValidationError) as caught:
        load(options)
    return flatten_messages(caught.value.messages, "options")


def test_no_options_are_the_defaults():
    assert load({}) == BadgeOptions()
    assert load({}).sheet == "one-per-page"
    assert load({}).background_fit == "cover"


def test_every_option_loads_into_its_typed_form():
    options = load(EVERYTHING)

    assert options == BadgeOptions(
        name="Summit 2026",
        template="card",
        sheet=CustomSheet(
            "letter", landscape=True, columns=3, rows=2, margin_mm=8, gap_mm=3, crop_marks=True
        ),
        columns={"name": "Full Name", "ticket": "Pass"},
        fields={"name": FieldStyle(font="DejaVu Serif", size=12, color="#123", weight=700)},
        background=BackgroundOption("contain"),
        qr=QrSpec("email", "vcard"),
        event_id=EVENT_ID,
        sort=(SortKey("ticket"), SortKey("name", descending=True)),
    )
    assert options.background_fit == "contain"


def test_dumped_options_load_back_the_same_and_pickle():
    """A job's input bundle keeps the options dumped; a render worker gets them pickled."""
    options = load(EVERYTHING)

    dumped = BadgeOptionsSchema().dump(options)

    assert load(dumped) == options
    assert pickle.loads(pickle.dumps(options)) == options  # noqa: S301 (our own bytes)
    assert load(BadgeOptionsSchema().dump(BadgeOptions())) == BadgeOptions()


@pytest.mark.parametrize("preset", ["one-per-page", "a4-2x2", "auto-letter"])
def test_a_sheet_may_be_a_preset_name(preset):
    assert load({"sheet": preset}).sheet == preset


def test_a_sheet_object_may_leave_everything_out():
    assert load({"sheet": {}}).sheet == CustomSheet()


@pytest.mark.parametrize("sheet", ["a5-2x2", "", "A4-2X2", 42, None, []])
def test_an_unknown_sheet_is_refused_with_the_presets(sheet):
    errors = refusal({"sheet": sheet})

    assert list(errors) == ["options.sheet"]
    assert "one-per-page" in errors["options.sheet"][0]


@pytest.mark.parametrize(
    ("sheet", "key"),
    [
        ({"colour": "red"}, "colour"),
        ({"page": "a5"}, "page"),
        ({"page": 4}, "page"),
        ({"landscape": "yes"}, "landscape"),
        ({"columns": 0}, "columns"),
        ({"columns": 21}, "columns"),
        ({"columns": 2.5}, "columns"),
        ({"columns": True}, "columns"),
        ({"rows": -1}, "rows"),
        ({"rows": None}, "rows"),
        ({"margin_mm": -1}, "margin_mm"),
        ({"margin_mm": "10"}, "margin_mm"),
        ({"margin_mm": 53}, "margin_mm"),
        ({"margin_mm": float("inf")}, "margin_mm"),
        ({"gap_mm": -0.5}, "gap_mm"),
        ({"gap_mm": float("nan")}, "gap_mm"),
        ({"crop_marks": 1}, "crop_marks"),
    ],
)
def test_an_invalid_sheet_object_names_the_key(sheet: dict[str, Any], key):
    assert list(refusal({"sheet": sheet})) == [f"options.sheet.{key}"]


def test_margins_and_gaps_may_take_a_quarter_of_the_page_and_no_more():
    assert load({"sheet": {"margin_mm": 52.5, "gap_mm": 0}}).sheet == CustomSheet(margin_mm=52.5, gap_mm=0)
    # A3's quarter is wider than A4's.
    assert load({"sheet": {"page": "a3", "gap_mm": 70}}).sheet == CustomSheet(page="a3", gap_mm=70)

    errors = refusal({"sheet": {"gap_mm": 53}})

    assert errors == {
        "options.sheet.gap_mm": ["Must be a number of millimetres from 0 to 52.5 (a quarter of the page)."]
    }


@pytest.mark.parametrize(
    ("style", "path", "message"),
    [
        ({"size": 3}, "size", "Must be a number of points from 4 to 200."),
        ({"size": 201}, "size", "Must be a number of points from 4 to 200."),
        ({"size": "12"}, "size", "Must be a number of points from 4 to 200."),
        ({"size": True}, "size", "Must be a number of points from 4 to 200."),
        ({"color": "red"}, "color", "Must be a colour like #112233."),
        ({"color": "#12345"}, "color", "Must be a colour like #112233."),
        ({"color": "#gggggg"}, "color", "Must be a colour like #112233."),
        ({"weight": 450}, "weight", "Must be normal, bold or 100-900."),
        ({"weight": "heavy"}, "weight", "Must be normal, bold or 100-900."),
        ({"weight": True}, "weight", "Must be normal, bold or 100-900."),
        ({"font": ""}, "font", "Must be a font family name or an uploaded font's id."),
        ({"font": "   "}, "font", "Must be a font family name or an uploaded font's id."),
        ({"font": "x" * 101}, "font", "Must be a font family name or an uploaded font's id."),
        ({"font": 7}, "font", "Not a valid string."),
        ({"italic": True}, "italic", "Unknown field."),
    ],
)
def test_a_field_style_is_refused_at_its_path(style, path, message):
    assert refusal({"fields": {"name": style}}) == {f"options.fields.name.{path}": [message]}


def test_field_styles_must_be_objects():
    assert list(refusal({"fields": []})) == ["options.fields"]
    assert list(refusal({"fields": {"name": "bold"}})) == ["options.fields.name"]


@pytest.mark.parametrize(("weight", "loaded"), [("normal", 400), ("bold", 700), (100, 100), (900, 900)])
def test_weights_load_as_numbers(weight, loaded):
    assert load({"fields": {"name": {"weight": weight}}}).fields["name"].weight == loaded


def test_nulls_in_a_field_style_keep_the_template_s_look():
    style = {"font": None, "size": None, "color": None, "weight": None}

    assert load({"fields": {"name": style}}).fields["name"] == FieldStyle()


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"colour": "red"}, "options.colour"),
        ({"template": 7}, "options.template"),
        ({"template": None}, "options.template"),
        ({"name": 2026}, "options.name"),
        ({"columns": ["name"]}, "options.columns"),
        ({"columns": {"name": 3}}, "options.columns.name"),
        ({"qr": "email"}, "options.qr"),
        ({"qr": {"kind": "plain"}}, "options.qr.field"),
        ({"qr": {"field": "email", "kind": "mecard"}}, "options.qr.kind"),
        ({"qr": {"field": "email", "size": 3}}, "options.qr.size"),
        ({"background": {"fit": "tile"}}, "options.background.fit"),
        ({"background": {"opacity": 1}}, "options.background.opacity"),
        ({"background": "cover"}, "options.background"),
        ({"event_id": "not-a-uuid"}, "options.event_id"),
        ([], "options"),
        (None, "options"),
    ],
)
def test_a_malformed_option_is_refused_at_its_path(options, path):
    assert list(refusal(options)) == [path]


def test_messages_the_api_has_always_given():
    assert refusal({"template": 7}) == {"options.template": ["Must be a template id (text)."]}
    assert refusal({"event_id": "x"}) == {"options.event_id": ["Not a valid event id (a UUID)."]}
    assert refusal([]) == {"options": ["Must be a JSON object."]}


@pytest.mark.parametrize(
    ("sort", "keys"),
    [
        ("name", (SortKey("name"),)),
        ("-name", (SortKey("name", descending=True),)),
        (" - name ", (SortKey("name", descending=True),)),
        (["ticket", "-name"], (SortKey("ticket"), SortKey("name", descending=True))),
        ([], ()),
        (None, ()),
    ],
)
def test_sort_is_a_field_or_a_list_with_minus_for_descending(sort, keys):
    assert load({"sort": sort}).sort == keys


@pytest.mark.parametrize(
    "sort", [42, {"name": 1}, ["name", 3], "", "-", [""], ["name", " - "], list("abcdefghijk")]
)
def test_a_malformed_sort_is_refused(sort):
    assert list(refusal({"sort": sort})) == ["options.sort"]
