"""Attendee-list intake: every export of the same list gives the same rows; bad files say where."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import pytest

from api.render.attendees import AttendeeTable, attendees_from_records, read_attendees
from api.render.errors import LimitExceededError, RenderInputError

DATA = Path(__file__).resolve().parents[1] / "data"  # the sample attendee lists
COLUMNS = ("name", "organization", "role", "email", "ticket")


def read_sample(name: str) -> AttendeeTable:
    return read_attendees((DATA / name).read_bytes())


def rows_by_name(table: AttendeeTable) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in table.rows}


def fits_cp1252(row: dict[str, str]) -> bool:
    try:
        "".join(row.values()).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def test_shared_data_folder_is_found() -> None:
    assert (DATA / "README.md").is_file(), DATA


@pytest.mark.parametrize(
    ("file_name", "encoding", "delimiter", "count"),
    [
        ("attendees-multiscript.csv", "utf-8", ",", 20),
        ("attendees-utf8-bom.csv", "utf-8-sig", ",", 20),
        ("attendees-utf16-tab.txt", "utf-16-le", "\t", 20),
        ("attendees-excel-cp1252-semicolon.csv", "cp1252", ";", 9),
        ("attendees-10k.csv", "utf-8", ",", 10_000),
    ],
)
def test_sample_files_detect_encoding_and_delimiter(
    file_name: str, encoding: str, delimiter: str, count: int
) -> None:
    table = read_sample(file_name)

    assert (table.encoding, table.delimiter, len(table)) == (encoding, delimiter, count)
    assert table.columns == COLUMNS


@pytest.mark.parametrize("file_name", ["attendees-utf8-bom.csv", "attendees-utf16-tab.txt"])
def test_unicode_exports_give_the_same_rows_as_the_plain_utf8_file(file_name: str) -> None:
    assert read_sample(file_name).rows == read_sample("attendees-multiscript.csv").rows


def test_cp1252_export_gives_the_same_rows_for_the_names_it_holds() -> None:
    reference = rows_by_name(read_sample("attendees-multiscript.csv"))
    latin = rows_by_name(read_sample("attendees-excel-cp1252-semicolon.csv"))

    assert {name: reference[name] for name in latin} == latin
    assert set(latin) == {name for name, row in reference.items() if fits_cp1252(row)}
    assert latin["José Müller"]["organization"] == "Zürich Ä Ö Ü ß"


def test_values_keep_their_text_case_and_normalisation_form() -> None:
    decomposed = unicodedata.normalize("NFD", "José")
    table = read_attendees(
        f'name,org\n  {decomposed}  ,"Tom & Jerry <Holdings>"\nMcDONALD,o\'Brien\n'.encode()
    )

    assert table.rows[0] == {"name": decomposed, "org": "Tom & Jerry <Holdings>"}
    assert table.rows[1] == {"name": "McDONALD", "org": "o'Brien"}


def test_line_endings_inside_quoted_cells_become_newlines() -> None:
    table = read_attendees(b'name,org\r\n"Ada\r\nLovelace","A\rB"\r\n')

    assert table.rows == ({"name": "Ada\nLovelace", "org": "A\nB"},)


def test_single_column_file() -> None:
    table = read_attendees(b"name\nAda\nGrace\n")

    assert table.columns == ("name",)
    assert [row["name"] for row in table.rows] == ["Ada", "Grace"]


def test_single_column_with_commas_in_names_keeps_one_column() -> None:
    table = read_attendees(b"name\nLovelace, Ada\nHopper, Grace\n")

    assert table.columns == ("name",)
    assert table.rows[0] == {"name": "Lovelace, Ada"}


def test_quoted_delimiters_do_not_fool_detection() -> None:
    table = read_attendees(b'name;"Firma, Ort";email\nAda;"Acme, Berlin";a@x.org\nLi;"B, C, D";l@x.org\n')

    assert table.delimiter == ";"
    assert table.columns == ("name", "Firma, Ort", "email")
    assert table.rows[1] == {"name": "Li", "Firma, Ort": "B, C, D", "email": "l@x.org"}


def test_quoted_semicolons_in_a_comma_file() -> None:
    table = read_attendees(b'"name; full",org\n"Ada; L",x\n')

    assert table.delimiter == ","
    assert table.rows == ({"name; full": "Ada; L", "org": "x"},)


def test_pipe_file() -> None:
    table = read_attendees(b"name|org|role\nAda|Acme, Inc.|Speaker\n")

    assert table.delimiter == "|"
    assert table.rows == ({"name": "Ada", "org": "Acme, Inc.", "role": "Speaker"},)


def test_utf16_big_endian_with_bom() -> None:
    table = read_attendees(b"\xfe\xff" + "name\torg\n张伟\t清华大学\n".encode("utf-16-be"))

    assert (table.encoding, table.delimiter) == ("utf-16-be", "\t")
    assert table.rows == ({"name": "张伟", "org": "清华大学"},)


def test_cp1252_bytes_outside_latin1_decode_as_windows_1252() -> None:
    table = read_attendees(b"name;price\n\x93Ada\x94;\x8020\n")

    assert table.encoding == "cp1252"
    assert table.rows == ({"name": "\u201cAda\u201d", "price": "€20"},)


def test_blank_lines_are_skipped_but_still_counted_as_rows() -> None:
    table = read_attendees(b"\nname,org\n\n,\n  \nAda,x\n")

    assert table.rows == ({"name": "Ada", "org": "x"},)
    with pytest.raises(RenderInputError) as error:
        read_attendees(b"name,org\n\nAda,x,extra\n")
    assert error.value.location == "row 3"


def test_short_rows_are_padded() -> None:
    table = read_attendees(b"name,org,role\nAda\nLi,X\n")

    assert table.rows == ({"name": "Ada", "org": "", "role": ""}, {"name": "Li", "org": "X", "role": ""})


def test_too_many_cells_names_the_row() -> None:
    with pytest.raises(RenderInputError, match="3 cells but the header has 2 columns") as error:
        read_attendees(b"name,org\nAda,x\nLi,y\nGrace,z,extra\n")

    assert error.value.location == "row 4"
    assert str(error.value).startswith("row 4: ")


def test_bad_quoting_names_the_row_and_line() -> None:
    with pytest.raises(RenderInputError, match="line 3") as error:
        read_attendees(b'name,org\nAda,x\n"Li"y,z\n')

    assert error.value.location == "row 3"


@pytest.mark.parametrize(
    ("header", "location", "message"),
    [
        (b"name,,email", "row 1, column 2", "no name"),
        (b"name,org,  \t", "row 1, column 3", "no name"),
        (b"name,org,Name", "row 1, column 3", "'Name' repeats column 1"),
        (b"email, name ,NAME", "row 1, column 3", "'NAME' repeats column 2"),
    ],
)
def test_header_names_must_be_present_and_unique(header: bytes, location: str, message: str) -> None:
    with pytest.raises(RenderInputError, match=message) as error:
        read_attendees(header + b"\nAda,x,y\n")

    assert error.value.location == location


def test_header_names_are_stripped() -> None:
    assert read_attendees(b" name ,\torg\nAda,x\n").columns == ("name", "org")


def test_invalid_bytes_name_the_encodings_tried() -> None:
    with pytest.raises(RenderInputError) as error:
        read_attendees(b"name\nAda\nAb\x81c\n")

    message = str(error.value)
    assert all(encoding in message for encoding in ("UTF-8", "UTF-16", "Windows-1252"))
    assert "0x81 on line 3" in message
    assert error.value.location == "file"


def test_utf8_bom_is_decisive() -> None:
    with pytest.raises(RenderInputError, match="UTF-8 byte-order mark but byte 0xE9 on line 2"):
        read_attendees(b"\xef\xbb\xbfname\nJos\xe9\n")


def test_utf16_without_bom_is_refused_rather_than_misread() -> None:
    with pytest.raises(RenderInputError, match="NUL"):
        read_attendees("name\nAda\n".encode("utf-16-le"))


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\r\n\r\n", b" \n,,\n"],
    ids=["empty", "utf8-bom", "utf16le-bom", "utf16be-bom", "newlines", "blank-cells"],
)
def test_empty_file_has_no_attendees(data: bytes) -> None:
    with pytest.raises(RenderInputError, match="no attendees"):
        read_attendees(data)


def test_header_without_rows_has_no_attendees() -> None:
    with pytest.raises(RenderInputError, match="no attendees"):
        read_attendees(b"name,org\r\n\r\n")


def test_byte_limit() -> None:
    data = b"name\n" + b"Ada\n" * 30

    assert len(read_attendees(data, max_bytes=len(data))) == 30
    with pytest.raises(LimitExceededError, match="max_bytes=100"):
        read_attendees(data, max_bytes=100)


def test_row_limit() -> None:
    data = b"name\n" + b"Ada\n\n" * 4

    assert len(read_attendees(data, max_rows=4)) == 4
    with pytest.raises(LimitExceededError, match="max_rows=3") as error:
        read_attendees(data, max_rows=3)
    assert error.value.location == "row 8"


def test_default_row_limit_is_a_hundred_thousand() -> None:
    data = b"name\n" + b"Ada\n" * 100_000

    assert len(read_attendees(data)) == 100_000
    with pytest.raises(LimitExceededError, match="max_rows=100000"):
        read_attendees(data + b"One More\n")


def test_column_limit() -> None:
    header = ",".join(f"c{number}" for number in range(4)).encode()

    with pytest.raises(LimitExceededError, match="max_columns=3"):
        read_attendees(header + b"\na,b,c,d\n", max_columns=3)


def test_cell_length_limit_names_row_and_column() -> None:
    data = b"name,org\nAda,x\nLi," + b"y" * 11 + b"\n"

    assert len(read_attendees(data, max_cell_chars=11)) == 2
    with pytest.raises(LimitExceededError, match="max_cell_chars=10") as error:
        read_attendees(data, max_cell_chars=10)
    assert error.value.location == "row 3, column 'org'"


def test_cell_over_the_csv_module_field_limit_is_a_cell_length_error() -> None:
    with pytest.raises(LimitExceededError, match="max_cell_chars=1000"):
        read_attendees(b"name\n" + b"x" * 200_000 + b"\n")


def test_table_is_frozen() -> None:
    table = read_attendees(b"name\nAda\n")

    with pytest.raises(dataclasses.FrozenInstanceError):
        table.encoding = "ascii"  # type: ignore[misc]


def test_records_become_text_with_columns_in_first_seen_order() -> None:
    table = attendees_from_records(
        [
            {"name": " Ada ", "age": 36, "score": 1.5},
            {"name": "Li", "is_vip": True, "email": None},
            {"ticket": "Speaker", "name": "Grace", "age": -2},
        ]
    )

    assert table.columns == ("name", "age", "score", "is_vip", "email", "ticket")
    assert table.rows[0] == {
        "name": "Ada",
        "age": "36",
        "score": "1.5",
        "is_vip": "",
        "email": "",
        "ticket": "",
    }
    assert table.rows[1]["is_vip"] == "true"
    assert table.rows[1]["email"] == ""
    assert table.rows[2]["age"] == "-2"
    assert (len(table), table.encoding, table.delimiter) == (3, "", "")


@pytest.mark.parametrize("value", [{"first": "Ada"}, ["Ada"]], ids=["object", "array"])
def test_nested_record_values_name_the_attendee_and_field(value: object) -> None:
    with pytest.raises(RenderInputError, match="nested") as error:
        attendees_from_records([{"name": "Li"}, {"name": "Bo"}, {"name": "Ada", "x": value}])

    assert error.value.location == "attendee 3, field 'x'"


@pytest.mark.parametrize(
    "records", [{"name": "Ada"}, "name\nAda", None, []], ids=["object", "text", "null", "empty"]
)
def test_records_must_be_a_non_empty_list(records: object) -> None:
    with pytest.raises(RenderInputError, match="at least one object"):
        attendees_from_records(records)


def test_each_record_must_be_an_object() -> None:
    with pytest.raises(RenderInputError, match="JSON object") as error:
        attendees_from_records([{"name": "Ada"}, "Li"])

    assert error.value.location == "attendee 2"


def test_record_keys_must_not_differ_only_by_case() -> None:
    with pytest.raises(RenderInputError, match="repeats 'name'") as error:
        attendees_from_records([{"name": "Ada"}, {"Name": "Li"}])

    assert error.value.location == "attendee 2, field 'Name'"


def test_record_numbers_must_be_finite() -> None:
    with pytest.raises(RenderInputError, match="finite"):
        attendees_from_records([{"name": "Ada", "score": float("nan")}])


def test_record_limits() -> None:
    with pytest.raises(LimitExceededError, match="max_rows=2"):
        attendees_from_records([{"name": "Ada"}] * 3, max_rows=2)
    with pytest.raises(LimitExceededError, match="max_columns=2"):
        attendees_from_records([{"a": 1, "b": 2}, {"c": 3}], max_columns=2)
    with pytest.raises(LimitExceededError, match="max_cell_chars=3") as error:
        attendees_from_records([{"name": "Ada"}, {"name": "Grace"}], max_cell_chars=3)
    assert error.value.location == "attendee 2, field 'name'"
