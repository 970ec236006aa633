"""Job options as the engine takes them: typed, frozen, picklable (they cross the pipe to a render
worker and the fork to a part process).

Their shape is checked once, where a request arrives (api/badges/options.py); the engine trusts it
and checks only what needs the compiled template or the attendee columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CustomSheet:
    """A sheet described rather than named: a grid of badges on a page, taken literally."""

    page: str = "a4"
    landscape: bool = False
    columns: int | None = None  # None: as many as fit
    rows: int | None = None
    margin_mm: float | None = None  # None: the default margin
    gap_mm: float | None = None
    crop_marks: bool = True


# A preset's name ("one-per-page", "a4-2x2", "auto-a4", ...) or a sheet of its own.
Sheet = str | CustomSheet


@dataclass(frozen=True)
class FieldStyle:
    """One template field's look; None keeps what the template says."""

    font: str | None = None  # a family Pango knows once fonts are resolved
    size: float | None = None  # points
    color: str | None = None  # "#rgb" or "#rrggbb"
    weight: int | None = None  # 100..900


@dataclass(frozen=True)
class QrSpec:
    field: str  # a template field (read through `columns`) or a column
    kind: str = "plain"  # "plain": the column's value; "vcard": name, organization and email


@dataclass(frozen=True)
class BackgroundOption:
    fit: str = "cover"  # "cover", "contain" or "stretch"


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class BadgeOptions:
    name: str | None = None
    template: str = "classic"
    sheet: Sheet = "one-per-page"
    columns: Mapping[str, str] = field(default_factory=dict)  # template field -> attendee column
    fields: Mapping[str, FieldStyle] = field(default_factory=dict)
    background: BackgroundOption | None = None
    qr: QrSpec | None = None
    event_id: uuid.UUID | None = None
    sort: tuple[SortKey, ...] = ()
    # "pdf": one PDF of every badge on the sheet; "zip": one file per attendee (api/render/zipped.py).
    output: str = "pdf"
    zip_format: str = "pdf"  # a zip's members: "pdf" (one page, the badge's size) or "png"
    dpi: int = 300  # a PNG member's resolution
    file_name: str | None = None  # the column that names each member; None: the name field's
    # "front": one side; "both": the template's back too, imposed for `duplex` (api/render/duplex.py).
    sides: str = "front"
    duplex: str = "long-edge"  # "long-edge", "short-edge" or "fold"; only read with sides "both"
    # The column naming each attendee's photo in the job's ZIP; None: `photo` when there is one.
    photo_column: str | None = None

    @property
    def background_fit(self) -> str:
        return self.background.fit if self.background else "cover"
