"""A template's bleed over HTTP: reported in millimetres, refused when out of range, shown by
previews with or without the trim line, and printed by a job with its page boxes."""

from __future__ import annotations

import io
import re
import subprocess

from PIL import Image

from tests.api.test_badge_templates import stored_count, upload, uploaded
from tests.support.badge_jobs import PEOPLE, download, get_job, logs, queued

MM = 72 / 25.4
BLEED_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="85mm" height="55mm" viewBox="0 0 85 55"
     data-bleed="3mm">
  <rect x="-3" y="-3" width="91" height="61" fill="#ffd8a8" data-background=""/>
  <text x="5" y="30" font-size="6">{{name}}</text>
</svg>"""


def test_an_upload_reports_its_bleed_in_millimetres_and_so_does_reading_it(client, auth_headers):
    template = uploaded(client, auth_headers, content=BLEED_SVG)

    assert template["bleed_mm"] == 3.0
    assert (template["width_mm"], template["height_mm"]) == (85.0, 55.0)  # the trim
    again = client.get(f"/api/v1/badge-templates/{template['id']}", headers=auth_headers)
    assert again.get_json()["bleed_mm"] == 3.0
    classic = client.get("/api/v1/badge-templates/classic", headers=auth_headers)
    assert classic.get_json()["bleed_mm"] == 0.0


def test_a_bleed_out_of_range_is_a_422_naming_data_bleed(client, auth_headers):
    response = upload(client, auth_headers, content=BLEED_SVG.replace(b'"3mm"', b'"25"'))

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "invalid_template"
    assert "data-bleed must be a number of millimetres from 0 to 10" in problem["detail"]
    assert any("data-bleed must be a number" in text.lower() for text in problem["errors"]["file"])
    assert stored_count() == 0


def preview(client, headers, template_id: str, **extra):
    body = {"attendees": PEOPLE, "options": {"template": template_id}, "dpi": 72, **extra}
    return client.post("/api/v1/badge-previews", json=body, headers=headers)


def test_previews_show_the_bleed_and_draw_the_trim_line_when_asked(client, auth_headers, tmp_path):
    template = uploaded(client, auth_headers, content=BLEED_SVG)

    plain = preview(client, auth_headers, template["id"])
    lined = preview(client, auth_headers, template["id"], trim_line=True)
    as_pdf = preview(client, auth_headers, template["id"], trim_line=True, format="pdf")

    assert plain.status_code == lined.status_code == as_pdf.status_code == 200
    shown = Image.open(io.BytesIO(plain.data)).convert("RGB")
    marked = Image.open(io.BytesIO(lined.data)).convert("RGB")
    assert shown.size == marked.size == (round(91 * MM), round(61 * MM))  # badge and bleed
    assert shown.getpixel((2, 80)) != marked.getpixel((2, 80))  # the veil over the bleed
    path = tmp_path / "badge.pdf"
    path.write_bytes(as_pdf.data)
    info = subprocess.run(["pdfinfo", "-box", str(path)], capture_output=True, text=True, check=True).stdout
    trim = [float(value) for value in re.search(r"TrimBox:\s+([-\d. ]+)", info).group(1).split()]
    assert trim == [round(3 * MM, 2), round(3 * MM, 2), round(88 * MM, 2), round(58 * MM, 2)]


def test_trim_line_must_be_a_boolean(client, auth_headers):
    response = preview(client, auth_headers, "classic", trim_line="yes")

    assert response.status_code == 422
    assert "trim_line" in response.get_json()["errors"]


def test_a_job_prints_one_badge_a_page_with_its_bleed_and_trimbox(client, auth_headers, jobs, tmp_path):
    template = uploaded(client, auth_headers, content=BLEED_SVG)
    job = queued(
        client,
        auth_headers,
        {"attendees": PEOPLE, "options": {"template": template["id"], "sheet": "one-per-page"}},
    )
    jobs.run_pending()

    done = get_job(client, auth_headers, job["id"])
    assert done["status"] == "succeeded", done
    messages = [line["message"] for line in logs(client, auth_headers, job["id"])]
    assert "Bleed: 3 mm past the trim on every side; each page's TrimBox is the badge." in messages
    path = tmp_path / "badges.pdf"
    path.write_bytes(download(client, done["result"]["download_url"]).data)
    info = subprocess.run(
        ["pdfinfo", "-box", "-f", "1", "-l", "4", str(path)], capture_output=True, text=True, check=True
    ).stdout
    media = re.findall(r"MediaBox:\s+([-\d. ]+)", info)
    trims = re.findall(r"TrimBox:\s+([-\d. ]+)", info)
    assert len(media) == len(trims) == 4
    for box in media:
        assert [float(value) for value in box.split()] == [0, 0, round(91 * MM, 2), round(61 * MM, 2)]
    for box in trims:
        assert [float(value) for value in box.split()] == [
            round(3 * MM, 2),
            round(3 * MM, 2),
            round(88 * MM, 2),
            round(58 * MM, 2),
        ]
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
