"""The proof report over HTTP: each finding kind, paging and filters, the proof sheet, the preview's
header, and a build log that reads in the order things happen, with one row numbering."""

from __future__ import annotations

import io
import json
import re
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from api.badges.models import BadgeJob
from api.badges.report import FINDINGS_HEADER_MAX, findings_header
from api.core.db import utcnow
from api.core.storage import storage
from api.extensions import db
from api.render.attendees import PackedRows
from api.render.findings import BadgeFindings, Finding
from tests.data.templates import FINDINGS_TEMPLATE as TEMPLATE
from tests.factories import UserFactory
from tests.support.accounts import bearer, login

JOBS = "/api/v1/badge-jobs"
SHORT = [{"name": "Ada Lovelace"}, {"name": "Grace Hopper"}]


def queue(client, headers, attendees, **options) -> dict:
    response = client.post(JOBS, json={"attendees": attendees, "options": options}, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def finished(client, headers, jobs, attendees, **options) -> dict:
    job = queue(client, headers, attendees, **options)
    jobs.run_pending()
    done = client.get(f"{JOBS}/{job['id']}", headers=headers).get_json()
    assert done["status"] == "succeeded", done
    return done


def report(client, headers, job_id, query="") -> dict:
    response = client.get(f"{JOBS}/{job_id}/report{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def log_messages(client, headers, job_id) -> list[str]:
    response = client.get(f"{JOBS}/{job_id}/logs?limit=500", headers=headers)
    return [line["message"] for line in response.get_json()["items"]]


def fetch(client, path, headers=None):
    """GET a file response and close it (it holds the file open until closed)."""
    response = client.get(path, headers=headers or {})
    response.get_data()
    response.close()
    return response


def stranger(client) -> dict[str, str]:
    return bearer(login(client, UserFactory(verified=True).email)["access_token"])


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# Before success, and other people's jobs ---------------------------------------------------------


def test_a_queued_job_has_no_report_yet_409(client, auth_headers):
    job = queue(client, auth_headers, SHORT)

    for path in ("report", "proof.pdf"):
        response = client.get(f"{JOBS}/{job['id']}/{path}", headers=auth_headers)
        assert response.status_code == 409
        assert response.get_json()["code"] == "job_not_finished"


def test_a_cancelled_job_never_has_a_report_409(client, auth_headers):
    job = queue(client, auth_headers, SHORT)
    assert client.delete(f"{JOBS}/{job['id']}", headers=auth_headers).status_code == 204

    response = client.get(f"{JOBS}/{job['id']}/report", headers=auth_headers)

    assert response.status_code == 409
    assert response.get_json()["code"] == "job_not_succeeded"


def test_another_users_report_and_proof_are_404(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)
    other = stranger(client)

    for path in ("report", "proof.pdf"):
        response = client.get(f"{JOBS}/{job['id']}/{path}", headers=other)
        assert response.status_code == 404
        assert response.get_json()["code"] == "job_not_found"
    assert client.get(f"{JOBS}/{uuid.uuid4()}/report", headers=auth_headers).status_code == 404


def test_the_report_and_proof_need_a_token(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)

    assert client.get(f"{JOBS}/{job['id']}/report").status_code == 401
    assert client.get(f"{JOBS}/{job['id']}/proof.pdf").status_code == 401


# A job with nothing to look at -----------------------------------------------------------------


def test_short_names_need_no_look_and_there_is_no_proof_sheet(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT, template="card")

    findings = job["result"]["findings"]
    assert findings["flagged"] == 0
    assert findings["proof_url"] is None
    assert findings["report_url"].endswith(f"/api/v1/badge-jobs/{job['id']}/report")
    body = report(client, auth_headers, job["id"])
    assert (body["badges"], body["flagged"], body["total"], body["items"]) == (2, 0, 0, [])
    assert body["counts"] == findings["counts"]
    proof = client.get(f"{JOBS}/{job['id']}/proof.pdf", headers=auth_headers)
    assert proof.status_code == 404
    assert proof.get_json()["code"] == "no_flagged_badges"
    assert not storage().exists(f"jobs/{job['id']}/proof.pdf")
    assert "Findings: no badge needs a look." in log_messages(client, auth_headers, job["id"])


@pytest.mark.parametrize("query", ["?level=fatal", "?kind=smudged", "?kind=wrapped,blurred", "?per_page=101"])
def test_unknown_filters_and_a_page_too_large_are_422(client, auth_headers, jobs, query):
    job = finished(client, auth_headers, jobs, SHORT)

    response = client.get(f"{JOBS}/{job['id']}/report{query}", headers=auth_headers)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) <= {"level", "kind", "per_page"}


# Files deleted -----------------------------------------------------------------------------------


def test_deleting_a_job_removes_its_report_and_keeps_its_counts(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)
    assert storage().exists(f"jobs/{job['id']}/report.jsonl")

    assert client.delete(f"{JOBS}/{job['id']}", headers=auth_headers).status_code == 204

    assert not storage().exists(f"jobs/{job['id']}/report.jsonl")
    response = client.get(f"{JOBS}/{job['id']}/report", headers=auth_headers)
    assert response.status_code == 410
    assert response.get_json()["code"] == "file_deleted"
    after = client.get(f"{JOBS}/{job['id']}", headers=auth_headers).get_json()
    assert after["result"]["findings"]["counts"] == job["result"]["findings"]["counts"]
    assert after["result"]["findings"]["proof_url"] is None


def test_the_retention_sweep_deletes_the_report_files(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)
    db.session.execute(
        update(BadgeJob)
        .where(BadgeJob.id == uuid.UUID(job["id"]))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    jobs.enqueue("badges.sweep", {})
    jobs.run_pending()

    assert not storage().exists(f"jobs/{job['id']}/report.jsonl")
    assert client.get(f"{JOBS}/{job['id']}/report", headers=auth_headers).status_code == 410


def test_a_job_from_before_reports_says_so_with_a_404(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)
    db.session.execute(
        update(BadgeJob)
        .where(BadgeJob.id == uuid.UUID(job["id"]))
        .values(finding_counts=None, flagged_badges=None)
    )
    db.session.commit()  # a read-only request rolls back what its session has not committed

    response = client.get(f"{JOBS}/{job['id']}/report", headers=auth_headers)

    assert response.status_code == 404
    assert response.get_json()["code"] == "report_not_found"
    assert client.get(f"{JOBS}/{job['id']}", headers=auth_headers).get_json()["result"]["findings"] is None


# One numbering, and a log in the order things happen -------------------------------------------


CSV_WITH_A_BLANK_LINE = "name,organization\nZoë Zimmermann,Zeta\n\n张伟,Beta\nAda Lovelace,Alpha\n".encode()


def test_rows_keep_their_spreadsheet_numbers_through_sorting(client, auth_headers, jobs):
    options = {"sort": "name", "fields": {"name": {"font": "dejavu-serif"}}}
    data = {"attendees": (io.BytesIO(CSV_WITH_A_BLANK_LINE), "people.csv"), "options": json.dumps(options)}
    response = client.post(JOBS, data=data, headers=auth_headers)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]

    jobs.run_pending()

    # Header row 1, Zoë row 2, a blank row 3, 张伟 row 4: sorted first or last, it stays row 4.
    messages = log_messages(client, auth_headers, job_id)
    expected = 'Row 4, name: "张伟" has characters not in DejaVu Serif; drawn with'
    assert any(m.startswith(expected) for m in messages), messages
    bundle = json.loads(storage().read_bytes(f"jobs/{job_id}/input.json"))
    rows = PackedRows(bundle["columns"], storage().read_bytes(f"jobs/{job_id}/rows.jsonl"))
    assert [row["name"] for row in rows] == ["Ada Lovelace", "Zoë Zimmermann", "张伟"]
    assert bundle["row_numbers"] == [5, 2, 4]


def test_the_build_log_reads_in_the_order_things_happen(client, auth_headers, jobs):
    # A font without CJK and a list without the template's organization and role columns: the
    # request's checks find both, and the worker logs them after its Intake and Template lines.
    people = [{"name": "Ada Lovelace"}, {"name": "张伟"}]
    job = finished(client, auth_headers, jobs, people, fields={"name": {"font": "dejavu-serif"}})

    lines = client.get(f"{JOBS}/{job['id']}/logs?limit=500", headers=auth_headers).get_json()["items"]
    messages = [line["message"] for line in lines]
    steps = [
        "Queued",
        "Intake",
        "Template",
        'Row 2, name: "张伟" has characters not in DejaVu Serif',
        "The attendee list has no column for {{organization}}",
        "Findings:",
        "Joining",
        "Storing",
        "Done",
    ]
    firsts = [next((i for i, m in enumerate(messages) if m.startswith(step)), -1) for step in steps]
    assert -1 not in firsts, messages
    assert firsts == sorted(firsts), messages
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert not any(message.startswith("Attendee") for message in messages), messages


def test_a_line_written_by_a_request_after_the_worker_continues_the_numbering(client, auth_headers, jobs):
    job = finished(client, auth_headers, jobs, SHORT)
    before = log_messages(client, auth_headers, job["id"])

    assert client.delete(f"{JOBS}/{job['id']}", headers=auth_headers).status_code == 204

    lines = client.get(f"{JOBS}/{job['id']}/logs?limit=500", headers=auth_headers).get_json()["items"]
    assert [line["seq"] for line in lines] == list(range(1, len(before) + 2))
    assert lines[-1]["message"] == "Files removed."


# Each kind of finding, from a real job ---------------------------------------------------------

LONG_NAME = "Maximilian Alexander Hohenzollern-Sigmaringen"
# Spreadsheet rows: the header is row 1, the blank line row 3.
ATTENDEES_CSV = "\n".join(
    [
        "name,organization,email",
        "Ada Lovelace,,ada@example.org",  # row 2: fits
        "",
        "Alexandra Konstantin,,alex@example.org",  # row 4: shrunk (info)
        f"{LONG_NAME},,max@example.org",  # row 5: wrapped (warning)
        f"Bob Byte,{LONG_NAME},bob@example.org",  # row 6: the organisation ellipsized (error)
        "Bad \ue000 Glyph,,bad@example.org",  # row 7: a character no font has (error)
        "சுப்ரமணியன்,,s@example.org",  # row 8: drawn from a Tamil font (info)
        "Dee Dense,,https://example.org/" + "x" * 300,  # row 9: a QR code too dense (error)
    ]
).encode()
EXPECTED_KINDS = {
    4: {"shrunk"},
    5: {"wrapped"},
    6: {"ellipsized"},
    7: {"missing_glyphs"},
    9: {"qr_too_dense"},
}
FLAGGED_ROWS = [5, 6, 7, 9]


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 84), (200, 80, 40)).save(buffer, "PNG")  # ~30 dpi over 100 mm
    return buffer.getvalue()


@pytest.fixture
def checked_job(client, auth_headers, jobs) -> dict:
    upload = client.post(
        "/api/v1/badge-templates", data={"file": (io.BytesIO(TEMPLATE), "boxes.svg")}, headers=auth_headers
    )
    assert upload.status_code == 201, upload.get_json()
    options = {
        "name": "Proof 2026",
        "template": upload.get_json()["id"],
        "sheet": "a4-2x2",
        "qr": {"field": "email", "kind": "plain"},
    }
    data = {
        "attendees": (io.BytesIO(ATTENDEES_CSV), "people.csv"),
        "options": json.dumps(options),
        "background": (io.BytesIO(small_png()), "small.png"),
    }
    response = client.post(JOBS, data=data, headers=auth_headers)
    assert response.status_code == 202, response.get_json()
    jobs.run_pending()
    job = client.get(f"{JOBS}/{response.get_json()['id']}", headers=auth_headers).get_json()
    assert job["status"] == "succeeded", job
    return job


def kinds_by_row(items: list[dict]) -> dict[int, set[str]]:
    return {item["row"]: {finding["kind"] for finding in item["findings"]} for item in items}


def test_each_kind_of_finding_is_reported_by_spreadsheet_row_page_and_slot(client, auth_headers, checked_job):
    body = report(client, auth_headers, checked_job["id"], "?per_page=100")

    found = kinds_by_row(body["items"])
    for row, expected in EXPECTED_KINDS.items():
        assert expected <= found.get(row, set()), (row, body["items"])
    assert 2 not in found  # Ada fits
    # Seven badges, four a page: row 9 (the 7th attendee, after a blank row) is page 2, slot 3.
    where = {item["row"]: (item["page"], item["slot"]) for item in body["items"]}
    assert where[4] == (1, 2)
    assert where[9] == (2, 3)
    assert body["badges"] == 7
    assert body["flagged"] == len(FLAGGED_ROWS)
    assert body["total"] == len(body["items"])
    assert [finding["kind"] for finding in body["job_findings"]] == ["image_upscaled"]
    assert body["counts"] == checked_job["result"]["findings"]["counts"]
    assert checked_job["result"]["findings"]["flagged"] == len(FLAGGED_ROWS)
    for kind in ("shrunk", "wrapped", "ellipsized", "missing_glyphs", "qr_too_dense"):
        assert body["counts"][kind] >= 1, kind
    levels = {finding["kind"]: finding["level"] for item in body["items"] for finding in item["findings"]}
    assert levels["ellipsized"] == levels["missing_glyphs"] == levels["qr_too_dense"] == "error"
    assert levels["wrapped"] == "warning"
    assert levels["shrunk"] == "info"
    missing = next(f for item in body["items"] for f in item["findings"] if f["kind"] == "missing_glyphs")
    assert missing["characters"] == "\ue000"


def test_a_name_drawn_from_a_fallback_font_is_an_info_finding(client, auth_headers, checked_job):
    body = report(client, auth_headers, checked_job["id"], "?kind=fallback_font")

    if checked_job["result"]["findings"]["counts"]["fallback_font"] == 0:
        pytest.skip("the engine does not report fallback fonts yet (PlacedText.fallback_fonts)")
    assert [item["row"] for item in body["items"]] == [8]
    (finding,) = (f for f in body["items"][0]["findings"] if f["kind"] == "fallback_font")
    assert finding["level"] == "info"
    assert "Tamil" in finding["font"]


def test_the_report_filters_by_level_and_kind(client, auth_headers, checked_job):
    job_id = checked_job["id"]

    errors = report(client, auth_headers, job_id, "?level=error")
    flagged = report(client, auth_headers, job_id, "?level=warning,error")
    repeated = report(client, auth_headers, job_id, "?level=warning&level=error")
    dense = report(client, auth_headers, job_id, "?kind=qr_too_dense")
    wrapped_errors = report(client, auth_headers, job_id, "?kind=wrapped&level=error")

    assert [item["row"] for item in errors["items"]] == [6, 7, 9]
    assert [item["row"] for item in flagged["items"]] == FLAGGED_ROWS
    assert repeated["items"] == flagged["items"]
    assert [item["row"] for item in dense["items"]] == [9]
    assert wrapped_errors["items"] == []
    assert wrapped_errors["total"] == 0
    # The summary is the whole job's, whatever the filter.
    assert dense["flagged"] == errors["flagged"] == len(FLAGGED_ROWS)


def test_the_report_is_paged_with_a_link_header_keeping_the_filters(client, auth_headers, checked_job):
    path = f"{JOBS}/{checked_job['id']}/report"
    everything = report(client, auth_headers, checked_job["id"], "?per_page=100")["items"]

    first = client.get(f"{path}?level=warning,error&per_page=3", headers=auth_headers)
    second = client.get(f"{path}?level=warning,error&per_page=3&page=2", headers=auth_headers)
    past_the_end = client.get(f"{path}?per_page=3&page=9", headers=auth_headers)

    assert [item["row"] for item in first.get_json()["items"]] == FLAGGED_ROWS[:3]
    assert [item["row"] for item in second.get_json()["items"]] == FLAGGED_ROWS[3:]
    assert (first.get_json()["total"], first.get_json()["page"], first.get_json()["per_page"]) == (4, 1, 3)
    link = first.headers["Link"]
    assert 'rel="next"' in link
    assert "page=2" in link
    assert "level=warning%2Cerror" in link
    assert 'rel="prev"' not in link
    assert 'rel="next"' not in second.headers["Link"]
    assert past_the_end.status_code == 200
    assert past_the_end.get_json()["items"] == []
    assert past_the_end.get_json()["total"] == len(everything)


def test_the_proof_sheet_has_only_the_flagged_badges_labelled_by_row(
    client, auth_headers, checked_job, tmp_path
):
    response = fetch(client, f"{JOBS}/{checked_job['id']}/proof.pdf", auth_headers)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "proof.pdf" in response.headers["Content-Disposition"]
    assert response.headers["ETag"]
    text = pdf_text(response.data, tmp_path)
    labels = sorted(int(number) for number in re.findall(r"Row (\d+) ·", text))
    assert labels == FLAGGED_ROWS, text
    part = fetch(client, f"{JOBS}/{checked_job['id']}/proof.pdf", {**auth_headers, "Range": "bytes=0-4"})
    assert part.status_code == 206
    assert part.data == b"%PDF-"
    again = fetch(
        client,
        f"{JOBS}/{checked_job['id']}/proof.pdf",
        {**auth_headers, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_jobs_signed_proof_link_works_without_a_token(client, checked_job, tmp_path):
    url = checked_job["result"]["findings"]["proof_url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]

    response = fetch(client, path)  # no Authorization header: a plain link or a new tab

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Row 9 ·" in pdf_text(response.data, tmp_path)
    tampered = fetch(client, path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404


def test_the_build_log_names_the_flagged_rows_after_the_counts(client, auth_headers, checked_job):
    messages = log_messages(client, auth_headers, checked_job["id"])

    summary = next(m for m in messages if m.startswith("Findings:"))
    assert summary.startswith("Findings: 4 badges need a look: ")
    assert "1 text wrapped" in summary
    assert "1 QR code too dense to scan" in summary
    named = [m for m in messages if m.startswith("Row ") and "(page" in m]
    assert [int(m.split()[1]) for m in named] == FLAGGED_ROWS
    assert "Row 9 (page 2, slot 3): qr: too dense to scan" in named[-1]
    assert any(m.startswith("The background image (120 x 84 pixels) prints at 30 dpi") for m in messages)
    assert any(m.endswith("; a proof sheet of 1 page.") for m in messages), messages
    order = [
        messages.index(summary),
        messages.index(named[0]),
        next(i for i, m in enumerate(messages) if m.startswith("Joining")),
    ]
    assert order == sorted(order)


# Previews -----------------------------------------------------------------------------------------


def preview(client, headers, attendees, **extra):
    body = {"attendees": attendees, "dpi": 72, **extra}
    return client.post("/api/v1/badge-previews", json=body, headers=headers)


def test_a_preview_carries_its_findings_in_a_header(client, auth_headers):
    people = [{"name": "Ada"}, {"name": "Bad \ue000 " + LONG_NAME * 2}]

    fits = preview(client, auth_headers, people, row=0, options={"template": "card"})
    flagged = preview(client, auth_headers, people, row=1, options={"template": "card"})
    as_pdf = preview(client, auth_headers, people, row=1, format="pdf", options={"template": "card"})

    assert json.loads(fits.headers["Badge-Findings"]) == {"row": 1, "flagged": False, "findings": []}
    header = flagged.headers["Badge-Findings"]
    assert header.isascii()
    value = json.loads(header)
    assert value["row"] == 2
    assert value["flagged"] is True
    missing = next(finding for finding in value["findings"] if finding["kind"] == "missing_glyphs")
    assert missing["characters"] == "\ue000"  # escaped in the header, the same once parsed
    assert json.loads(as_pdf.headers["Badge-Findings"]) == value


def test_a_previews_row_is_the_sorted_attendees_spreadsheet_row(client, auth_headers):
    people = [{"name": "Zed Zulu"}, {"name": "Amy Alpha"}]

    response = preview(client, auth_headers, people, row=0, options={"sort": "name"})

    assert json.loads(response.headers["Badge-Findings"])["row"] == 2  # Amy, second in the list


def test_the_findings_header_is_exposed_to_the_app_by_cors(client, auth_headers):
    response = preview(client, {**auth_headers, "Origin": "https://app.example.org"}, [{"name": "Ada"}])

    exposed = {
        value.strip().lower() for value in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert "badge-findings" in exposed


def test_the_findings_header_stays_short_and_says_when_it_was_cut():
    many = tuple(
        Finding("missing_glyphs", f"characters {'x' * 200} have no glyph", field=f"field{n}", characters="x")
        for n in range(40)
    )

    value = findings_header(BadgeFindings(7, 1, 1, many))

    assert len(value) <= FINDINGS_HEADER_MAX
    parsed = json.loads(value)
    assert parsed["truncated"] is True
    assert 0 < len(parsed["findings"]) < 40
    assert parsed["row"] == 7
