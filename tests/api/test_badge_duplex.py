"""Double-sided badges over HTTP: a template's back part, options.sides and duplex, previews of the
back, and a job that prints both sides."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support.badge_jobs import PEOPLE, download, get_job, job_body, logs, post_job, queued

URL = "/api/v1/badge-templates"

FRONT_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#ffffff"/>
  <text x="45" y="26" text-anchor="middle" font-size="8">{{name}}</text>
</svg>"""
BACK_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#1d3557"/>
  <text x="45" y="30" text-anchor="middle" font-size="6" fill="#ffffff">Back of {{organization}}</text>
</svg>"""
A6_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
  <text x="10" y="30">{{name}}</text>
</svg>"""
GROUPS_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <g data-side="front"><text x="10" y="20">{{name}}</text></g>
  <g data-side="back"><text x="10" y="20" font-size="10">{{role}}</text></g>
</svg>"""


def upload(client, headers, front=FRONT_SVG, back=None, **parts):
    files = {"file": FileStorage(io.BytesIO(front), filename="front.svg", content_type="image/svg+xml")}
    if back is not None:
        files["back"] = FileStorage(io.BytesIO(back), filename="back.svg", content_type="image/svg+xml")
    boundary, body = encode_multipart({**files, **parts})
    return client.post(
        URL, data=body, headers=headers, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "both.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for page in range(1, pages + 1)
    ]


def test_an_upload_with_a_back_part_has_a_back(client, auth_headers):
    response = upload(client, auth_headers, back=BACK_SVG)
    assert response.status_code == 201, response.get_json()
    template = response.get_json()
    assert template["has_back"] is True
    assert template["fields"] == ["name", "organization"]  # the back's fields too
    read = client.get(f"{URL}/{template['id']}", headers=auth_headers).get_json()
    assert read["has_back"] is True
    one_sided = upload(client, auth_headers).get_json()
    assert one_sided["has_back"] is False
    groups = upload(client, auth_headers, front=GROUPS_SVG).get_json()
    assert (groups["has_back"], groups["fields"]) == (True, ["name", "role"])
    built_in = client.get(f"{URL}/classic", headers=auth_headers).get_json()
    assert built_in["has_back"] is True


def test_a_back_of_another_size_or_a_bad_back_is_refused_on_the_back_part(client, auth_headers):
    response = upload(client, auth_headers, back=A6_SVG)
    assert response.status_code == 422
    problem = response.get_json()
    assert list(problem["errors"]) == ["back"]
    assert "105 x 148 mm" in problem["errors"]["back"][0]
    assert "same size" in problem["errors"]["back"][0]
    response = upload(client, auth_headers, back=b"<svg><script>x()</script></svg>")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["back"]
    response = upload(client, auth_headers, back=b"")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"back": ["The file is empty."]}
    response = upload(client, auth_headers, front=GROUPS_SVG, back=BACK_SVG)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["back"]
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(FRONT_SVG), filename="f.svg"), "back": "not a file"}
    )
    response = client.post(
        URL, data=body, headers=auth_headers, content_type=f'multipart/form-data; boundary="{boundary}"'
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["back"]


def test_sides_both_needs_a_template_with_a_back_and_options_are_checked(client, auth_headers):
    one_sided = upload(client, auth_headers).get_json()
    response = post_job(client, auth_headers, job_body(template=one_sided["id"], sides="both"))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["options.sides"]
    response = post_job(client, auth_headers, job_body(sides="two"))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["options.sides"]
    response = post_job(client, auth_headers, job_body(sides="both", duplex="tumble"))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["options.duplex"]
    # An A6 badge folded is 105 x 296 mm: no a4-2x2 cell holds it.
    response = post_job(client, auth_headers, job_body(sides="both", duplex="fold"))
    assert response.status_code == 422
    problem = response.get_json()
    message = next(iter(problem["errors"].values()))[0]
    assert "fold" in message
    assert "does not fit" in message


def test_a_job_prints_both_sides_with_backs_behind_their_fronts(client, auth_headers, jobs, tmp_path):
    template = upload(client, auth_headers, back=BACK_SVG).get_json()
    people = [*PEOPLE, {"name": "Fifth Person", "organization": "Org Five", "role": "R", "ticket": "T"}]
    body = {
        "attendees": people,
        "options": {"template": template["id"], "sheet": "a4-2x2", "sides": "both", "duplex": "short-edge"},
    }
    job = queued(client, auth_headers, body)
    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"done": 5, "total": 5}  # badges, not pages
    assert (done["result"]["badges"], done["result"]["pages"]) == (5, 4)
    assert any(
        "both sides, duplex short-edge" in line["message"] for line in logs(client, auth_headers, job["id"])
    )
    texts = page_texts(download(client, done["result"]["download_url"]).data, tmp_path)
    assert len(texts) == 4
    assert "Ada Lovelace" in texts[0]
    assert "Back of" not in texts[0]
    assert "Back of Analytical Engines" in texts[1]
    assert "Fifth Person" in texts[2]
    assert "Back of Org Five" in texts[3]
    assert "Ada" not in texts[3]


def test_a_preview_shows_the_back_or_both_pages(client, auth_headers, tmp_path):
    body = {"attendees": PEOPLE, "options": {"template": "classic", "sides": "both"}}
    front = client.post("/api/v1/badge-previews", json=body, headers=auth_headers)
    back = client.post("/api/v1/badge-previews", json={**body, "side": "back"}, headers=auth_headers)
    assert front.status_code == back.status_code == 200, back.get_json()
    front_image, back_image = (Image.open(io.BytesIO(r.data)).convert("RGB") for r in (front, back))
    assert front_image.size == back_image.size
    assert front_image.tobytes() != back_image.tobytes()
    pdf = client.post("/api/v1/badge-previews", json={**body, "format": "pdf"}, headers=auth_headers)
    assert pdf.status_code == 200
    front_page, back_page = page_texts(pdf.data, tmp_path)  # the badge as printed: two pages
    assert "Ada Lovelace" in front_page
    assert "Analytical Engines" in front_page
    assert "Ada Lovelace" in back_page
    assert "Analytical Engines" not in back_page  # the classic back: the name large, no organisation
    one_sided = upload(client, auth_headers).get_json()
    response = client.post(
        "/api/v1/badge-previews",
        json={"attendees": PEOPLE, "options": {"template": one_sided["id"]}, "side": "back"},
        headers=auth_headers,
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["side"]
    response = client.post("/api/v1/badge-previews", json={**body, "side": "left"}, headers=auth_headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["side"]


def test_a_back_over_the_size_limit_is_a_413(client, auth_headers):
    padding = b"<!--" + b"x" * (2 * 1024 * 1024) + b"-->"
    response = upload(client, auth_headers, back=BACK_SVG.replace(b"<rect", padding + b"<rect", 1))
    assert response.status_code == 413
    assert "back side" in response.get_json()["detail"]
