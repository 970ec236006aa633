"""Big jobs with flat memory (issue 15, items 3 and 4), without rendering: the row limit's
configuration, packed attendee rows, the compact findings tally and the report read a page at a
time giving what the whole report gave."""

from __future__ import annotations

import pickle
import tracemalloc
from pathlib import Path

import pytest

from api.badges import report
from api.config import BADGE_JOB_MAX_ROWS_LIMIT, Config, ConfigError, check_config
from api.core.pagination import PageRequest
from api.render.attendees import DECODE_CHUNK, PackedRows, read_attendees
from api.render.errors import RenderInputError
from api.render.findings import KINDS, BadgeFindings, Finding, FindingsTally
from api.render.tasks import RenderSummary

# The row limit -----------------------------------------------------------------------------------


def test_the_row_limit_defaults_to_its_maximum_of_100000():
    assert BADGE_JOB_MAX_ROWS_LIMIT == Config.BADGE_JOB_MAX_ROWS == 100_000
    check_config({"BADGE_JOB_MAX_ROWS": 100_000})
    check_config({"BADGE_JOB_MAX_ROWS": 10})


@pytest.mark.parametrize("rows", [0, 100_001, 1_000_000, "many"])
def test_a_row_limit_past_what_jobs_are_sized_for_is_refused_at_start(rows):
    with pytest.raises(ConfigError, match="BADGE_JOB_MAX_ROWS"):
        check_config({"BADGE_JOB_MAX_ROWS": rows})


def test_the_byte_limits_fit_a_realistic_100000_row_list():
    # Measured on bench_jobs.py --big's list: 10.3 MB as CSV, 19.4 MB as ASCII-escaped JSON.
    assert Config.BADGE_JOB_CSV_MAX_BYTES >= 1.5 * 10.3e6
    assert Config.BADGE_JOB_JSON_MAX_BYTES >= 1.2 * 19.4e6


# Packed rows --------------------------------------------------------------------------------------


def people(count: int) -> list[dict[str, str]]:
    return [
        {"name": f"Person {n} 张伟 🎉", "organization": f"Org {n % 50}", "email": f"p{n}@example.org"}
        for n in range(count)
    ]


def test_packed_rows_read_back_as_the_dicts_they_were_made_from():
    rows = [*people(50), {"name": 'a "quoted"\nline, and \\ more', "organization": "", "email": ""}]

    packed = PackedRows.pack(["name", "organization", "email"], rows)

    assert list(packed) == rows
    assert packed == rows
    assert packed[-1] == rows[-1]
    assert packed[3:5] == rows[3:5]
    assert pickle.loads(pickle.dumps(packed))  # noqa: S301 (our own bytes) == packed
    assert PackedRows(packed.columns, packed.data) == packed  # from the stored bytes
    with pytest.raises(IndexError):
        packed[len(rows)]


def test_packed_rows_cost_a_fraction_of_dicts():
    rows = people(20_000)
    tracemalloc.start()
    packed = PackedRows.pack(["name", "organization", "email"], rows)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert held / len(packed) < 120  # a dict of these three strings is about 500 bytes


def test_a_bad_byte_past_the_first_decoded_chunk_is_named_on_its_line():
    line = "Zoë Zimmermann\n".encode()  # 16 bytes: a chunk ends inside the "ë" of some line
    lines = DECODE_CHUNK // len(line) + 10
    data = b"name\n" + line * lines + b"\xff\xfe bad\n"
    data = b"\xef\xbb\xbf" + data  # a UTF-8 byte-order mark: the file must be UTF-8

    with pytest.raises(RenderInputError, match=f"byte 0xFF on line {lines + 2} "):
        read_attendees(data, max_rows=10**6, max_bytes=10**8)
    assert len(read_attendees(data[: -len(b"\xff\xfe bad\n")], max_rows=10**6, max_bytes=10**8)) == lines


# The compact tally ----------------------------------------------------------------------------


SHARED = [
    Finding("shrunk", "shrunk to 14.5 pt (from 18 pt) to fit", field="name", size_pt=14.5),
    Finding("wrapped", "wrapped to 2 lines at 16.2 pt", field="name", size_pt=16.2, lines=2),
    Finding("qr_too_dense", "too dense to scan", field="qr"),
]


def badge_findings(count: int) -> list[BadgeFindings]:
    """Badges with findings as a realistic job has them: mostly shared outcomes, now and then a
    finding of their own (a fallback font for some characters of a name)."""
    badges = []
    for index in range(count):
        found = [SHARED[index % 2]]
        if index % 7 == 0:
            found.append(SHARED[2])
        if index % 10 == 0:
            chars = chr(0x4E00 + index % 20_000)
            found.append(
                Finding(
                    "fallback_font",
                    f"“{chars}” drawn from Noto Sans CJK",
                    "name",
                    None,
                    None,
                    chars,
                    "Noto Sans CJK",
                )
            )
        if index % 13 == 0:
            found.append(Finding("ellipsized", "shortened", field="organization", size_pt=9.0, lines=1))
        badges.append(BadgeFindings(index + 2, index // 4 + 1, index % 4 + 1, tuple(found)))
    return badges


def test_the_compact_tally_gives_back_every_badge_as_it_was_added():
    badges = badge_findings(3000)
    tally = FindingsTally()
    for badge in badges:
        tally.add(badge)

    assert list(tally.badges) == badges
    assert tally.badges == badges
    assert tally.badges[-1] == badges[-1]
    assert tally.flagged == sum(badge.flagged for badge in badges)
    assert tally.omitted == 0
    again = pickle.loads(pickle.dumps(tally.badges))  # noqa: S301  # as the summary crosses the pipe
    assert list(again) == badges


def tally_bytes(count: int, badges: list[BadgeFindings]) -> int:
    """What a tally of `count` badges holds, measured by tracemalloc (the badges fed to it are
    made one at a time and dropped, as the engine's are)."""
    tracemalloc.start()
    tally = FindingsTally()
    for index in range(count):
        base = badges[index % len(badges)]
        tally.add(BadgeFindings(index + 2, index // 4 + 1, index % 4 + 1, base.findings))
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(tally.badges) == count
    return held


def test_the_tally_holds_a_few_dozen_bytes_a_badge_not_an_object_each():
    badges = badge_findings(1000)  # 100 distinct fallback findings, shared like the rest

    small, large = tally_bytes(10_000, badges), tally_bytes(100_000, badges)

    # BadgeFindings objects cost about 200 bytes a badge; the arrays cost about 25.
    assert (large - small) / 90_000 < 40
    assert large < 4_000_000


# The report, a page at a time --------------------------------------------------------------------


def whole_report_page(items, page, levels, kinds):
    chosen = [item for item in items if report._matches(item, levels, kinds)]
    return chosen[page.offset : page.offset + page.per_page], len(chosen)


FILTERS = [
    ([], []),
    (["error"], []),
    (["warning", "error"], []),
    ([], ["qr_too_dense"]),
    ([], ["fallback_font", "ellipsized"]),
    (["error"], ["wrapped"]),
    (["info"], ["shrunk", "qr_too_dense"]),
]


def test_a_page_of_the_stored_report_is_the_page_of_the_whole_report(tmp_path: Path):
    badges = badge_findings(2000)
    tally = FindingsTally()
    for badge in badges:
        tally.add(badge)
    summary = RenderSummary(
        badges=2500,
        pages=625,
        findings=tally.badges,
        counts=tally.count_by_kind(),
        flagged=tally.flagged,
        job_findings=[Finding("image_upscaled", "the background prints at 90 dpi", field="background")],
    )
    lines, index = tmp_path / "report.jsonl", tmp_path / "report.index"
    report.write_report(summary, lines, index)
    items = [badge.as_dict() for badge in badges]

    for levels, kinds in FILTERS:
        for number, per_page in [(1, 25), (3, 100), (7, 100), (40, 50), (1, 100_000)]:
            page = PageRequest(page=number, per_page=per_page)
            with lines.open("rb") as lines_file, index.open("rb") as index_file:
                head, got, total = report._report_page(
                    lines_file, index_file, page, report._wanted_kinds(levels, kinds)
                )
            expected, expected_total = whole_report_page(items, page, levels, kinds)
            assert (got, total) == (expected, expected_total), (levels, kinds, number, per_page)
    assert head["badges"] == 2500
    assert head["counts"] == tally.count_by_kind()
    assert set(head["counts"]) == set(KINDS)
    assert head["job_findings"][0]["kind"] == "image_upscaled"
    assert head["omitted"] == 0
