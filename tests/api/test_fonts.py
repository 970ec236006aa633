"""Fonts over HTTP: the curated list, previews, safe uploads, and uploads really embedded in PDFs."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import cairocffi
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from sqlalchemy import func, select

from api.extensions import db
from api.fonts.catalogue import system_fonts
from api.fonts.models import Font
from api.fonts.preview import SAMPLE_TEXTS
from api.render.text import FitRule, TextPainter, TextStyle
from tests.support.accounts import other_headers
from tests.support.badge_jobs import download, get_job, queued

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def upload(client, headers, data: bytes, filename: str = "font.ttf"):
    # The body is built here: the test client spools bodies over 500 KB to a file it never closes.
    boundary = "----font-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        "/api/v1/fonts", data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=headers
    )


def uploaded(client, headers, data: bytes) -> dict:
    response = upload(client, headers, data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def renamed(path: Path, family: str) -> bytes:
    """A system font file calling itself `family` (a new font as far as anybody can tell)."""
    with TTFont(str(path)) as font:
        return _renamed(font, path, family)


def _renamed(font: TTFont, path: Path, family: str) -> bytes:
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID in (4, 6):
            record.string = f"{family.replace(' ', '')}-{path.stem}"
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


def font_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Font)) or 0


def pdffonts(client, url: str, tmp_path: Path) -> list[str]:
    pdf = tmp_path / f"{os.urandom(4).hex()}.pdf"
    pdf.write_bytes(download(client, url).data)
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return lines.splitlines()[2:]


def job_with_name_font(client, headers, font_id: str) -> str:
    body = {
        "attendees": [{"name": "Ada Lovelace", "organization": "Engines", "role": "Speaker"}],
        "options": {"fields": {"name": {"font": font_id}}},
    }
    return queued(client, headers, body)["id"]


def test_the_list_has_the_curated_system_fonts_with_scripts_and_licences(client, auth_headers):
    response = client.get("/api/v1/fonts?per_page=100", headers=auth_headers)

    assert response.status_code == 200
    fonts = {font["id"]: font for font in response.get_json()["items"]}
    assert {"noto-sans", "dejavu-sans", "noto-sans-cjk-sc", "noto-sans-arabic"} <= set(fonts)
    assert {"Latin", "Greek", "Cyrillic"} <= set(fonts["dejavu-sans"]["scripts"])
    assert {"Han", "Kana", "Hangul"} <= set(fonts["noto-sans-cjk-sc"]["scripts"])
    assert "Arabic" in fonts["noto-sans-arabic"]["scripts"]
    assert "bold" in fonts["noto-sans"]["styles"]
    assert fonts["noto-sans"]["licence"] == "SIL Open Font License"
    assert all(font["source"] == "system" for font in fonts.values())


@pytest.mark.parametrize("font", system_fonts(), ids=lambda font: font.id)
def test_every_curated_font_draws_every_script_it_claims_without_missing_glyphs(font):
    face = font.faces[0]
    scratch = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 1, 1))
    for script in font.scripts:
        if script not in SAMPLE_TEXTS:
            continue
        style = TextStyle(family=font.family, size=24, weight=face.weight, italic=face.italic)
        _, placed = TextPainter(scratch).measure(SAMPLE_TEXTS[script], style, FitRule())
        assert placed.unknown_glyphs == 0, (font.family, script)
    with TTFont(face.file, fontNumber=face.index, lazy=True) as opened:
        cmap = opened.getBestCmap()
    for script in font.scripts:
        # The claim is the font's own, not a fallback's: nearly every letter of the preview's sample
        # is in its character map (the CJK fonts cover Greek without its accented letters, as
        # the 95% coverage rule allows, so one letter of a ten-letter word may come from a fallback).
        letters = [ch for ch in SAMPLE_TEXTS.get(script, "") if ch.isalpha()]
        found = sum(ord(ch) in cmap for ch in letters)
        assert found >= 0.9 * len(letters), (font.family, script, found, len(letters))


def test_a_preview_is_a_cacheable_png(client, auth_headers):
    response = client.get("/api/v1/fonts/noto-sans/preview?text=Ada&size=40", headers=auth_headers)
    cached = client.get(
        "/api/v1/fonts/noto-sans/preview?text=Ada&size=40",
        headers={**auth_headers, "If-None-Match": response.headers["ETag"]},
    )
    other = client.get("/api/v1/fonts/noto-sans/preview?text=Grace&size=40", headers=auth_headers)

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size[1] >= 40
    assert cached.status_code == 304
    assert other.headers["ETag"] != response.headers["ETag"]


def test_bad_preview_queries_are_422(client, auth_headers):
    for query in ("size=2", "size=999", "text=" + "x" * 101):
        assert client.get(f"/api/v1/fonts/noto-sans/preview?{query}", headers=auth_headers).status_code == 422


def test_an_uploaded_system_font_file_is_embedded_as_exactly_that_font(client, auth_headers, jobs, tmp_path):
    font = uploaded(client, auth_headers, (DEJAVU / "DejaVuSerif.ttf").read_bytes())
    assert font["family"] == "DejaVu Serif"
    assert font["source"] == "uploaded"

    job_id = job_with_name_font(client, auth_headers, font["id"])
    jobs.run_pending()

    result = get_job(client, auth_headers, job_id)["result"]
    fonts = pdffonts(client, result["download_url"], tmp_path)
    internal = "BadgesUpload-" + font["id"].replace("-", "")
    mine = [line for line in fonts if internal in line.split()[0]]
    assert len(mine) == 1, fonts
    assert mine[0].split()[0].split("+")[1].startswith(internal)  # a subset: "ABCDEF+..."
    assert " yes yes " in mine[0]  # embedded, subset
    assert not any("DejaVuSerif" in line for line in fonts)  # not the system copy


def test_two_uploads_with_the_same_family_name_are_each_used_by_their_own_job(
    client, auth_headers, jobs, tmp_path
):
    sans = uploaded(client, auth_headers, renamed(DEJAVU / "DejaVuSans.ttf", "Conference Sans"))
    serif = uploaded(client, auth_headers, renamed(DEJAVU / "DejaVuSerif.ttf", "Conference Sans"))
    assert sans["family"] == serif["family"] == "Conference Sans"
    assert sans["id"] != serif["id"]

    first = job_with_name_font(client, auth_headers, sans["id"])
    second = job_with_name_font(client, auth_headers, serif["id"])
    jobs.run_pending()

    for job_id, font, other in ((first, sans, serif), (second, serif, sans)):
        names = " ".join(
            pdffonts(client, get_job(client, auth_headers, job_id)["result"]["download_url"], tmp_path)
        )
        assert "BadgesUpload-" + font["id"].replace("-", "") in names
        assert "BadgesUpload-" + other["id"].replace("-", "") not in names


def test_the_same_file_twice_is_the_same_font(client, auth_headers):
    data = renamed(DEJAVU / "DejaVuSans.ttf", "Conference Sans")
    first = uploaded(client, auth_headers, data)
    again = upload(client, auth_headers, data, "copy.ttf")

    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    assert font_count() == 1


def truncated() -> bytes:
    data = (DEJAVU / "DejaVuSans.ttf").read_bytes()
    return data[: len(data) // 2]


def spoofed_dejavu() -> bytes:
    with TTFont(str(DEJAVU / "DejaVuSans.ttf")) as font:
        font["head"].fontRevision = 99.0  # another file that still calls itself DejaVu Sans
        output = io.BytesIO()
        font.save(output)
        return output.getvalue()


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: os.urandom(4096), 422, "font_not_a_font"),
        (lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(200), 422, "font_not_a_font"),
        (truncated, 422, "font_truncated"),
        (spoofed_dejavu, 422, "font_shadows_system_font"),
        (lambda: b"\x00\x01\x00\x00" + b"\x00" * (17 * 1024 * 1024), 413, "payload_too_large"),
    ],
    ids=["random", "png-named-ttf", "truncated", "copies-dejavu-sans", "oversized"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(client, auth_headers, make, status, code):
    response = upload(client, auth_headers, make(), "font.ttf")

    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == code
    assert font_count() == 0


def test_an_upload_needs_multipart_with_one_file(client, auth_headers):
    assert client.post("/api/v1/fonts", json={}, headers=auth_headers).status_code == 415
    empty = client.post(
        "/api/v1/fonts", data={"name": "x"}, headers=auth_headers, content_type="multipart/form-data"
    )
    assert empty.status_code == 422


def test_another_users_font_is_404_in_the_list_preview_delete_and_job_options(client, auth_headers):
    font = uploaded(client, auth_headers, renamed(DEJAVU / "DejaVuSans.ttf", "Conference Sans"))
    stranger = other_headers(client)

    listed = client.get("/api/v1/fonts?per_page=100", headers=stranger).get_json()["items"]
    assert font["id"] not in {item["id"] for item in listed}
    for response in (
        client.get(f"/api/v1/fonts/{font['id']}", headers=stranger),
        client.get(f"/api/v1/fonts/{font['id']}/preview", headers=stranger),
        client.delete(f"/api/v1/fonts/{font['id']}", headers=stranger),
        client.post(
            "/api/v1/badge-jobs",
            json={"attendees": [{"name": "A"}], "options": {"fields": {"name": {"font": font["id"]}}}},
            headers=stranger,
        ),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "font_not_found"
    assert client.get(f"/api/v1/fonts/{font['id']}", headers=auth_headers).status_code == 200


def test_an_uploaded_font_previews_and_deletes(client, auth_headers):
    font = uploaded(client, auth_headers, renamed(DEJAVU / "DejaVuSans.ttf", "Conference Sans"))

    preview = client.get(f"/api/v1/fonts/{font['id']}/preview", headers=auth_headers)
    assert preview.status_code == 200
    assert preview.mimetype == "image/png"
    assert client.delete(f"/api/v1/fonts/{font['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/fonts/{font['id']}", headers=auth_headers).status_code == 404
    assert client.delete("/api/v1/fonts/noto-sans", headers=auth_headers).status_code == 403


def test_an_unknown_font_in_job_options_is_422(client, auth_headers):
    body = {"attendees": [{"name": "A"}], "options": {"fields": {"name": {"font": "Comic Sans"}}}}

    response = client.post("/api/v1/badge-jobs", json=body, headers=auth_headers)

    assert response.status_code == 422
    assert "options.fields.name.font" in response.get_json()["errors"]


def test_a_curated_family_by_id_is_used_in_a_preview(client, auth_headers):
    body = {
        "attendees": [{"name": "Ada Lovelace"}],
        "options": {"fields": {"name": {"font": "dejavu-serif"}}},
        "dpi": 72,
    }

    response = client.post("/api/v1/badge-previews", json=body, headers=auth_headers)

    assert response.status_code == 200
    assert response.mimetype == "image/png"


def test_the_job_log_names_attendees_whose_text_the_chosen_font_lacks_and_the_fallback(
    client, auth_headers, jobs
):
    body = {
        "attendees": [{"name": "Ada Lovelace"}, {"name": "张伟"}, {"name": "محمد"}],
        "options": {"fields": {"name": {"font": "dejavu-serif"}}},
    }
    job = queued(client, auth_headers, body)
    jobs.run_pending()  # the worker logs them, after its Intake line

    response = client.get(f"/api/v1/badge-jobs/{job['id']}/logs", headers=auth_headers)
    warnings = [line["message"] for line in response.get_json()["items"] if "not in" in line["message"]]

    # A JSON list's rows are its positions from 1, as in the job's report.
    assert warnings == [
        'Row 2, name: "张伟" has characters not in DejaVu Serif; drawn with Noto Sans CJK SC.',
        'Row 3, name: "محمد" has characters not in DejaVu Serif; drawn with Noto Sans Arabic.',
    ]
