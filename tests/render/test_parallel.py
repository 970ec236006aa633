"""A PDF rendered in parts by several processes and joined: the same badges, pages, text and report
as one process makes, a file a strict reader accepts, and errors that reach the caller."""

from __future__ import annotations

import io
import itertools
import os
import signal
import subprocess
from pathlib import Path

import cairocffi
import pypdf
import pytest

import api.render.document as document
from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions, QrSpec
from api.render.parallel import RenderProcessError, process_count, split_pages
from api.render.pdfjoin import PdfJoinError, _shifted, _stream_data_start, join_pdf_bytes
from tests.data.realistic_names import realistic_attendees
from tests.support.pdf import pdffonts, pdftotext

BADGES = 2100  # enough for two parts of at least MIN_BADGES_PER_PROCESS


@pytest.fixture(scope="module")
def attendees() -> list[dict[str, str]]:
    return [
        {"name": row["name"], "organization": row["organization"], "email": f"person{index}@example.org"}
        for index, row in enumerate(realistic_attendees(BADGES, seed=21))
    ]


def plan(sheet: str = "a4-2x2", **options):
    return make_plan(
        built_in_template("classic"),
        BadgeOptions(sheet=sheet, name="PyCon Südostasien", **options),
        columns_available=["name", "organization", "email"],
    )


def report_of(result) -> list[tuple]:
    return [(badge.row, badge.page, badge.slot, badge.findings) for badge in result.tally.badges]


@pytest.mark.parametrize(
    ("badges", "per_page", "parts"), [(2100, 4, 2), (2100, 1, 3), (7, 4, 2), (9, 4, 5), (1, 1, 4)]
)
def test_parts_start_on_a_new_page_and_cover_every_row_once(badges, per_page, parts):
    ranges = split_pages(badges, per_page, parts)

    assert [start for start, _stop in ranges] == sorted({start for start, _stop in ranges})
    assert all(start % per_page == 0 for start, _stop in ranges)
    assert [row for start, stop in ranges for row in range(start, stop)] == list(range(badges))
    pages = [-(-(stop - start) // per_page) for start, stop in ranges]
    assert max(pages) - min(pages) <= 1


def test_short_lists_stay_in_one_process():
    assert process_count(8, 1999) == 1
    assert process_count(8, 2000) == 2
    assert process_count(1, 100_000) == 1
    assert process_count(None, 100_000) == min(len(os.sched_getaffinity(0)), 100)


@pytest.fixture(scope="module")
def one_and_two(attendees, tmp_path_factory):
    """The same badges (2 x 2 on A4, a vCard QR code each) rendered by one process and by two."""
    folder = tmp_path_factory.mktemp("parallel")
    the_plan = plan(qr=QrSpec("email", "vcard"))
    outputs = {}
    for processes in (1, 2):
        pdf = folder / f"processes-{processes}.pdf"
        progress: list[int] = []
        result = render_pdf(the_plan, attendees, str(pdf), processes=processes, on_badge=progress.append)
        outputs[processes] = (pdf, result, progress)
    return outputs


def test_two_processes_make_the_pages_and_text_of_one(one_and_two):
    (single, single_result, _), (joined, joined_result, _) = one_and_two[1], one_and_two[2]

    assert (joined_result.badges, joined_result.pages) == (single_result.badges, single_result.pages)
    assert (joined_result.badges, joined_result.pages) == (BADGES, BADGES // 4)
    assert len(pypdf.PdfReader(joined).pages) == BADGES // 4
    # Page for page the same words in the same places (pdftotext -layout), in the same order.
    assert pdftotext(joined) == pdftotext(single)


def test_the_report_of_two_processes_is_the_report_of_one(one_and_two):
    single_result, joined_result = one_and_two[1][1], one_and_two[2][1]

    assert report_of(joined_result) == report_of(single_result)
    assert joined_result.tally.count_by_kind() == single_result.tally.count_by_kind()
    assert joined_result.tally.flagged == single_result.tally.flagged
    # The second part's badges carry their pages in the whole file, not in their part.
    assert max(badge.page for badge in joined_result.tally.badges) > BADGES // 8


def qpdf_findings(pdf: Path) -> set[str]:
    """What `qpdf --check` finds, with the file name and object numbers taken out; exits 0 (clean)
    or 3 (warnings), never 2 (errors)."""
    check = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
    assert check.returncode in (0, 3), check.stdout[-2000:] + check.stderr[-2000:]
    lines = (check.stdout + check.stderr).splitlines()
    return {line.split("): ", 1)[-1] for line in lines if line.startswith("WARNING")}


def test_the_joined_file_passes_a_strict_check_with_every_font_embedded(one_and_two):
    single, joined = one_and_two[1][0], one_and_two[2][0]

    # cairo itself lists a form used twice on a page twice in the page's resources (qpdf warns of
    # a duplicated key, harmless); the join must add nothing of its own.
    assert qpdf_findings(joined) <= qpdf_findings(single)
    fonts = pdffonts(joined)
    assert fonts
    assert {font["emb"] for font in fonts} == {"yes"}


def test_progress_counts_every_badge_of_every_part_and_never_goes_back(one_and_two):
    progress = one_and_two[2][2]

    backwards = [(before, after) for before, after in itertools.pairwise(progress) if after < before]
    assert backwards == []
    assert progress[-1] == BADGES - 1
    assert progress[0] < BADGES // 2  # the parent's own badges are counted as they are drawn


def test_no_part_file_is_left_beside_the_output(one_and_two):
    folder = one_and_two[2][0].parent

    assert sorted(path.name for path in folder.iterdir()) == ["processes-1.pdf", "processes-2.pdf"]


def test_an_error_in_a_later_part_is_raised_by_the_caller_and_nothing_is_left(attendees, tmp_path):
    rows = [dict(row) for row in attendees]
    rows[-1]["email"] = "x" * 3000  # too long for any QR code, in the last (a child's) part

    with pytest.raises(RenderInputError, match="QR code cannot hold"):
        render_pdf(plan(qr=QrSpec("email")), rows, str(tmp_path / "out.pdf"), processes=2)

    assert list(tmp_path.iterdir()) == []


def test_a_part_process_that_dies_is_an_error_not_a_short_file(attendees, tmp_path, monkeypatch):
    # Fault injection (named as such): the process rendering a later part is killed, as the
    # kernel's OOM killer or a resource limit would; the child runs the function patched here.
    real_render_pdf = document.render_pdf

    def killed_in_later_parts(*args, first_page=1, **kwargs):
        if first_page > 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_render_pdf(*args, first_page=first_page, **kwargs)

    monkeypatch.setattr(document, "render_pdf", killed_in_later_parts)

    with pytest.raises(RenderProcessError, match="SIGKILL"):
        real_render_pdf(plan(), attendees, str(tmp_path / "out.pdf"), processes=2)

    assert list(tmp_path.iterdir()) == []


def cairo_pdf(pages: list[str]) -> bytes:
    """A small PDF as cairo writes it: one line of text per page."""
    buffer = io.BytesIO()
    surface = cairocffi.PDFSurface(buffer, 200, 100)
    ctx = cairocffi.Context(surface)
    for text in pages:
        ctx.move_to(10, 50)
        ctx.show_text(text)
        ctx.show_page()
    surface.finish()
    return buffer.getvalue()


def test_joined_parts_keep_their_pages_in_order(tmp_path):
    parts = [cairo_pdf(["one", "two"]), cairo_pdf(["three"]), cairo_pdf(["four", "five"])]
    joined = tmp_path / "joined.pdf"

    with joined.open("wb") as output:
        pages = join_pdf_bytes(parts, output)

    assert pages == 5
    reader = pypdf.PdfReader(joined, strict=True)
    assert [page.extract_text().strip() for page in reader.pages] == ["one", "two", "three", "four", "five"]
    assert qpdf_findings(joined) == set()


def test_references_are_renumbered_outside_strings_only():
    # Text that looks like PDF syntax inside a string (an attendee's name in a title, a link)
    # must be copied as it is: not renumbered, and "stream" in it not taken for a stream's start.
    text = b"<< /Kids [ 3 0 R 12 0 R ] /T (Mr 3 0 R \\(x\\) stream\n) /H <33 30> /N 4 0 R >>"

    assert _shifted(text, 100) == (
        b"<< /Kids [ 103 0 R 112 0 R ] /T (Mr 3 0 R \\(x\\) stream\n) /H <33 30> /N 104 0 R >>"
    )
    assert _stream_data_start(b"7 0 obj\n" + text + b"\nstream\nDATA") == len(
        b"7 0 obj\n" + text + b"\nstream\n"
    )


def test_a_pdf_not_laid_out_as_cairo_writes_it_is_refused(tmp_path):
    # pypdf writes no classic trailer after a cross-reference stream when asked for compression;
    # any file the joiner does not understand must be refused, never half-copied.
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 100)
    foreign = io.BytesIO()
    writer.write(foreign)
    broken = cairo_pdf(["one"]).replace(b"startxref", b"startxrex")

    for part in (foreign.getvalue()[:-40], broken):
        with pytest.raises(PdfJoinError):
            join_pdf_bytes([cairo_pdf(["fine"]), part], io.BytesIO())


def test_a_resource_dictionary_repeated_on_many_pages_is_written_once(attendees, tmp_path):
    # cairo gives every page its own copy of the page's resources; the join keeps one of each.
    the_plan = plan(sheet="one-per-page")
    parts = []
    for index, rows in enumerate((attendees[:40], attendees[40:80])):
        part = tmp_path / f"part-{index}.pdf"
        render_pdf(the_plan, rows, str(part))
        parts.append(part)
    joined = tmp_path / "joined.pdf"

    with joined.open("wb") as output:
        pages = join_pdf_bytes([part.read_bytes() for part in parts], output)

    reader = pypdf.PdfReader(joined, strict=True)
    kept = {page.raw_get("/Resources").idnum for page in reader.pages}
    assert pages == 80
    assert len(kept) < pages / 2  # one per set of fonts and forms, not one per page
    # Each page still finds its fonts and forms, and prints its own text where it did.
    assert all("/Font" in page["/Resources"] for page in reader.pages)
    assert pdftotext(joined) == pdftotext(parts[0]) + pdftotext(parts[1])
    assert qpdf_findings(joined) == set()
    # Every dictionary left out took more than a hundred bytes with it.
    saved = sum(part.stat().st_size for part in parts) - joined.stat().st_size
    assert saved > 100 * (pages - len(kept))
