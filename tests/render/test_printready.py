"""Print output (options.output "print", api/render/printready.py), read as a print shop would:
the PDF/X output intent and its embedded CMYK profile, TrimBox on every page, CMYK images,
CMYK ink coverage (Ghostscript's inkcov device), fonts embedded and text extractable; and
Ghostscript held to the render worker's limits."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageDraw
from pypdf.generic import RectangleObject

from api.render import tasks
from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.errors import LimitExceededError, RenderInputError
from api.render.limits import RenderLimits
from api.render.options import BackgroundOption, BadgeOptions
from api.render.pool import BATCH, RenderPool
from api.render.printready import CHUNK_PAGES, PDFX_VERSION, PROFILE_DESCRIPTION, convert_for_print
from api.render.runtime import default_settings
from api.render.tasks import RenderTask
from api.render.template import compile_template

PEOPLE = [
    {"name": "Ada Lovelace", "organization": "Analytical Engines"},
    {"name": "张伟", "organization": "清华大学"},
    {"name": "محمد عبد الله", "organization": "جامعة القاهرة"},
    {"name": "Анна Ким", "organization": "FOSSASIA"},
]
# Black text on white over a red band: the text needs black ink, the band magenta and yellow.
INK_TEMPLATE = b"""<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="70mm" viewBox="0 0 100 70">
  <rect x="0" y="50" width="100" height="20" fill="#e63946"/>
  <text x="50" y="25" text-anchor="middle" font-family="DejaVu Sans" font-size="9"
        fill="#000000">{{name}}</text>
</svg>"""


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def reader_of(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(path.read_bytes()))


def photo(width: int, height: int) -> bytes:
    """A JPEG that is all detail (noise) with a red and a blue band: no colour is an accident."""
    image = Image.effect_noise((width, height), 60).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 4), fill=(200, 30, 60))
    draw.rectangle((0, height * 3 // 4, width, height), fill=(20, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def render(path: Path, *, background: bytes | None = None, template_svg: bytes | None = None) -> Path:
    template = compile_template(template_svg) if template_svg else built_in_template("classic")
    options = BadgeOptions(name="Summit 2026", background=BackgroundOption() if background else None)
    plan = make_plan(template, options, columns_available=["name", "organization"], background=background)
    render_pdf(plan, PEOPLE, str(path))
    return path


@pytest.fixture(scope="module")
def rgb_pdf(tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp("rgb") / "badges.pdf", background=photo(600, 800))


@pytest.fixture(scope="module")
def print_pdf(tmp_path_factory) -> Path:
    path = render(tmp_path_factory.mktemp("print") / "badges.pdf", background=photo(600, 800))
    before = path.stat().st_size
    conversion = convert_for_print(str(path), title="Саммит (été) \\ 2026")
    assert conversion.bytes_before == before
    assert conversion.bytes_after == path.stat().st_size
    assert not [p.name for p in path.parent.iterdir() if p != path], "no working files left"
    return path


def test_print_output_carries_a_pdfx_output_intent_with_an_embedded_cmyk_profile(print_pdf):
    reader = reader_of(print_pdf)

    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "CGATS TR 001"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    icc = profile.get_data()
    assert icc[36:40] == b"acsp"  # an ICC profile's signature
    assert icc[16:20] == b"CMYK"  # its data colour space
    assert PROFILE_DESCRIPTION.encode() in icc
    assert reader.metadata["/GTS_PDFXVersion"] == PDFX_VERSION == "PDF/X-3:2002"
    assert reader.metadata["/Title"] == "Саммит (été) \\ 2026"
    assert "PDF/X-3:2002" in run("pdfinfo", str(print_pdf))


def test_every_page_of_print_output_has_a_trim_box_inside_its_media_box(print_pdf):
    reader = reader_of(print_pdf)

    assert len(reader.pages) == len(PEOPLE)
    for page in reader.pages:
        assert "/TrimBox" in page
        trim, media = page.trimbox, page.mediabox
        assert media.left <= trim.left < trim.right <= media.right
        assert media.bottom <= trim.bottom < trim.top <= media.top
        assert "/Rotate" not in page or page["/Rotate"] == 0


def test_print_output_keeps_a_trim_box_the_pdf_already_has(rgb_pdf, tmp_path):
    # A bleed of 3 mm (8.5 pt) around the badge: the trim is inside a larger media box.
    boxed = tmp_path / "boxed.pdf"
    writer = pypdf.PdfWriter(clone_from=reader_of(rgb_pdf))
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        page.mediabox = RectangleObject([0, 0, width + 17, height + 17])
        page.trimbox = RectangleObject([8.5, 8.5, width + 8.5, height + 8.5])
    writer.write(boxed)

    convert_for_print(str(boxed))

    for page in reader_of(boxed).pages:
        assert [round(float(v), 1) for v in page.trimbox] == [
            8.5,
            8.5,
            round(float(page.mediabox.width) - 8.5, 1),
            round(float(page.mediabox.height) - 8.5, 1),
        ]


def images(path: Path) -> list[list[str]]:
    return [line.split() for line in run("pdfimages", "-list", str(path)).splitlines()[2:]]


def test_print_output_images_are_cmyk_and_rgb_output_keeps_them_rgb(print_pdf, rgb_pdf):
    printed, plain = images(print_pdf), images(rgb_pdf)

    assert len(printed) == len(plain) == len(PEOPLE)  # the photo under every badge
    assert {image[5] for image in printed} == {"cmyk"}
    assert {image[6] for image in printed} == {"4"}
    assert {image[5] for image in plain} == {"rgb"}
    for page in reader_of(print_pdf).pages:
        for xobject in page["/Resources"]["/XObject"].values():
            space = xobject.get_object().get("/ColorSpace")
            if space is None:
                continue
            space = space.get_object()
            if isinstance(space, list):  # [/ICCBased stream]
                assert space[0] == "/ICCBased"
                assert space[1].get_object()["/N"] == 4
            else:
                assert space == "/DeviceCMYK"


def test_the_default_output_is_rgb_without_an_output_intent(rgb_pdf):
    reader = reader_of(rgb_pdf)

    assert "/OutputIntents" not in reader.trailer["/Root"]
    assert "/GTS_PDFXVersion" not in (reader.metadata or {})


def test_print_output_keeps_fonts_embedded_and_text_as_text(print_pdf):
    fonts = run("pdffonts", str(print_pdf)).splitlines()[2:]
    text = run("pdftotext", str(print_pdf), "-")

    assert fonts
    for line in fonts:
        # name, type words..., encoding, emb, sub, uni, object, generation
        assert line.split()[-5] == "yes", line
    for person in PEOPLE:
        assert person["name"] in text


def coverage(path: Path, device: str) -> list[list[float]]:
    lines = run("gs", "-q", "-dSAFER", "-o", "-", f"-sDEVICE={device}", str(path)).splitlines()
    return [[float(value) for value in line.split()[:4]] for line in lines if line.strip().endswith("OK")]


def test_ink_coverage_is_black_for_text_and_magenta_yellow_for_a_red_band(tmp_path):
    text_only = tmp_path / "text.pdf"
    render(text_only, template_svg=INK_TEMPLATE.replace(b'fill="#e63946"', b'fill="none"'))
    banded = render(tmp_path / "band.pdf", template_svg=INK_TEMPLATE)
    convert_for_print(str(text_only))
    convert_for_print(str(banded))

    text_pages, band_pages = coverage(text_only, "ink_cov"), coverage(banded, "ink_cov")

    assert len(text_pages) == len(band_pages) == len(PEOPLE)
    for (c, m, y, k), (bc, bm, by, bk) in zip(text_pages, band_pages, strict=True):
        assert k > 0  # the names are printed with black ink
        # The band adds much magenta and yellow and little cyan; the black stays the text's.
        assert bm - m > 5 * (bc - c) > 0
        assert by - y > 3 * (bc - c)
        assert bk == pytest.approx(k, abs=0.1)
    # Every page uses some of each of the four inks (inkcov: the share of the page inked).
    assert all(min(page) > 0 for page in coverage(banded, "inkcov"))


def test_a_file_ghostscript_cannot_read_is_a_clear_refusal(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not a PDF\n")

    with pytest.raises(RenderInputError, match="Ghostscript could not convert") as refused:
        convert_for_print(str(broken))

    assert refused.value.location == "output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.pdf"]


# In a render worker, under its limits ------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    own = RenderPool(default_settings(interactive_workers=1, batch_workers=1))
    own.wait_ready()
    yield own
    own.shutdown()


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    # Cheap for cairo (the JPEG is embedded as it is), seconds of work for Ghostscript, which
    # decodes, converts and encodes every pixel.
    return photo(2400, 3200)


def photo_task(output: Path, background: bytes, output_kind: str) -> RenderTask:
    return RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="Summit 2026", background=BackgroundOption(), output=output_kind),
        rows=PEOPLE[:2],
        columns=["name", "organization"],
        output_path=str(output),
        background=background,
    )


def run_job(pool, task, limits):
    return pool.run(tasks.render_job, task, limits=limits, lane=BATCH)


def test_a_print_job_in_a_worker_reports_its_conversion(pool, tmp_path):
    output = tmp_path / "job.pdf"

    summary = run_job(pool, photo_task(output, photo(600, 800), "print"), RenderLimits(wall_seconds=120))

    assert summary.print_conversion is not None
    assert summary.print_conversion.bytes_after == output.stat().st_size
    assert summary.print_conversion.seconds > 0
    assert "/GTS_PDFXVersion" in reader_of(output).metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.pdf"]


def test_ghostscript_is_held_to_the_tasks_cpu_limit(pool, tmp_path, big_photo):
    limits = RenderLimits(cpu_seconds=2, wall_seconds=120)
    # The badges alone fit in the allowance: the limit that stops the print job is Ghostscript's.
    run_job(pool, photo_task(tmp_path / "rgb.pdf", big_photo, "pdf"), limits)
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="more than 2 s of CPU") as stopped:
        run_job(pool, photo_task(tmp_path / "print.pdf", big_photo, "print"), limits)

    assert stopped.value.location == "render"
    assert time.monotonic() - started < 30
    assert not list(tmp_path.glob("print.pdf.*")), "Ghostscript's working files are removed"


def test_ghostscript_is_held_to_the_tasks_output_limit(pool, tmp_path, big_photo):
    rgb = tmp_path / "rgb.pdf"
    run_job(pool, photo_task(rgb, big_photo, "pdf"), RenderLimits(wall_seconds=120))
    # Room for the RGB PDF, not for its CMYK conversion (four channels instead of three).
    limit = int(rgb.stat().st_size * 1.05)

    with pytest.raises(LimitExceededError, match=f"output grew past {limit} bytes"):
        run_job(
            pool, photo_task(tmp_path / "print.pdf", big_photo, "print"), RenderLimits(output_bytes=limit)
        )


def ghostscripts_writing_to(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if (
            state != "Z"
            and command
            and os.path.basename(command[0]) == b"gs"
            and str(folder).encode() in b" ".join(command)
        ):
            found.append(int(entry.name))
    return found


def test_a_worker_killed_at_the_wall_clock_takes_its_ghostscript_with_it(pool, tmp_path, big_photo):
    seen: set[int] = set()
    running = threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            seen.update(ghostscripts_writing_to(tmp_path))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="longer than 3 seconds"):
        run_job(
            pool,
            photo_task(tmp_path / "print.pdf", big_photo, "print"),
            RenderLimits(cpu_seconds=120, wall_seconds=3),
        )

    running.clear()
    watcher.join()
    assert seen, "Ghostscript was running when the worker was killed"
    assert time.monotonic() - started < 20
    deadline = time.monotonic() + 5
    while ghostscripts_writing_to(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ghostscripts_writing_to(tmp_path) == []


def test_a_long_file_is_converted_in_chunks_that_fit_the_tasks_memory(pool, tmp_path):
    # Ghostscript 10.00 holds about 1.4 MB for every page it converts: 1,000 one-badge pages in
    # one run took more than the gigabyte the badges alone never come near. In chunks of
    # CHUNK_PAGES they fit, and the joined file is one PDF/X with every page.
    people = [{"name": f"Attendee {n}", "organization": "FOSSASIA"} for n in range(1000)]
    task = RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="Summit 2026", output="print"),
        rows=people,
        columns=["name", "organization"],
        output_path=str(tmp_path / "print.pdf"),
    )

    run_job(pool, task, RenderLimits(memory_bytes=1024**3, wall_seconds=300))

    reader = pypdf.PdfReader(tmp_path / "print.pdf")
    assert len(reader.pages) == 1000 > 3 * CHUNK_PAGES
    assert reader.trailer["/Info"]["/GTS_PDFXVersion"] == PDFX_VERSION
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFX"
    assert all("/TrimBox" in page for page in reader.pages)
    assert "Attendee 999" in reader.pages[999].extract_text()
    assert not list(tmp_path.glob("print.pdf.*"))


# Room for the render worker and 250 one-badge pages, not for converting them: the worker's
# reading of the file or Ghostscript (a child under the same RLIMIT_AS) runs out, whichever first.
MEMORY_GS_CANNOT_FIT = 300 * 1024**2


def test_print_output_past_the_tasks_memory_limit_is_the_limit_problem(pool, tmp_path):
    people = [{"name": f"Attendee {n}", "organization": "FOSSASIA"} for n in range(CHUNK_PAGES)]
    task = RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="Summit 2026", output="print"),
        rows=people,
        columns=["name", "organization"],
        output_path=str(tmp_path / "print.pdf"),
    )

    limits = RenderLimits(memory_bytes=MEMORY_GS_CANNOT_FIT, wall_seconds=120)
    rgb = replace(task, options=replace(task.options, output="pdf"), output_path=str(tmp_path / "rgb.pdf"))
    assert run_job(pool, rgb, limits).pages == CHUNK_PAGES  # the badges alone fit

    with pytest.raises(LimitExceededError, match=f"more than {MEMORY_GS_CANNOT_FIT} bytes of memory"):
        run_job(pool, task, limits)

    assert not list(tmp_path.glob("print.pdf.*"))


def test_transparency_is_flattened_and_said(tmp_path):
    # PDF/X-3 allows no transparency: Ghostscript makes such pages images, and the conversion
    # says so (the job logs a warning); opaque badges keep their text.
    see_through = INK_TEMPLATE.replace(b'fill="#e63946"', b'fill="#e63946" fill-opacity="0.5"')
    flattened = render(tmp_path / "see-through.pdf", template_svg=see_through)
    opaque = render(tmp_path / "opaque.pdf", template_svg=INK_TEMPLATE)

    assert convert_for_print(str(flattened)).flattened is True
    assert convert_for_print(str(opaque)).flattened is False
    assert run("pdffonts", str(flattened)).splitlines()[2:] == []
    assert {image[5] for image in images(flattened)} == {"cmyk"}
    assert "Ada Lovelace" in run("pdftotext", str(opaque), "-")
