"""The proof report, from real renders: what happened to each field of each badge, where the badge
is, and the proof sheet of the badges to check."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import cairocffi
import pytest
from PIL import Image

from api.render import proof
from api.render.attendees import attendees_from_records, read_attendees
from api.render.builtin import make_plan
from api.render.document import BadgeChecker, BadgePlan, BadgeStamper, render_pdf
from api.render.findings import BadgeFindings, Finding, FindingsTally
from api.render.options import BadgeOptions, QrSpec
from api.render.tasks import BadgeSpec, RenderTask, TemplateSource, preview_badge, render_job
from api.render.template import compile_template
from api.render.text import PlacedText
from tests.data.templates import FINDINGS_TEMPLATE as TEMPLATE
from tests.support.pdf import pdftotext

NAME_PT = 8 * 72 / 25.4  # the name's size in points: 8 mm
LONG_NAME = "Maximilian Alexander Hohenzollern-Sigmaringen"


def plan_for(sheet: str = "one-per-page", background: bytes | None = None) -> BadgePlan:
    options = BadgeOptions(sheet=sheet, qr=QrSpec("email"))
    template = compile_template(TEMPLATE)
    return make_plan(
        template, options, columns_available=["name", "organization", "email"], background=background
    )


def attendee(name: str, organization: str = "", email: str = "a@example.org") -> dict[str, str]:
    return {"name": name, "organization": organization, "email": email}


def findings_of(rows: list[dict[str, str]], **plan_options) -> list[BadgeFindings]:
    result = render_pdf(plan_for(**plan_options), rows, io.BytesIO())
    return result.tally.badges


def kinds(badge: BadgeFindings) -> list[tuple[str | None, str]]:
    return [(finding.field, finding.kind) for finding in badge.findings]


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


# Each kind ----------------------------------------------------------------------------------------


def test_a_badge_where_everything_fits_has_no_findings():
    assert findings_of([attendee("Ada Lovelace")]) == []


def test_a_name_a_little_too_wide_is_shrunk_and_nothing_else():
    # One line at 8 mm is about 3 times wider than 80 mm, so shrinking to about a third would
    # go below the minimum: this name is long enough to shrink but not to wrap.
    (badge,) = findings_of([attendee("Alexandra Konstantin")])

    assert kinds(badge) == [("name", "shrunk")]
    (shrunk,) = badge.findings
    assert shrunk.size_pt is not None
    assert NAME_PT * 0.5 < shrunk.size_pt < NAME_PT * 0.995
    assert f"shrunk to {shrunk.size_pt:g} pt" in shrunk.message
    assert not badge.flagged  # info: no look needed


def test_a_long_name_wraps_without_an_ellipsis():
    (badge,) = findings_of([attendee(LONG_NAME)])

    wrapped = next(finding for finding in badge.findings if finding.kind == "wrapped")
    assert wrapped.lines == 2
    assert wrapped.field == "name"
    assert "ellipsized" not in [finding.kind for finding in badge.findings]
    assert badge.flagged


def test_an_ellipsis_only_where_the_box_is_impossibly_small():
    # The same long text: wrapped in the name's 80 mm, shortened in the organisation's 3 mm.
    (badge,) = findings_of([attendee(LONG_NAME, organization=LONG_NAME)])

    ellipsized = [finding for finding in badge.findings if finding.kind == "ellipsized"]
    assert [finding.field for finding in ellipsized] == ["organization"]
    assert ellipsized[0].level == "error"


def test_a_character_no_font_has_is_missing_glyphs_with_the_character():
    (badge,) = findings_of([attendee("Bad \ue000 Glyph")])

    (missing,) = badge.findings
    assert (missing.kind, missing.field, missing.characters) == ("missing_glyphs", "name", "\ue000")
    assert "U+E000" in missing.message


def test_an_unassigned_code_point_is_missing_too():
    (badge,) = findings_of([attendee("Zoe \u0378")])  # unassigned in every Unicode version

    assert [finding.kind for finding in badge.findings] == ["missing_glyphs"]


def test_fallback_fonts_become_findings_except_colour_emoji():
    # What the text layer reports drawing from other fonts: a Tamil name in a DejaVu-only
    # template, and an emoji, which always comes from the emoji font and is not worth a look.
    canvas = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_RGB24, 4, 4))
    checker = BadgeChecker(BadgeStamper(canvas, plan_for()))
    style_size = checker.fields[0][0].size
    placed = PlacedText(
        "சுப்ரமணியன் 🎉",
        style_size,
        1,
        50.0,
        0,
        fallback_fonts=(("சுப்ரமணியன்", "Noto Sans Tamil"), ("🎉", "Noto Color Emoji")),
    )

    (finding,) = checker.findings([("name", placed)], None)

    assert (finding.kind, finding.font, finding.characters) == (
        "fallback_font",
        "Noto Sans Tamil",
        "சுப்ரமணியன்",
    )
    assert finding.level == "info"


def test_a_tamil_name_in_a_dejavu_template_is_drawn_from_a_fallback_font():
    badges = findings_of([attendee("சுப்ரமணியன்")])
    fallbacks = [finding for badge in badges for finding in badge.findings if finding.kind == "fallback_font"]
    if not fallbacks:
        pytest.skip("the text layer does not report fallback fonts yet (PlacedText.fallback_fonts)")
    assert "Tamil" in (fallbacks[0].font or "")


def test_a_qr_code_with_long_data_in_a_small_box_is_too_dense():
    rows = [
        attendee("Ada", email="ada@example.org"),
        attendee("Bob", email="https://example.org/" + "x" * 300),
    ]

    (badge,) = findings_of(rows)

    assert badge.row == 2
    (dense,) = badge.findings
    assert (dense.kind, dense.field, dense.level) == ("qr_too_dense", "qr", "error")
    modules_mm = float(re.search(r"modules of ([\d.]+) mm", dense.message).group(1))
    assert modules_mm < 0.33


def test_a_small_background_image_is_said_once_for_the_job():
    rows = [attendee("Ada"), attendee("Bob")]
    # 100 x 70 mm from 120 x 84 pixels: about 30 dpi.
    result = render_pdf(plan_for(background=png_bytes(120, 84)), rows, io.BytesIO())

    (upscaled,) = result.job_findings
    assert (upscaled.kind, upscaled.level) == ("image_upscaled", "warning")
    assert "30 dpi" in upscaled.message
    assert result.tally.badges == []  # not repeated on every badge


def test_a_background_at_print_resolution_has_no_finding():
    # 1200 pixels over 100 mm: 305 dpi.
    result = render_pdf(plan_for(background=png_bytes(1200, 840)), [attendee("Ada")], io.BytesIO())

    assert result.job_findings == ()


# Where each badge is --------------------------------------------------------------------------


def test_page_and_slot_on_a_two_by_two_sheet():
    rows = [attendee("Ada")] * 6
    rows[3] = attendee(LONG_NAME)  # the 4th badge: page 1, bottom right
    rows[4] = attendee(LONG_NAME)  # the 5th: page 2, top left

    badges = findings_of(rows, sheet="a4-2x2")

    assert [(badge.row, badge.page, badge.slot) for badge in badges] == [(4, 1, 4), (5, 2, 1)]


def test_badges_are_named_by_their_spreadsheet_rows_with_blank_lines():
    csv = "name,organization,email\nAda,,a@x.org\n\n\nZoe \ue000,,z@x.org\n,,\nBob,,b@x.org\n"
    table = read_attendees(csv.encode())
    assert table.row_numbers == (2, 5, 7)  # the header is row 1; blank rows count

    result = render_pdf(plan_for(), table.rows, io.BytesIO(), row_numbers=table.row_numbers)

    assert [(badge.row, badge.page) for badge in result.tally.badges] == [(5, 2)]


def test_a_json_list_is_numbered_from_one():
    table = attendees_from_records([{"name": "Ada"}, {"name": "Bob"}])

    assert table.row_numbers == (1, 2)


# Keeping memory flat ---------------------------------------------------------------------------


def test_the_tally_counts_every_badge_and_keeps_details_up_to_its_cap():
    tally = FindingsTally(max_detailed=2)
    wrapped = (Finding("wrapped", "wrapped to 2 lines", field="name", lines=2),)
    shrunk = (Finding("shrunk", "shrunk", field="name", size_pt=12.0),)
    for row in range(2, 7):
        tally.add(BadgeFindings(row, 1, row - 1, wrapped))
        tally.add(BadgeFindings(row + 100, 2, row - 1, shrunk))

    assert (tally.flagged, tally.counts["wrapped"], tally.counts["shrunk"]) == (5, 5, 5)
    # Info-only badges have their own cap: they do not crowd out the flagged ones.
    assert [badge.row for badge in tally.badges] == [2, 102, 3, 103]
    assert tally.omitted == 6


def test_the_same_outcome_shares_its_findings_between_badges():
    rows = [attendee(LONG_NAME)] * 3

    badges = findings_of(rows)

    assert badges[0].findings == badges[1].findings
    assert badges[0].findings[0] is badges[1].findings[0]  # one object, however many badges


# Jobs, previews and the proof sheet -----------------------------------------------------------


def job(tmp_path: Path, rows: list[dict[str, str]], **extra) -> RenderTask:
    return RenderTask(
        template_svg=TEMPLATE,
        template_id=None,
        options=BadgeOptions(sheet="a4-2x2", qr=QrSpec("email")),
        rows=rows,
        columns=["name", "organization", "email"],
        output_path=str(tmp_path / "badges.pdf"),
        **extra,
    )


def test_a_job_summary_carries_counts_flags_and_a_proof_sheet(tmp_path):
    rows = [
        attendee("Ada"),
        attendee(LONG_NAME),
        attendee("Bo"),
        attendee("Zoe \ue000"),
        attendee("Alexandra Konstantin"),
    ]
    task = job(tmp_path, rows, row_numbers=[2, 3, 5, 6, 9], proof_path=str(tmp_path / "proof.pdf"))

    summary = render_job(lambda done: None, task)

    assert [badge.row for badge in summary.findings] == [3, 6, 9]
    assert summary.flagged == 2  # the wrapped name and the missing character; shrunk is info
    assert summary.counts["wrapped"] == 1
    assert summary.counts["missing_glyphs"] == 1
    assert summary.counts["shrunk"] >= 2
    missing = [f for badge in summary.findings for f in badge.findings if f.kind == "missing_glyphs"]
    assert [(f.field, f.message) for f in missing] == [
        ("name", "U+E000 in no installed font: printed as empty boxes")
    ]
    assert summary.proof_pages == 1
    text = pdftotext(tmp_path / "proof.pdf")
    assert re.findall(r"Row (\d+)", text) == ["3", "6"]  # only the flagged badges
    assert "page 1, slot 2" in text
    assert "wrapped to 2 lines" in text


def test_no_proof_sheet_when_nothing_is_flagged(tmp_path):
    task = job(tmp_path, [attendee("Ada")], proof_path=str(tmp_path / "proof.pdf"))

    summary = render_job(lambda done: None, task)

    assert (summary.flagged, summary.proof_pages) == (0, 0)
    assert not (tmp_path / "proof.pdf").exists()


def test_the_proof_sheet_is_capped_with_a_line_for_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(proof, "MAX_PROOF_BADGES", 5)
    rows = [attendee(f"{LONG_NAME} {number}") for number in range(7)]
    task = job(tmp_path, rows, proof_path=str(tmp_path / "proof.pdf"))

    summary = render_job(lambda done: None, task)

    assert summary.flagged == 7
    assert summary.proof_pages == 2
    text = pdftotext(tmp_path / "proof.pdf")
    assert re.findall(r"Row (\d+)", text) == ["1", "2", "3", "4", "5"]
    assert "and 2 more flagged badges" in text


def test_four_a6_badges_a_page_and_two_or_one_for_larger_ones():
    mm = 72 / 25.4
    assert proof.proof_layout(105 * mm, 148 * mm).per_page == 4
    assert proof.proof_layout(85.6 * mm, 54 * mm).per_page == 4
    assert proof.proof_layout(148 * mm, 210 * mm).per_page in (1, 2)
    assert proof.proof_layout(85.6 * mm, 54 * mm).scale <= proof.MAX_SCALE


@pytest.mark.parametrize("output", ["png", "pdf"])
def test_a_preview_carries_the_findings_of_its_badge(output):
    spec = BadgeSpec(
        TemplateSource(svg=TEMPLATE, sha256=hashlib.sha256(TEMPLATE).hexdigest()),
        BadgeOptions(qr=QrSpec("email")),
        ["name", "organization", "email"],
        background=png_bytes(120, 84),
    )

    preview = preview_badge(lambda done: None, spec, attendee(LONG_NAME), 72, output, 10**7, row_number=12)

    assert preview.content[:4] in (b"\x89PNG", b"%PDF")
    assert preview.findings.row == 12
    found = [finding.kind for finding in preview.findings.findings]
    assert "wrapped" in found
    assert "image_upscaled" in found
    json.dumps(preview.findings.as_dict())  # JSON as it is


def word_heights(pdf: Path, word: str) -> list[float]:
    """The height of each box pdftotext finds for `word`, in points."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = rf'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{word}</word>'
    return [float(bottom) - float(top) for top, bottom in re.findall(pattern, html)]


def test_the_proof_sheet_draws_the_same_badge_at_its_scale(tmp_path):
    task = job(tmp_path, [attendee(LONG_NAME)], proof_path=str(tmp_path / "proof.pdf"))
    render_job(lambda done: None, task)
    scale = proof.proof_layout(100 * 72 / 25.4, 70 * 72 / 25.4).scale

    (printed,) = word_heights(tmp_path / "badges.pdf", "Maximilian")
    (proofed,) = word_heights(tmp_path / "proof.pdf", "Maximilian")

    # Stamped again under a scale, not laid out again: the same name, in proportion.
    assert proofed == pytest.approx(printed * scale, rel=0.02)
