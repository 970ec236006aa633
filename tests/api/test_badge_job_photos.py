"""A job with a ZIP of photos over HTTP: bad archives are clear 4xx naming the member, and a good
one makes badges with photos, a report naming the attendee without one, and a log line about the
photo nobody used."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest

from tests.support.badge_jobs import download, get_job, job_count, logs
from tests.support.photos import (
    banded_jpeg,
    photo_zip,
    png_header_claiming,
    symlink_zip,
    with_central_size,
)
from tests.support.problems import PROBLEM_KEYS

CSV = "name,organization,photo\nAda Lovelace,Engines,ada.jpg\nBob,Builders,BOB\nCy,Nowhere,\n"


def post_with_photos(client, headers, photos: bytes, options: str = '{"template": "photo"}', csv: str = CSV):
    data = {
        "attendees": (io.BytesIO(csv.encode()), "people.csv"),
        "options": options,
        "photos": (io.BytesIO(photos), "photos.zip"),
    }
    return client.post("/api/v1/badge-jobs", data=data, headers=headers)


def test_a_job_with_photos_is_rendered_reported_and_logged(client, auth_headers, jobs, tmp_path):
    photos = photo_zip({"Team/Ada.JPG": banded_jpeg(), "bob.png": banded_jpeg(), "nobody.jpg": banded_jpeg()})
    response = post_with_photos(client, auth_headers, photos)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]

    jobs.run_pending()

    job = get_job(client, auth_headers, job_id)
    assert job["status"] == "succeeded", job
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(download(client, job["result"]["download_url"]).data)
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    images = [line.split() for line in listed.stdout.splitlines()[2:]]
    assert [image[0] for image in images] == ["1", "2"]  # Ada and Bob; Cy has the placeholder
    assert all(295 <= int(image[12]) <= 305 for image in images)
    report = client.get(f"/api/v1/badge-jobs/{job_id}/report", headers=auth_headers).get_json()
    assert report["counts"]["photo_missing"] == 1
    assert [(badge["row"], badge["findings"][0]["kind"]) for badge in report["items"]] == [
        (4, "photo_missing")
    ]
    messages = [line["message"] for line in logs(client, auth_headers, job_id)]
    assert any("nobody.jpg" in message and "match no attendee" in message for message in messages), messages


BOMB = photo_zip({"zeros.jpg": b"\0" * 5_000_000})


@pytest.mark.parametrize(
    ("photos", "status", "member", "words"),
    [
        (photo_zip({"../ada.jpg": banded_jpeg()}), 422, "../ada.jpg", "'..'"),
        (photo_zip({"/srv/ada.jpg": banded_jpeg()}), 422, "/srv/ada.jpg", "absolute"),
        (symlink_zip("ada.jpg"), 422, "ada.jpg", "symbolic link"),
        (photo_zip({"inner.zip": photo_zip({"ada.jpg": banded_jpeg()})}), 422, "inner.zip", "archive inside"),
        (BOMB, 413, "zeros.jpg", "compresses more than 100:1"),
        (b"PK\x03\x04 this is not really a zip", 422, None, "not a ZIP"),
        (photo_zip({"notes.txt": b"hello"}), 422, "notes.txt", ".jpg, .jpeg and .png"),
        # Checked in the render runtime, still before the job is queued:
        (
            with_central_size(photo_zip({"ada.jpg": b"\xff\xd8\xff" + b"\0" * 3_000_000}), 40_000),
            422,
            "ada.jpg",
            "does not match",
        ),
        (photo_zip({"ada.jpg": b"this is text, not a JPEG"}), 422, "ada.jpg", "not a PNG or a JPEG"),
        (photo_zip({"huge.png": png_header_claiming(50_000, 50_000)}), 413, "huge.png", "pixels"),
    ],
)
def test_bad_archives_are_refused_naming_the_member(client, auth_headers, photos, status, member, words):
    response = post_with_photos(client, auth_headers, photos)

    problem = response.get_json()
    assert response.status_code == status, problem
    assert set(problem) >= PROBLEM_KEYS
    assert words in problem["detail"]
    if member is not None:
        assert member in problem["detail"]
    assert job_count() == 0


def test_too_many_members_and_a_large_archive_are_413s_naming_the_setting(
    client, auth_headers, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BADGE_PHOTOS_MAX_FILES", 2)
    many = photo_zip({f"p{index}.jpg": banded_jpeg(60, 80) for index in range(3)})
    response = post_with_photos(client, auth_headers, many)
    assert response.status_code == 413, response.get_json()
    assert "more than the limit of 2" in response.get_json()["detail"]

    monkeypatch.setitem(app.config, "BADGE_PHOTOS_MAX_BYTES", 1000)
    stored = photo_zip({"ada.jpg": bytes(range(256)) * 8}, compression=zipfile.ZIP_STORED)  # 2 KB
    response = post_with_photos(client, auth_headers, stored)
    assert response.status_code == 413
    assert "BADGE_PHOTOS_MAX_BYTES" in response.get_json()["detail"]
    assert job_count() == 0


def test_photos_need_a_template_with_a_photo_box(client, auth_headers):
    response = post_with_photos(
        client, auth_headers, photo_zip({"ada.jpg": banded_jpeg()}), '{"template": "classic"}'
    )

    assert response.status_code == 422
    assert "data-photo" in response.get_json()["errors"]["photos"][0]


def test_a_photo_column_that_is_not_in_the_list_is_a_422(client, auth_headers):
    options = '{"template": "photo", "photo_column": "picture"}'
    response = post_with_photos(client, auth_headers, photo_zip({"ada.jpg": banded_jpeg()}), options)

    assert response.status_code == 422
    assert "options.photo_column" in response.get_json()["errors"]
