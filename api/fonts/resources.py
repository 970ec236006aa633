from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request
from flask_jwt_extended import jwt_required

from api import rendering
from api.auth.tokens import current_user
from api.errors import PermissionDeniedError, UnsupportedMediaTypeError, ValidationError
from api.extensions import db
from api.fonts import service
from api.fonts.catalogue import SystemFont, style_key, system_font, system_fonts
from api.fonts.models import Font
from api.fonts.preview import DEFAULT_SIZE, MAX_SIZE, MAX_TEXT, MIN_SIZE, sample_text
from api.fonts.validation import MAX_FONT_BYTES
from api.http import Resource, api, no_content, page_request, query_int, respond, respond_page
from api.links import absolute_url

ns = api.namespace("fonts", description="Fonts")
PREVIEW_VERSION = "1"  # part of every preview's ETag: bump when the same request would draw differently


def dump(font: SystemFont | Font) -> dict[str, Any]:
    if isinstance(font, SystemFont):
        return {
            "id": font.id,
            "family": font.family,
            "styles": list(font.styles),
            "source": "system",
            "scripts": list(font.scripts),
            "licence": font.licence,
            "licence_url": font.licence_url,
            "preview_url": absolute_url("api.fonts_font_preview", font_id=font.id),
            "created_at": None,
        }
    return {
        "id": str(font.id),
        "family": font.family,
        "styles": [style_key(font.weight, font.italic)],
        "source": "uploaded",
        "scripts": list(font.scripts),
        "licence": font.licence,
        "licence_url": font.licence_url,
        "preview_url": absolute_url("api.fonts_font_preview", font_id=font.id),
        "created_at": font.created_at.isoformat(),
    }


@ns.route("")
class Fonts(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The curated system fonts, then the current user's uploads, newest first.

        ---
        tags: [fonts]
        operationId: listFonts
        summary: The curated system fonts, then the current user's uploads, newest first.
        description: >
          Each font has its styles, the scripts its character map covers (a script counts when the
          font maps at least 95% of a sample of its letters) and its licence when the font names one.
          Use a font's `id` as `options.fields.<field>.font` in badge jobs and previews.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of fonts.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/FontPage'}
          '422': ValidationFailed
        """
        page = page_request()
        fonts: list[SystemFont | Font] = [
            *system_fonts(),
            *service.list_uploads(db.session(), actor=current_user()),
        ]
        items = fonts[page.offset : page.offset + page.per_page]
        return respond_page([dump(font) for font in items], len(fonts), page)

    @jwt_required()
    def post(self) -> Response:
        """Upload a TrueType, OpenType, WOFF or WOFF2 font in a `file` part; the same file again
        answers 200 with the font stored the first time.

        ---
        tags: [fonts]
        operationId: uploadFont
        summary: Upload a TrueType, OpenType, WOFF or WOFF2 font (multipart, `file` part).
        description: |
          The type is read from the content, never the file name, and the whole font is parsed with
          fontTools before anything is stored. A collection (.ttc) is refused (upload one face); a
          variable font is stored as its default instance. The font is stored renamed to a family
          unique to the upload, so it can never replace a system font or another user's font.
          Refused with 422: not a font (`font_not_a_font`), truncated (`font_truncated`), corrupt
          (`font_invalid`), a collection (`font_collection`), no Unicode map (`font_no_unicode`),
          a family name that copies an installed font (`font_shadows_system_font`), too many fonts
          (`too_many_fonts`); over the size limit 413 (`font_too_large`). The same file uploaded again
          answers 200 with the font stored the first time.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            multipart/form-data:
              schema:
                type: object
                required: [file]
                properties:
                  file: {type: string, format: binary}
                additionalProperties: false
        responses:
          '201':
            links:
              GetFont: {operationId: getFont, parameters: {font_id: '$response.body#/id'}}
              DeleteFont: {operationId: deleteFont, parameters: {font_id: '$response.body#/id'}}
              PreviewFont: {operationId: previewFont, parameters: {font_id: '$response.body#/id'}}
            description: The new font; `Location` is its URL.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Font'}
          '200':
            description: This file was uploaded before; the font stored then.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Font'}
          '413': PayloadTooLarge
          '415': UnsupportedMediaType
          '422': ValidationFailed
        """
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaTypeError("Send the font as multipart/form-data, in a part named `file`.")
        files = request.files.getlist("file")
        unknown = sorted(set(request.files) - {"file"} | set(request.form))
        if len(files) != 1 or unknown:
            errors = {name: ["Unknown field."] for name in unknown}
            if len(files) != 1:
                errors["file"] = ["Send exactly one font file in a part named `file`."]
            raise ValidationError(errors)
        data = files[0].stream.read(MAX_FONT_BYTES + 1)
        font, created = service.upload_font(db.session(), actor=current_user(), data=data)
        location = absolute_url("api.fonts_font_item", font_id=font.id)
        return respond(dump(font), 201 if created else 200, headers={"Location": location})


@ns.route("/<string:font_id>")
class FontItem(Resource):
    """---
    parameters:
      - FontId
    """

    @jwt_required()
    def get(self, font_id: str) -> Response:
        """A curated font by its id (e.g. noto-sans) or one of the current user's uploads.

        ---
        tags: [fonts]
        operationId: getFont
        summary: One font.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The font.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Font'}
          '404': NotFound
        """
        return respond(dump(service.find_font(db.session(), actor=current_user(), font_id=font_id)))

    @jwt_required()
    def delete(self, font_id: str) -> Response:
        """Delete an uploaded font; PDFs already made keep their embedded copy.

        ---
        tags: [fonts]
        operationId: deleteFont
        summary: Delete an uploaded font; PDFs already made keep their embedded copy.
        security: [{bearerAuth: []}]
        responses:
          '204': {description: Deleted.}
          '403':
            description: A system font (`system_font`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '404': NotFound
        """
        if system_font(font_id) is not None:
            raise PermissionDeniedError("System fonts cannot be deleted.", code="system_font")
        service.delete_font(db.session(), actor=current_user(), font_id=font_id)
        return no_content()


@ns.route("/<string:font_id>/preview")
class FontPreview(Resource):
    """---
    parameters:
      - FontId
    """

    @jwt_required()
    def get(self, font_id: str) -> Response:
        """`text` (default: samples of the scripts the font covers) at `size` pixels, as PNG.

        ---
        tags: [fonts]
        operationId: previewFont
        summary: A PNG of some text in the font.
        description: >
          `text` defaults to samples of the scripts the font covers. Cacheable: `ETag`, and
          `If-None-Match` answers 304.
        security: [{bearerAuth: []}]
        parameters:
          - name: text
            in: query
            schema: {type: string, maxLength: 100}
          - name: size
            in: query
            description: Pixels. An empty value is the default.
            allowEmptyValue: true
            schema: {type: integer, minimum: 8, maximum: 200, default: 48}
        responses:
          '200':
            description: The text as PNG.
            headers:
              ETag: {schema: {type: string}}
            content:
              image/png:
                schema: {type: string, format: binary}
          '304': {description: Not modified.}
          '404': NotFound
          '422': ValidationFailed
          '503': ServiceUnavailable
        """
        session, actor = db.session(), current_user()
        found = service.find_font(session, actor=actor, font_id=font_id)
        size = query_int("size", DEFAULT_SIZE, MAX_SIZE, minimum=MIN_SIZE)
        text = request.args.get("text") or sample_text(list(found.scripts))
        if len(text) > MAX_TEXT:
            raise ValidationError({"text": [f"At most {MAX_TEXT} characters."]})
        version = found.version if isinstance(found, SystemFont) else found.sha256
        etag = hashlib.sha256(
            f"{PREVIEW_VERSION}|{found.family}|{version}|{size}|{text}".encode()
        ).hexdigest()
        if request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        uploads: dict[str, bytes] = {}
        if isinstance(found, SystemFont):
            face = found.faces[0]
            family, weight, italic = found.family, face.weight, face.italic
        else:
            upload = service.owned_font(session, actor=actor, font_id=font_id, with_data=True)
            family, weight, italic = upload.internal_family, upload.weight, upload.italic
            uploads[family] = upload.data
        session.commit()  # no transaction stays open while a worker draws
        png = rendering.font_sample(
            text, family=family, weight=weight, italic=italic, size=size, fonts=uploads, user=str(actor.id)
        )
        response = Response(png, mimetype="image/png")
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, max-age=86400"
        return response
