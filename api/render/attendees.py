"""Attendee-list intake: a CSV upload or a JSON array becomes one table of strings.

Organisers export from Excel in whatever form their locale gives them (UTF-8 with or without a
byte-order mark, "Unicode text" in UTF-16, Windows-1252 with semicolons), so the encoding and the
delimiter are detected, never asked for. Every form of the same list gives the same rows.
Values keep their text: only surrounding whitespace goes and line endings become "\\n";
names are never re-cased, and NFC normalisation is left to the text layer.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import json
import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from api.render.errors import LimitExceededError, RenderInputError

# A realistic list of 100,000 attendees (name, organization, role, email, ticket) is about 10.3 MB
# as CSV (tests/benchmarks/bench_jobs.py --big); 16 MiB leaves room for longer values.
MAX_BYTES = 16 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1000

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS_TRIED = "UTF-8, UTF-16 (with a byte-order mark) or Windows-1252"
SAMPLE_LINES = 20
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

Row = tuple[int, list[str]]
# Bytes of a file decoded at once while checking its encoding: the whole file is never one string
# (one emoji makes Python store every character of a string in 4 bytes).
DECODE_CHUNK = 1024 * 1024


class AttendeeDialect(csv.excel):
    """Excel's CSV, also accepting a space after a delimiter as people type `a, "b, c"`."""

    skipinitialspace = True


class PackedRows(Sequence[dict[str, str]]):
    """Attendee rows kept compact: each row one line of UTF-8 JSON (its values in column order),
    all in one bytes object, with each line's start in an array. Rows read as dicts, made on demand.

    A row of five short columns costs about 110 bytes here against about 700 as a dict of strings,
    and pickles as the bytes themselves: a 100,000-row job crosses to its render worker as 10 MB.
    """

    __slots__ = ("_starts", "columns", "data")

    def __init__(self, columns: Iterable[str], data: bytes = b"", starts: array[int] | None = None) -> None:
        self.columns = tuple(columns)
        self.data = data
        self._starts = _line_starts(data) if starts is None else starts

    @classmethod
    def pack(cls, columns: Iterable[str], rows: Iterable[Mapping[str, str] | Sequence[str]]) -> PackedRows:
        """Rows given as dicts (missing columns are "") or as lists of values in column order."""
        names = tuple(columns)
        buffer = io.BytesIO()
        starts = array("Q", [0])
        for row in rows:
            values = [row.get(name, "") for name in names] if isinstance(row, Mapping) else list(row)
            buffer.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
            buffer.write(b"\n")
            starts.append(buffer.tell())
        return cls(names, buffer.getvalue(), starts)

    def values(self, index: int) -> list[str]:
        """The row's values in column order."""
        starts = self._starts
        index = range(len(starts) - 1)[index]  # negative indexes, and IndexError past the end
        values: list[str] = json.loads(self.data[starts[index] : starts[index + 1] - 1])
        return values

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> dict[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, str]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, str] | list[dict[str, str]]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        return dict(zip(self.columns, self.values(index), strict=True))

    def __iter__(self) -> Iterator[dict[str, str]]:
        columns, data, starts, loads = self.columns, self.data, self._starts, json.loads
        for index in range(len(starts) - 1):
            yield dict(zip(columns, loads(data[starts[index] : starts[index + 1] - 1]), strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedRows):
            return self.columns == other.columns and self.data == other.data
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash((self.columns, self.data))

    def __repr__(self) -> str:
        return f"<PackedRows: {len(self)} rows, {len(self.data):,} bytes, columns {', '.join(self.columns)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedRows, (self.columns, self.data, self._starts))


def _line_starts(data: bytes) -> array[int]:
    """Where each line of `data` starts, and its length last; every line ends with a newline."""
    if data and not data.endswith(b"\n"):
        raise ValueError("packed rows end with a newline")
    starts = array("Q", [0])
    position = data.find(b"\n")
    while position != -1:
        starts.append(position + 1)
        position = data.find(b"\n", position + 1)
    return starts


@dataclass(frozen=True)
class AttendeeTable:
    """The attendees: column names in file order and one dict per attendee holding every column.

    `encoding` and `delimiter` say how a CSV file was read ("utf-8", "utf-8-sig", "utf-16-le",
    "utf-16-be" or "cp1252"; ",", ";", "\\t" or "|"); both are "" for JSON records.
    `row_numbers` are the attendees as the organiser numbers them, one per row: the row a
    spreadsheet shows for a CSV file (the header is row 1, blank rows count), the position from 1
    in a JSON array. Every message about an attendee uses them.
    """

    columns: tuple[str, ...]
    rows: PackedRows  # reads as a sequence of dicts, one per attendee
    encoding: str
    delimiter: str
    row_numbers: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.row_numbers:
            object.__setattr__(self, "row_numbers", tuple(range(1, len(self.rows) + 1)))
        if len(self.row_numbers) != len(self.rows):
            raise ValueError("one row number per row")

    def __len__(self) -> int:
        return len(self.rows)


def read_attendees(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> AttendeeTable:
    """Read a CSV attendee list: a header row, then one attendee per non-blank row."""
    if len(data) > max_bytes:
        raise LimitExceededError(
            f"the file is {len(data)} bytes, over the limit max_bytes={max_bytes}", location="file"
        )
    codec, skip, encoding = _decode(data)
    delimiter = _detect_delimiter(_text(data, codec, skip))
    rows = _csv_rows(_text(data, codec, skip), delimiter, max_cell_chars)
    header_row, header = next(rows, (0, []))
    if not header:
        raise RenderInputError("the file is empty: no attendees", location="file")
    columns = _columns(header, header_row, max_columns)
    row_numbers, attendees = _attendees(rows, columns, max_rows=max_rows, max_cell_chars=max_cell_chars)
    if not row_numbers:
        raise RenderInputError("the file has a header row but no attendees", location="file")
    return AttendeeTable(columns, attendees, encoding, delimiter, tuple(row_numbers))


def _decode(data: bytes) -> tuple[str, int, str]:
    """How to decode the file: (codec, bytes to skip, encoding as reported). UTF-8, else UTF-16
    when a byte-order mark says so, else Windows-1252. The whole file is checked, a chunk at a time.
    """
    for bom, codec, encoding in BYTE_ORDER_MARKS:
        # A byte-order mark is decisive: falling back to Windows-1252 would only produce mojibake.
        if data.startswith(bom):
            _check_after_bom(data, len(bom), codec)
            return codec, len(bom), encoding
    with contextlib.suppress(UnicodeDecodeError):
        _check_decodes(data, 0, "utf-8")
        return "utf-8", 0, "utf-8"
    try:
        _check_decodes(data, 0, "cp1252")
    except UnicodeDecodeError as error:
        raise RenderInputError(
            f"the file is not {ENCODINGS_TRIED}: {_bad_byte(data, error.start)} is undefined in Windows-1252",
            location="file",
        ) from None
    return "cp1252", 0, "cp1252"


def _check_decodes(data: bytes, skip: int, codec: str) -> None:
    """Decode data[skip:] a chunk at a time, keeping nothing; a UnicodeDecodeError's `start` is
    an offset into `data`. NUL characters are refused (see _without_nul)."""
    decoder = codecs.getincrementaldecoder(codec)()
    for offset in range(skip, max(len(data), skip + 1), DECODE_CHUNK):
        chunk = data[offset : offset + DECODE_CHUNK]
        try:
            _without_nul(decoder.decode(chunk, final=offset + DECODE_CHUNK >= len(data)))
        except UnicodeDecodeError as error:
            # The decoder held back the last bytes of the chunk before (a character cut in two)
            # and decoded them with this one: `start` counts from the first of them.
            error.start += offset - len(decoder.getstate()[0])
            raise


def _check_after_bom(data: bytes, skip: int, codec: str) -> None:
    """Check a file whose byte-order mark named its encoding."""
    try:
        _check_decodes(data, skip, codec)
    except UnicodeDecodeError as error:
        name = "UTF-8" if codec == "utf-8" else "UTF-16"
        raise RenderInputError(
            f"the file starts with a {name} byte-order mark but {_bad_byte(data, error.start)} "
            f"is not valid {name}",
            location="file",
        ) from None


def _text(data: bytes, codec: str, skip: int) -> io.TextIOWrapper:
    """The file as text read as it goes (lines keep their own endings, as csv wants them)."""
    raw = io.BytesIO(data)
    raw.seek(skip)
    return io.TextIOWrapper(raw, encoding=codec, newline="")


def _bad_byte(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"byte 0x{data[offset]:02X} on line {line}"


def _without_nul(text: str) -> str:
    # NULs mean binary data or UTF-16 saved without its byte-order mark; neither is a list of names.
    if "\x00" in text:
        raise RenderInputError(
            "the file contains NUL characters: it is not text, or it is UTF-16 without a byte-order mark",
            location="file",
        )
    return text


def _detect_delimiter(text: Iterable[str]) -> str:
    """Pick the delimiter that splits the header widest and the first rows the same way.

    The csv module does the splitting, so delimiters inside quoted fields are not counted.
    """
    lines = list(itertools.islice(text, SAMPLE_LINES))
    is_whole_file = len(lines) < SAMPLE_LINES
    best, best_score = DELIMITERS[0], (False, -1, 0)
    for delimiter in DELIMITERS:
        widths = _sample_widths(lines, delimiter, is_whole_file=is_whole_file)
        if not widths:
            return best
        header_width, data_widths = widths[0], widths[1:]
        score = (header_width > 1, data_widths.count(header_width), header_width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_widths(lines: list[str], delimiter: str, *, is_whole_file: bool) -> list[int]:
    """Cell counts of the non-blank records in the sample, the header's first."""
    records: list[list[str]] = []
    with contextlib.suppress(csv.Error):  # the real parse reports it, with its row number
        records.extend(csv.reader(lines, AttendeeDialect, delimiter=delimiter, strict=False))
    if not is_whole_file:
        records = records[:-1]  # the sample may have cut the last record short
    return [len(record) for record in records if any(cell.strip() for cell in record)]


def _csv_rows(text: Iterable[str], delimiter: str, max_cell_chars: int) -> Iterator[Row]:
    """Yield (spreadsheet row number, cleaned cells) for every row that is not blank."""
    reader = csv.reader(text, AttendeeDialect, delimiter=delimiter, strict=True)
    for row_number in itertools.count(1):
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            location = f"row {row_number}"
            # The csv module's own cap (128 KiB) is far above ours, so hitting it is our limit too.
            if "field larger than field limit" in str(error):
                raise LimitExceededError(
                    f"a cell is over max_cell_chars={max_cell_chars}", location=location
                ) from None
            raise RenderInputError(
                f"{error} (line {reader.line_num} of the file)", location=location
            ) from None
        cells = [_clean(cell) for cell in record]
        if any(cells):
            yield row_number, cells


def _clean(value: str) -> str:
    value = value.strip()
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _columns(header: list[str], header_row: int, max_columns: int) -> tuple[str, ...]:
    """Check the header's names: present, unique whatever their case, and not too many."""
    if len(header) > max_columns:
        raise LimitExceededError(
            f"{len(header)} columns, over the limit max_columns={max_columns}", location=f"row {header_row}"
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        location = f"row {header_row}, column {position}"
        if not name:
            raise RenderInputError("the column has no name in the header", location=location)
        if name.casefold() in seen:
            first = seen[name.casefold()]
            raise RenderInputError(f"the column name '{name}' repeats column {first}", location=location)
        seen[name.casefold()] = position
    return tuple(header)


def _attendees(
    rows: Iterator[Row], columns: tuple[str, ...], *, max_rows: int, max_cell_chars: int
) -> tuple[list[int], PackedRows]:
    """Row numbers and the rows, packed, padding short rows with "" and refusing long ones."""
    width = len(columns)
    numbers: list[int] = []

    def checked() -> Iterator[list[str]]:
        for row_number, cells in rows:
            location = f"row {row_number}"
            if len(numbers) == max_rows:
                raise LimitExceededError(f"more than max_rows={max_rows} attendees", location=location)
            if len(cells) > width:
                raise RenderInputError(
                    f"{len(cells)} cells but the header has {width} columns", location=location
                )
            cells.extend([""] * (width - len(cells)))
            _check_cell_lengths(columns, cells, location, max_cell_chars)
            numbers.append(row_number)
            yield cells

    packed = PackedRows.pack(columns, checked())
    return numbers, packed


def _check_cell_lengths(
    columns: tuple[str, ...], cells: list[str], location: str, max_cell_chars: int
) -> None:
    if max(map(len, cells), default=0) <= max_cell_chars:
        return
    column, value = next(
        (column, value) for column, value in zip(columns, cells, strict=True) if len(value) > max_cell_chars
    )
    raise LimitExceededError(
        f"{len(value)} characters, over the limit max_cell_chars={max_cell_chars}",
        location=f"{location}, column '{column}'",
    )


def attendees_from_records(
    records: object,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> AttendeeTable:
    """Read attendees given as a JSON array of flat objects; columns are all keys, first seen first.

    Attendees are counted from 1 in messages ("attendee 3" is `records[2]`), like rows in a file.
    """
    if not isinstance(records, list) or not records:
        raise RenderInputError("attendees must be a JSON array of at least one object", location="attendees")
    if len(records) > max_rows:
        raise LimitExceededError(
            f"{len(records)} attendees, over the limit max_rows={max_rows}", location="attendees"
        )
    columns: dict[str, str] = {}  # casefolded name -> name as first seen
    rows = [
        _record_row(record, number, columns, max_columns=max_columns, max_cell_chars=max_cell_chars)
        for number, record in enumerate(records, start=1)
    ]
    names = tuple(columns.values())
    return AttendeeTable(names, PackedRows.pack(names, rows), "", "")


def _record_row(
    record: object, number: int, columns: dict[str, str], *, max_columns: int, max_cell_chars: int
) -> dict[str, str]:
    """Check one record, add its new keys to `columns`, and return its values as text."""
    if not isinstance(record, dict):
        raise RenderInputError("each attendee must be a JSON object", location=f"attendee {number}")
    row: dict[str, str] = {}
    for key, value in record.items():
        name = str(key).strip()
        location = f"attendee {number}, field '{name}'"
        if not name:
            raise RenderInputError("field names must not be empty", location=location)
        known = columns.setdefault(name.casefold(), name)
        if len(columns) > max_columns:
            raise LimitExceededError(f"more than max_columns={max_columns} fields", location=location)
        if known != name or name in row:
            raise RenderInputError(
                f"the field repeats '{known}' in another case or spacing", location=location
            )
        row[name] = _record_value(value, location)
        if len(row[name]) > max_cell_chars:
            raise LimitExceededError(
                f"{len(row[name])} characters, over the limit max_cell_chars={max_cell_chars}",
                location=location,
            )
    return row


def _record_value(value: object, location: str) -> str:
    """A value as the text a badge shows: strings cleaned, numbers and booleans as JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise RenderInputError("numbers must be finite", location=location)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise RenderInputError("values must be text, numbers, true, false or null, not nested", location=location)
