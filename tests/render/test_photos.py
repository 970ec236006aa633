"""Attendee photos: the ZIP's checks, and photos placed as a printer sees them (pdfimages,
pdftoppm): cover fit keeping the top, EXIF orientation, 300 dpi at the printed size, one image
object per distinct photo, a placeholder and a finding when a photo is missing, in one process,
in parallel parts, one file per attendee, and from the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf, render_png
from api.render.errors import LimitExceededError, RenderInputError
from api.render.options import BadgeOptions
from api.render.photo_archive import PhotoArchive, PhotoLimits, check_directory, photo_key
from api.render.photos import cover_crop, target_pixels
from api.render.template import compile_template
from api.render.zipped import write_zip
from tests.support.photos import (
    BLUE,
    GREEN,
    RED,
    banded_jpeg,
    photo_zip,
    png_bytes,
    png_header_claiming,
    symlink_zip,
    with_central_size,
    with_encrypted_flag,
)

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["name", "organization", "photo"]
# The built-in photo template's box (32.5..72.5 mm across, 29..77 mm down) at 72 dpi, in pixels:
# points near its top and bottom edges, inside the rounded corners.
TOP, MIDDLE, BOTTOM = (148, 86), (148, 150), (148, 212)


def plan_with(members: dict[str, bytes] | None, **options):
    archive = PhotoArchive(photo_zip(members)) if members is not None else None
    return make_plan(
        built_in_template("photo"),
        BadgeOptions(name="PyCon", **options),
        columns_available=COLUMNS,
        photos=archive,
    )


def page_raster(pdf: Path, page: int) -> Image.Image:
    """One page as a printer's RIP would see it, at 72 dpi."""
    png = subprocess.run(
        ["pdftoppm", "-r", "72", "-png", "-f", str(page), "-l", str(page), str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def image_list(pdf: Path) -> list[dict[str, str]]:
    lines = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    header = ["page", "num", "type", "width", "height", "color", "comp", "bpc", "enc", "interp"]
    header += ["object", "generation", "x-ppi", "y-ppi", "size", "ratio"]
    return [dict(zip(header, line.split(), strict=True)) for line in lines.stdout.splitlines()[2:]]


def near(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=False))


# The archive ---------------------------------------------------------------------------------


def test_members_are_known_by_base_name_without_extension_or_case():
    assert photo_key("Photos/Ada Lovelace.JPG") == photo_key("ada lovelace") == "ada lovelace"
    assert photo_key("x.jpeg.png") == "x.jpeg"
    members = check_directory(photo_zip({"team/Ada.jpg": b"x", "bob.PNG": b"y"}))
    assert [(member.name, member.key) for member in members] == [("team/Ada.jpg", "ada"), ("bob.PNG", "bob")]


@pytest.mark.parametrize(
    ("archive", "error", "member", "words"),
    [
        (photo_zip({"../ada.jpg": b"x"}), RenderInputError, "../ada.jpg", "'..'"),
        (photo_zip({"/etc/ada.jpg": b"x"}), RenderInputError, "/etc/ada.jpg", "absolute"),
        (symlink_zip("ada.jpg"), RenderInputError, "ada.jpg", "symbolic link"),
        (photo_zip({"more.zip": photo_zip({"a.jpg": b"x"})}), RenderInputError, "more.zip", "archive inside"),
        (photo_zip({"notes.txt": b"x"}), RenderInputError, "notes.txt", ".jpg, .jpeg and .png"),
        (photo_zip({"a/Ada.jpg": b"x", "b/ada.png": b"y"}), RenderInputError, "b/ada.png", "same photo"),
        (with_encrypted_flag(photo_zip({"ada.jpg": b"x" * 100})), RenderInputError, "ada.jpg", "encrypted"),
        # A bomb: 5 MB of zeros compress over 1000:1.
        (photo_zip({"zeros.jpg": b"\0" * 5_000_000}), LimitExceededError, "zeros.jpg", "compresses more"),
        (photo_zip({"big.jpg": b"\xff" * 11 * 1024**2}), LimitExceededError, "big.jpg", "larger than"),
    ],
)
def test_unsafe_or_oversized_members_are_refused_from_the_directory(archive, error, member, words):
    with pytest.raises(error) as raised:
        check_directory(archive)

    assert type(raised.value) is error
    assert member in raised.value.location
    assert words in raised.value.message


def test_not_a_zip_and_too_many_members_are_refused():
    with pytest.raises(RenderInputError, match="not a ZIP"):
        check_directory(b"%PDF-1.7 not a zip at all")
    many = photo_zip({f"p{index}.jpg": b"x" for index in range(6)})
    with pytest.raises(LimitExceededError, match="more than the limit of 5"):
        check_directory(many, PhotoLimits(max_members=5))
    with pytest.raises(LimitExceededError, match="add up to more than 100"):
        check_directory(photo_zip({"a.jpg": b"x" * 60, "b.jpg": b"y" * 60}), PhotoLimits(max_total_bytes=100))


def test_a_lying_size_is_refused_when_read_and_reading_stops_at_the_declared_size():
    # 50 MB of zeros, declared as 40,000 bytes: the ratio looks harmless, the data does not match.
    honest = photo_zip({"ada.jpg": b"\xff\xd8\xff" + b"\0" * 50_000_000})
    archive = PhotoArchive(with_central_size(honest, 40_000))

    with pytest.raises(RenderInputError) as raised:
        archive.read("ada")

    assert "ada.jpg" in raised.value.location
    assert "does not match" in raised.value.message


def test_members_are_checked_by_content_and_pixel_count():
    archive = PhotoArchive(
        photo_zip({"fake.jpg": b"GIF89a not a photo", "huge.png": png_header_claiming(50_000, 50_000)})
    )

    with pytest.raises(RenderInputError, match="not a PNG or a JPEG") as fake:
        archive.read("fake")
    with pytest.raises(LimitExceededError, match="more than 40,000,000 pixels") as huge:
        archive.read("huge")
    assert "fake.jpg" in fake.value.location
    assert "huge.png" in huge.value.location


# Placing -------------------------------------------------------------------------------------


def test_the_cover_crop_is_centred_across_and_keeps_the_top():
    assert cover_crop(2000, 1000, 1.0) == (500, 0, 1500, 1000)
    left, top, right, bottom = cover_crop(1000, 2000, 1.0)
    assert (left, right, bottom - top) == (0, 1000, 1000)
    assert top == 200  # a fifth of the 1000 cut comes off the top
    assert target_pixels(built_in_template("photo").photo) == (473, 567)  # 40 x 48 mm at 300 dpi


def test_photos_are_embedded_once_each_at_300_ppi(tmp_path):
    pdf = tmp_path / "out.pdf"
    plan = plan_with({"ada.jpg": banded_jpeg(), "bob.jpg": banded_jpeg(bands=((1.0, GREEN),))})
    rows = [
        {"name": "Ada", "organization": "", "photo": "ada.jpg"},
        {"name": "Bob", "organization": "", "photo": "BOB"},
        {"name": "Ada again", "organization": "", "photo": "Ada"},
    ]

    result = render_pdf(plan, rows, str(pdf))

    images = image_list(pdf)
    assert [image["page"] for image in images] == ["1", "2", "3"]
    assert len({image["object"] for image in images}) == 2  # Ada's photo written once
    assert images[0]["object"] == images[2]["object"]
    for image in images:
        assert image["enc"] == "jpeg"
        assert 295 <= int(image["x-ppi"]) <= 305
        assert 295 <= int(image["y-ppi"]) <= 305
    assert result.tally.badges == []
    assert pdf.stat().st_size < 60_000  # two 1200 x 1600 photos, downsampled


def test_a_tall_photo_keeps_its_top_and_exif_orientation_is_honoured(tmp_path):
    pdf = tmp_path / "out.pdf"
    tall = banded_jpeg(1200, 2400, bands=((0.125, RED), (0.875, GREEN), (1.0, BLUE)))
    turned = banded_jpeg(orientation=6)  # stored sideways, red band on the left
    plan = plan_with({"tall.jpg": tall, "turned.jpg": turned})
    rows = [{"name": "T", "organization": "", "photo": name} for name in ("tall", "turned")]

    render_pdf(plan, rows, str(pdf))

    tall_page, turned_page = page_raster(pdf, 1), page_raster(pdf, 2)
    # A centred crop would cut 450 of 2400 pixels off the top and lose the red band.
    assert near(tall_page.getpixel(TOP), RED)
    assert near(tall_page.getpixel(BOTTOM), GREEN)  # the blue bottom is what was cut
    assert near(turned_page.getpixel(TOP), RED)
    assert near(turned_page.getpixel(MIDDLE), BLUE)
    assert near(turned_page.getpixel(BOTTOM), BLUE)


def test_a_missing_photo_gets_the_placeholder_and_a_finding(tmp_path):
    pdf = tmp_path / "out.pdf"
    plan = plan_with({"ada.jpg": banded_jpeg(), "spare.jpg": banded_jpeg()})
    rows = [
        {"name": "Ada", "organization": "", "photo": "ada.jpg"},
        {"name": "Bob", "organization": "", "photo": "bob.jpg"},
        {"name": "Cy", "organization": "", "photo": ""},
    ]

    result = render_pdf(plan, rows, str(pdf), row_numbers=[2, 3, 4])

    assert [(badge.row, [finding.kind for finding in badge.findings]) for badge in result.tally.badges] == [
        (3, ["photo_missing"]),
        (4, ["photo_missing"]),
    ]
    assert "no file 'bob.jpg'" in result.tally.badges[0].findings[0].message
    assert result.tally.flagged == 2
    assert len(image_list(pdf)) == 1  # the placeholder is drawn, not an image
    placeholder = page_raster(pdf, 2)
    background, head = placeholder.getpixel((148, 92)), placeholder.getpixel((148, 145))
    assert near(background, (222, 224, 230), 12)
    assert near(head, (168, 173, 184), 12)


def test_the_template_box_is_a_rect_with_optional_rounding_and_only_one():
    svg = """<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">
      <text x="5" y="10">{{name}}</text>
      <rect x="10" y="20" width="30" height="30" rx="15" data-photo=""/>%s</svg>"""
    box = compile_template((svg % "").encode()).photo
    assert box is not None
    assert (box.x, box.y, box.width, box.height, box.rx, box.ry) == (10, 20, 30, 30, 15, 15)
    assert target_pixels(box) == (355, 355)  # 30 mm at 300 dpi
    with pytest.raises(RenderInputError, match="only one"):
        compile_template((svg % '<rect x="0" y="0" width="5" height="5" data-photo=""/>').encode())


def test_photos_need_a_photo_box_and_a_named_column_must_exist():
    archive = PhotoArchive(photo_zip({"ada.jpg": banded_jpeg()}))
    with pytest.raises(RenderInputError, match="no data-photo box") as raised:
        make_plan(built_in_template("classic"), BadgeOptions(), columns_available=COLUMNS, photos=archive)
    assert raised.value.location == "photos"
    with pytest.raises(RenderInputError) as raised:
        make_plan(
            built_in_template("photo"),
            BadgeOptions(photo_column="picture"),
            columns_available=COLUMNS,
            photos=archive,
        )
    assert raised.value.location == "options.photo_column"


def test_the_photo_column_option_picks_the_column(tmp_path):
    pdf = tmp_path / "out.pdf"
    archive = PhotoArchive(photo_zip({"ada.jpg": banded_jpeg()}))
    plan = make_plan(
        built_in_template("photo"),
        BadgeOptions(photo_column="file"),
        columns_available=["name", "file"],
        photos=archive,
    )
    result = render_pdf(plan, [{"name": "Ada", "file": "ADA.JPG"}], str(pdf))
    assert result.tally.badges == []
    assert len(image_list(pdf)) == 1


def test_a_png_with_transparency_is_flattened_onto_white(tmp_path):
    pdf = tmp_path / "out.pdf"
    plan = plan_with({"ghost.png": png_bytes(800, 1000, (0, 0, 0, 0))})
    render_pdf(plan, [{"name": "G", "organization": "", "photo": "ghost"}], str(pdf))
    assert near(page_raster(pdf, 1).getpixel(MIDDLE), (255, 255, 255), 3)
    assert image_list(pdf)[0]["enc"] == "jpeg"


def test_without_photos_the_template_shows_the_placeholder_and_says_so_once():
    plan = plan_with(None)
    png = Image.open(io.BytesIO(render_png(plan, {"name": "Ada", "organization": "", "photo": ""}, dpi=72)))
    assert near(png.convert("RGB").getpixel((148, 92)), (222, 224, 230), 12)
    with io.BytesIO() as output:
        result = render_pdf(plan, [{"name": "Ada", "organization": "", "photo": ""}], output)
    assert result.tally.badges == []
    assert [finding.kind for finding in result.job_findings] == ["photo_missing"]


def test_two_processes_each_read_the_photos(tmp_path):
    pdf = tmp_path / "out.pdf"
    zipped = tmp_path / "photos.zip"
    zipped.write_bytes(
        photo_zip(
            {
                f"p{index}.jpg": banded_jpeg(600, 800, bands=((1.0, color),))
                for index, color in enumerate((RED, GREEN, BLUE))
            }
        )
    )
    plan = make_plan(
        built_in_template("photo"),
        BadgeOptions(sheet="a4-2x2"),
        columns_available=COLUMNS,
        photos=PhotoArchive(str(zipped)),
    )
    rows = [{"name": f"N{index}", "organization": "", "photo": f"p{index % 4}"} for index in range(2100)]

    result = render_pdf(plan, rows, str(pdf), processes=2)

    assert result.processes == 2
    assert result.badges == 2100
    missing = [badge.row for badge in result.tally.badges]
    assert missing == [index + 1 for index in range(2100) if index % 4 == 3]  # no p3.jpg
    images = image_list(pdf)
    assert len(images) == 2100 - len(missing)
    # Once per part at most: three photos, two parts.
    assert 3 <= len({image["object"] for image in images}) <= 6
    last_page = page_raster(pdf, result.pages)
    assert last_page.size[0] > 0


def test_one_file_per_attendee_carries_each_photo(tmp_path):
    output = tmp_path / "badges.zip"
    plan = plan_with({"ada.jpg": banded_jpeg()}, output="zip")
    rows = [
        {"name": "Ada", "organization": "", "photo": "ada"},
        {"name": "Bob", "organization": "", "photo": ""},
    ]

    result = write_zip(plan, rows, str(output))

    assert [badge.row for badge in result.tally.badges] == [2]
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        (tmp_path / "ada.pdf").write_bytes(archive.read(names[0]))
        (tmp_path / "bob.pdf").write_bytes(archive.read(names[1]))
    assert len(image_list(tmp_path / "ada.pdf")) == 1
    assert image_list(tmp_path / "bob.pdf") == []


def test_the_cli_takes_a_photo_zip(tmp_path):
    (tmp_path / "photos.zip").write_bytes(photo_zip({"ada.jpg": banded_jpeg(), "spare.png": png_bytes()}))
    (tmp_path / "people.csv").write_text("name,organization,photo\nAda,X,Ada.jpg\nBob,Y,bob\n")
    command = [sys.executable, str(ROOT / "manage.py"), "badges", "render", str(tmp_path / "people.csv")]
    command += [
        "--template",
        "photo",
        "--photos",
        str(tmp_path / "photos.zip"),
        "-o",
        str(tmp_path / "o.pdf"),
    ]
    command += ["--report", str(tmp_path / "r.json"), "-q"]
    env = {"INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["photo_missing"] == 1
    assert report["findings"][0]["row"] == 3
    assert "spare.png" in report["job_findings"][0]["message"]
    assert len(image_list(tmp_path / "o.pdf")) == 1

    (tmp_path / "bad.zip").write_bytes(photo_zip({"../ada.jpg": banded_jpeg()}))
    command[command.index(str(tmp_path / "photos.zip"))] = str(tmp_path / "bad.zip")
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert "'..'" in refused.stderr
