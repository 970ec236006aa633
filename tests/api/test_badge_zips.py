"""One file per attendee (options.output "zip") and label sheets, through the API: queued, rendered,
downloaded as a ZIP whose members are named from a column; a template too big for a label is a 422."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.support.badge_jobs import download, get_job, job_count, logs, post_job, queued

# Names that would make a path, hide a file, spoof an extension or repeat another (ignoring case).
PEOPLE = [
    {"name": "Ada Lovelace", "email": "ada@example.org"},
    {"name": "../../etc/passwd", "email": "x@example.org"},
    {"name": "ada lovelace", "email": "ada2@example.org"},
    {"name": "Ada Lovelace", "email": "ada3@example.org"},
    {"name": "Bob\x07 \u202egpj.exe", "email": "bob@example.org"},
    {"name": "Jose\u0301 Zoë", "email": "jose@example.org"},  # decomposed é: NFC makes it one character
    {"name": "", "email": "nobody@example.org"},
    {"name": "W" * 150, "email": "long@example.org"},
]
EXPECTED_NAMES = [
    "Ada Lovelace",
    "etc passwd",
    "ada lovelace (2)",
    "Ada Lovelace (3)",
    "Bob gpj.exe",
    "José Zoë",
    "badge 7",
    "W" * 100,
]


def zip_job(**options) -> dict:
    return {"attendees": PEOPLE, "options": {"name": "Summit 2026", "output": "zip", **options}}


def pages(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "member.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return int(fields["Pages"]), fields["Page size"].strip()


def test_a_zip_job_makes_one_pdf_per_attendee_named_safely_and_uniquely(client, auth_headers, jobs, tmp_path):
    job = queued(client, auth_headers, zip_job(sheet="a4-2x2"))
    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    assert done["status"] == "succeeded", done
    assert (done["result"]["badges"], done["result"]["pages"]) == (8, 8)
    messages = [line["message"] for line in logs(client, auth_headers, job["id"])]
    assert any(message.startswith("Zipping: one ZIP of 8 files") for message in messages), messages
    response = download(client, done["result"]["download_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Summit 2026 badges.zip"' in disposition
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        members = archive.infolist()
        assert [member.filename for member in members] == [f"{name}.pdf" for name in EXPECTED_NAMES]
        for member in members:
            assert member.compress_type == zipfile.ZIP_STORED
            assert "/" not in member.filename
            assert "\\" not in member.filename
            count, size = pages(archive.read(member), tmp_path)
            # One page, the classic badge's own size (A6), not the a4-2x2 sheet the job named.
            assert count == 1
            assert size.startswith("297.638 x 419.528 pts"), size


def test_a_png_zip_has_deflated_pngs_of_the_badge_at_the_dpi_named_by_a_chosen_column(
    client, auth_headers, jobs
):
    job = queued(client, auth_headers, zip_job(zip_format="png", dpi=100, file_name="email", template="card"))
    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])
    assert done["status"] == "succeeded", done

    with zipfile.ZipFile(io.BytesIO(download(client, done["result"]["download_url"]).data)) as archive:
        members = archive.infolist()
        assert [member.filename for member in members] == [f"{person['email']}.png" for person in PEOPLE]
        for member in members:
            assert member.compress_type == zipfile.ZIP_DEFLATED
            with Image.open(io.BytesIO(archive.read(member))) as image:
                assert image.format == "PNG"
                # CR80 card, 85.6 x 54 mm at 100 dpi.
                assert image.size == (round(85.6 / 25.4 * 100), round(54 / 25.4 * 100))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"output": "poster"}, "options.output"),
        ({"output": "zip", "zip_format": "jpeg"}, "options.zip_format"),
        ({"output": "zip", "zip_format": "png", "dpi": 20}, "options.dpi"),
        ({"output": "zip", "zip_format": "png", "dpi": 150.5}, "options.dpi"),
        ({"output": "zip", "file_name": "shoe size"}, "options.file_name"),
        ({"output": "zip", "file_name": ""}, "options.file_name"),
    ],
)
def test_zip_options_that_cannot_work_are_422s_naming_the_option(client, auth_headers, options, field):
    response = post_job(client, auth_headers, {"attendees": PEOPLE, "options": options})

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert job_count() == 0


def test_a_template_larger_than_the_label_is_a_422_naming_both_sizes(client, auth_headers):
    # The classic badge is A6 (105 x 148 mm); an Avery 5392 label is 4 x 3 in (101.6 x 76.2 mm).
    response = post_job(client, auth_headers, {"attendees": PEOPLE, "options": {"sheet": "avery-5392"}})

    assert response.status_code == 422, response.get_json()
    message = response.get_json()["errors"]["sheet"][0]
    assert "105 x 148 mm template" in message
    assert "101.6 x 76.2 mm" in message
    assert job_count() == 0


def test_a_label_sheet_job_puts_the_landscape_badges_on_avery_5392(client, auth_headers, jobs, tmp_path):
    options = {"template": "landscape", "sheet": "avery-5392"}
    job = queued(client, auth_headers, {"attendees": PEOPLE, "options": options})
    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    assert done["status"] == "succeeded", done
    assert (done["result"]["badges"], done["result"]["pages"]) == (8, 2)  # 6 labels a sheet
    response = download(client, done["result"]["download_url"])
    assert response.mimetype == "application/pdf"
    assert pages(response.data, tmp_path) == (2, "612 x 792 pts (letter)")
