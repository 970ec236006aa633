"""Print output (options.output "print") through the API: a job is rendered, converted to PDF/X in
CMYK in the render worker, logged and downloaded as a PDF; Ghostscript past the job's CPU limit
fails the job as any limit does; without Ghostscript a request for print output is a 503 at once;
a PDF preview with output print is the print shop's proof of one badge."""

from __future__ import annotations

import io
import json
import subprocess
import unicodedata
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from api.render import printready
from tests.support.badge_jobs import PEOPLE, download, get_job, job_body, job_count, logs, multipart, queued


def extracted_text(path: Path) -> str:
    """The PDF's text as pdftotext reads it, in NFKC (Arabic ligatures become their letters)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", text)


def read_pdf(data: bytes, tmp_path: Path) -> tuple[pypdf.PdfReader, Path]:
    path = tmp_path / "print.pdf"
    path.write_bytes(data)
    return pypdf.PdfReader(io.BytesIO(data)), path


def test_a_print_job_is_converted_logged_and_downloaded_as_a_pdfx_pdf(client, auth_headers, jobs, tmp_path):
    job = queued(client, auth_headers, job_body(output="print"))

    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    assert done["status"] == "succeeded", done
    assert (done["result"]["badges"], done["result"]["pages"]) == (4, 1)
    messages = [line["message"] for line in logs(client, auth_headers, job["id"])]
    printed = [m for m in messages if m.startswith("Print: ")]
    assert len(printed) == 1
    assert "PDF/X-3:2002 in CMYK (Artifex CMYK SWOP Profile)" in printed[0]
    assert " MB -> " in printed[0]
    assert messages.index(printed[0]) > next(i for i, m in enumerate(messages) if m.startswith("Joining"))

    response = download(client, done["result"]["download_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('badges.pdf"')
    reader, path = read_pdf(response.data, tmp_path)
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-3:2002"
    assert all("/TrimBox" in page for page in reader.pages)
    text = extracted_text(path)
    for person in PEOPLE:
        assert person["name"] in text


def test_a_job_without_output_stays_rgb(client, auth_headers, jobs, tmp_path):
    job = queued(client, auth_headers, job_body())

    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    reader, _ = read_pdf(download(client, done["result"]["download_url"]).data, tmp_path)
    assert "/OutputIntents" not in reader.trailer["/Root"]
    assert not any(line["message"].startswith("Print") for line in logs(client, auth_headers, job["id"]))


def test_ghostscript_past_the_jobs_cpu_limit_fails_the_job_as_a_limit(
    client, auth_headers, jobs, app, monkeypatch
):
    # Cheap for cairo, which embeds the JPEG as it is; seconds for Ghostscript, which converts
    # every pixel of it.
    image = io.BytesIO()
    Image.effect_noise((2400, 3200), 60).convert("RGB").save(image, "JPEG", quality=70)
    monkeypatch.setitem(app.config, "BADGE_RENDER_CPU_SECONDS", 2)
    body, content_type = multipart(
        b"name\nAda Lovelace\nAlan Turing\n", json.dumps({"output": "print", "background": {"fit": "cover"}})
    )
    # The background part goes before the closing boundary.
    boundary = content_type.split("boundary=")[1].encode()
    closing = b"--" + boundary + b"--\r\n"
    body = body.removesuffix(closing) + (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="background"; filename="photo.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + image.getvalue() + b"\r\n" + closing
    )
    # Built by hand: the test client spools a big body to a file it never closes.
    response = client.post(
        "/api/v1/badge-jobs", data=body, headers={**auth_headers, "Content-Type": content_type}
    )
    assert response.status_code == 202, response.get_json()

    jobs.run_pending()
    failed = get_job(client, auth_headers, response.get_json()["id"])

    assert failed["status"] == "failed"
    assert "over a limit" in failed["error"]
    assert "more than 2 s of CPU" in failed["error"]
    last = logs(client, auth_headers, failed["id"])[-1]
    assert (last["type"], last["detail"]) == ("ERROR", "render")


@pytest.fixture
def without_ghostscript(monkeypatch, tmp_path):
    """This process finds no gs on its PATH, as on a server without the package."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    printready.ghostscript.cache_clear()
    printready.cmyk_profile.cache_clear()
    yield
    monkeypatch.undo()
    printready.ghostscript.cache_clear()
    printready.cmyk_profile.cache_clear()


def test_without_ghostscript_print_is_a_503_naming_it_at_submission(
    client, auth_headers, without_ghostscript
):
    before = job_count()

    response = client.post("/api/v1/badge-jobs", json=job_body(output="print"), headers=auth_headers)
    preview = client.post(
        "/api/v1/badge-previews",
        json={"attendees": PEOPLE, "options": {"output": "print"}, "format": "pdf"},
        headers=auth_headers,
    )
    plain = client.post("/api/v1/badge-jobs", json=job_body(), headers=auth_headers)
    health = client.get("/api/v1/health").get_json()

    for refused in (response, preview):
        assert refused.status_code == 503
        problem = refused.get_json()
        assert problem["code"] == "print_unavailable"
        assert "Ghostscript (gs) is not installed" in problem["detail"]
        assert int(refused.headers["Retry-After"]) > 0
    assert job_count() == before + 1  # the RGB job only
    assert plain.status_code == 202
    assert "Ghostscript" in health["checks"]["render"]["print_output"]


def test_health_says_print_output_can_be_made(client):
    assert client.get("/api/v1/health").get_json()["checks"]["render"]["print_output"] == "ok"


def test_a_pdf_preview_with_print_output_is_a_pdfx_proof_of_one_badge(client, auth_headers, tmp_path):
    body = {"attendees": PEOPLE, "options": {"output": "print"}, "format": "pdf", "row": 2}

    response = client.post("/api/v1/badge-previews", json=body, headers=auth_headers)

    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    reader, path = read_pdf(response.data, tmp_path)
    assert len(reader.pages) == 1
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-3:2002"
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert PEOPLE[2]["name"] in extracted_text(path)
