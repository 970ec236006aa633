"""Security headers: no-store on every answer carrying a token, nosniff and no referrer on every
response (JSON, problem, PNG, PDF, HTML), no framing, and a Content-Security-Policy on the docs
page that allows exactly its one inline script (Chromium runs it: tests/integration)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.support.accounts import bearer

PREVIEW = {"attendees": [{"name": "Ada Lovelace"}], "options": {"template": "card"}}


def assert_common(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_answers_carrying_tokens_are_never_stored(client, user, tokens):
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))

    for response in (login, refreshed):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert_common(response)
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("method", "url", "status", "mimetype"),
    [
        ("GET", "/api/v1/users/me", 401, "application/problem+json"),
        ("GET", "/api/v1/events/not-a-uuid", 404, "application/problem+json"),
        ("POST", "/api/v1/users", 415, "application/problem+json"),
        ("GET", "/api/v1/health", 200, "application/json"),
        ("GET", "/api/v1/openapi.yaml", 200, "application/yaml"),
        ("GET", "/no-such-page", 404, "application/problem+json"),
    ],
)
def test_json_and_problem_responses_carry_the_headers(client, method, url, status, mimetype):
    response = client.open(url, method=method, data="x" if method == "POST" else None)

    assert response.status_code in (status, 503)  # health may be degraded on a busy machine
    assert response.mimetype == mimetype
    assert_common(response)
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    if url.startswith("/api/v1/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_png_and_pdf_previews_carry_the_headers(client, auth_headers):
    png = client.post("/api/v1/badge-previews", json=PREVIEW, headers=auth_headers)
    pdf = client.post(
        "/api/v1/badge-previews", json=PREVIEW, headers={**auth_headers, "Accept": "application/pdf"}
    )

    assert (png.status_code, png.mimetype) == (200, "image/png")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    for response in (png, pdf):
        assert_common(response)
        assert response.headers["Cache-Control"] == "no-store"  # the handler's own
    assert "Content-Security-Policy" in png.headers
    assert "Content-Security-Policy" not in pdf.headers  # a browser's PDF viewer may need to load


def test_the_docs_page_allows_its_own_script_only_and_no_framing(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert_common(response)
    policy = dict(
        part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", response.get_data(as_text=True), re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
