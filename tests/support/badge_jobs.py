"""Badge jobs over HTTP: posting, reading, downloading, and counting what a test made."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import func, select

from api.badges.models import BadgeJob
from api.extensions import db

PEOPLE = [
    {"name": "Ada Lovelace", "organization": "Analytical Engines", "role": "Speaker", "ticket": "Speaker"},
    {"name": "محمد الأحمد", "organization": "جامعة القاهرة", "role": "Attendee", "ticket": "Attendee"},
    {"name": "张伟", "organization": "清华大学", "role": "Attendee", "ticket": "Attendee"},
    {"name": "Émile Zola", "organization": "L'Aurore", "role": "Speaker", "ticket": "Speaker"},
]


def post_job(client, headers, body=None, **kwargs):
    return client.post("/api/v1/badge-jobs", json=body, headers=headers, **kwargs)


def job_body(**options):
    return {"attendees": PEOPLE, "options": {"name": "Summit 2026", "sheet": "a4-2x2", **options}}


def queued(client, headers, body=None, **kwargs) -> dict:
    response = post_job(client, headers, body or job_body(), **kwargs)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def get_job(client, headers, job_id) -> dict:
    response = client.get(f"/api/v1/badge-jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def logs(client, headers, job_id, after=0) -> list[dict]:
    response = client.get(f"/api/v1/badge-jobs/{job_id}/logs?after={after}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def download(client, url, **headers):
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, headers=headers)
    response.get_data()
    response.close()  # a file response holds the file open until closed
    return response


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(BadgeJob)) or 0


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def multipart(csv: bytes, options: str) -> tuple[bytes, str]:
    """The body a browser sends; built here because the test client spools big bodies to a file
    it never closes."""
    boundary = "----badges-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attendees"; filename="people.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += csv + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n'.encode()
    body += options.encode() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
