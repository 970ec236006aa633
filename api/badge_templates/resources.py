from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import jwt_required
from marshmallow import ValidationError as MarshmallowValidationError

from api import rendering
from api.auth.tokens import current_user, optional_user
from api.badge_templates import previews, service
from api.badge_templates.schemas import BadgeTemplateSchema, BadgeTemplateUploadSchema
from api.core.dumping import dumper
from api.core.schemas import flatten_messages
from api.errors import UnsupportedMediaTypeError, ValidationError
from api.extensions import db
from api.http import (
    Resource,
    api,
    no_content,
    page_request,
    respond,
    respond_page,
)
from api.links import absolute_url

ns = api.namespace("badge-templates", description="Badge templates")
template_schema = BadgeTemplateSchema()
dump_templates = dumper(template_schema)

PREVIEW_CACHE_CONTROL = "private, max-age=86400"


def read_upload() -> tuple[bytes, str, bytes | None]:
    """The SVG, the template's name and the back side's SVG from a multipart form with a `file` part,
    an optional `name` and an optional `back` (a second SVG, the badge's back side)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaTypeError(
            "Send the template as multipart/form-data, with the SVG in a part named `file`."
        )
    errors: dict[str, list[str]] = {}
    files = request.files.getlist("file")
    if not files:
        errors["file"] = (
            ["Must be a file part (with a file name), not a text field."]
            if "file" in request.form
            else ["Missing: send the SVG template as a file part named `file`."]
        )
    elif len(files) > 1:
        errors["file"] = ["Send one file."]
    backs = request.files.getlist("back")
    if "back" in request.form:
        errors["back"] = ["Must be a file part (with a file name), not a text field."]
    elif len(backs) > 1:
        errors["back"] = ["Send one file."]
    for unknown in sorted(set(request.files) - {"file", "back"}):
        errors[unknown] = ["Unknown field."]
    form = {key: value for key, value in request.form.items() if key not in ("file", "back")}
    try:
        # A blank name is "" (TrimmedString(blank_allowed=True)): the file name is used, as when
        # the part is left out.
        loaded = BadgeTemplateUploadSchema(exclude=("file", "back")).load(form)
    except MarshmallowValidationError as error:
        errors.update(flatten_messages(error.messages))
        loaded = {}
    if errors:
        raise ValidationError(errors)
    upload = files[0]
    # One byte past the limit is enough to know the file is over it.
    svg = upload.stream.read(service.MAX_SVG_BYTES + 1)
    back = backs[0].stream.read(service.MAX_SVG_BYTES + 1) if backs else None
    return svg, loaded.get("name") or service.name_from_filename(upload.filename), back


@ns.route("", endpoint="badge_templates")
class BadgeTemplates(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The built-in templates, then the current user's uploads, newest first.

        ---
        tags: [badge-templates]
        operationId: listBadgeTemplates
        summary: List the built-in templates, then the current user's uploads.
        description: |
          The built-in designs come first (`classic`, `landscape`, `card`, `photo`), then the caller's own
          uploads, newest first; `total` counts both. Each item's `preview_url` can be used as it is
          in an `<img src>`.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of templates.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeTemplatePage'}
          '422': ValidationFailed
        """
        page = page_request()
        templates, total = service.list_templates(db.session(), actor=current_user(), page=page)
        return respond_page(dump_templates(templates), total, page)

    @jwt_required()
    def post(self) -> Response:
        """Upload an SVG template; a render worker compiles it under limits before it is stored.

        ---
        tags: [badge-templates]
        operationId: uploadBadgeTemplate
        summary: Upload an SVG badge template.
        description: |
          A `multipart/form-data` body: the SVG in a `file` part, an optional `name` part (default:
          the file name without its extension, else `Untitled`) and an optional `back` part, a second
          SVG for the badge's back side (printed with `options.sides: both`). Any other part is a 422.

          A template has a back side either from the `back` part or from groups in its own SVG marked
          `data-side="front"` and `data-side="back"` (each side then has its own fields; elements
          outside both groups are on both sides); `has_back` says so. The `back` part is checked as
          the `file` part is, with its refusals under `errors.back`; it must be the front's size (a
          422 `invalid_template` on `back` otherwise), and a `file` that has data-side groups cannot
          also have a `back` part.

          The badge renderer compiles the SVG in a child process with CPU, memory and time limits
          before anything is stored. Text elements holding `{{field}}` placeholders become the fields
          filled per attendee; a template needs at least one. A rectangle marked `data-qr` is where a
          QR code goes.

          Refusals are a 422 with the reason under `errors.file` and one of these codes:
          `invalid_template` (not an SVG: another file type, XML that is not well-formed or whose root
          is not `<svg>`, a DOCTYPE or entity declaration, `<script>` or `<foreignObject>`, event
          attributes, references to anything but `#fragments` and embedded PNG/JPEG `data:` images,
          geometry the renderer cannot draw), `template_too_complex` (more elements, nesting or `<use>`
          expansion than the renderer allows, or more CPU or memory than it allows),
          `no_placeholders` (no `{{field}}` at all), `too_many_templates` (the caller already has
          `BADGE_TEMPLATES_MAX_PER_USER` uploads, 100 by default), `validation_failed` (no `file`
          part, an unknown part, a name longer than 200 characters). An SVG larger than 2 MiB
          (2097152 bytes) is a 413, as is a body over the server's request size limit.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            multipart/form-data:
              schema: {$ref: '#/components/schemas/BadgeTemplateUpload'}
        responses:
          '201':
            links:
              GetBadgeTemplate:
                operationId: getBadgeTemplate
                parameters: {template_id: '$response.body#/id'}
              DeleteBadgeTemplate:
                operationId: deleteBadgeTemplate
                parameters: {template_id: '$response.body#/id'}
              GetBadgeTemplatePreview:
                operationId: getBadgeTemplatePreview
                parameters: {template_id: '$response.body#/id'}
            description: The stored template; `Location` is its URL.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeTemplate'}
          '413': PayloadTooLarge
          '415':
            description: The body is not `multipart/form-data`.
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '422': ValidationFailed
          '503': ServiceUnavailable
        """
        svg, name, back = read_upload()
        template = service.create_template(db.session(), actor=current_user(), svg=svg, name=name, back=back)
        location = absolute_url("api.badge_template", template_id=template.id)
        return respond(template_schema.dump(template), 201, headers={"Location": location})


@ns.route("/<string:template_id>", endpoint="badge_template")
class BadgeTemplate(Resource):
    @jwt_required()
    def get(self, template_id: str) -> Response:
        """A built-in template or one of the current user's uploads.

        ---
        tags: [badge-templates]
        operationId: getBadgeTemplate
        summary: A built-in template or one of the current user's uploads.
        description: Another user's template, or an unknown id, is a 404 `template_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - TemplateId
        responses:
          '200':
            description: The template.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeTemplate'}
          '404': NotFound
        """
        template = service.get_template(db.session(), actor=current_user(), template_id=template_id)
        return respond(template_schema.dump(template))

    @jwt_required()
    def delete(self, template_id: str) -> Response:
        """Delete an uploaded template; built-in ones are a 403.

        ---
        tags: [badge-templates]
        operationId: deleteBadgeTemplate
        summary: Delete an uploaded template.
        description: |
          Badge jobs already queued keep their own copy of the SVG, so deleting never breaks them.
          A built-in template is a 403 `built_in_template`; another user's template, or an unknown
          id, a 404 `template_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - TemplateId
        responses:
          '204': {description: Deleted.}
          '403':
            description: Built-in templates cannot be deleted (`built_in_template`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '404': NotFound
        """
        service.delete_template(db.session(), actor=current_user(), template_id=template_id)
        return no_content()


@ns.route("/<string:template_id>/preview", endpoint="badge_template_preview")
class BadgeTemplatePreview(Resource):
    def get(self, template_id: str) -> Response:
        """The template filled with sample values, as PNG; works in a plain <img src>.

        ---
        tags: [badge-templates]
        operationId: getBadgeTemplatePreview
        summary: The template filled with sample values, as a PNG.
        description: |
          Sample values: `name` Ada Lovelace, `organization` FOSSASIA, `role` Speaker, `email`
          ada@example.org, `event` Sample Event 2026; any other field shows its own name. 150 dpi,
          lower for a large template so that the longer side stays within 1200 pixels.

          A built-in template's preview needs no token. An uploaded template's needs either the
          `sig` of its `preview_url` (so it works in a plain `<img src>`, with no Authorization
          header) or the owner's bearer token; otherwise it is a 404 `template_not_found`, as is an
          unknown id. The answer carries an `ETag` (the template's content and the renderer's
          version) and may be cached privately for a day; `If-None-Match` with that ETag gives a 304.
        security: [{}, {bearerAuth: []}]
        parameters:
          - TemplateId
          - name: sig
            in: query
            description: The signature from `preview_url`; it is bound to the template's id and content.
            schema: {type: string}
          - name: If-None-Match
            in: header
            description: The ETag of a preview the client has; if it is still current, the answer is a 304.
            schema: {type: string}
        responses:
          '200':
            description: The preview.
            headers:
              ETag:
                description: Changes when the template or the renderer changes.
                schema: {type: string}
              Cache-Control:
                description: '`private, max-age=86400`.'
                schema: {type: string}
            content:
              image/png:
                schema: {type: string, format: binary}
          '304':
            description: The client's copy (named by `If-None-Match`) is current.
            headers:
              ETag:
                description: The preview's ETag.
                schema: {type: string}
              Cache-Control:
                description: '`private, max-age=86400`.'
                schema: {type: string}
          '401': Unauthorized
          '404': NotFound
          '422':
            description: >
              The stored template can no longer be rendered (`invalid_template`): only possible if the
              renderer became stricter after the upload.
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/ValidationProblem'}
          '503': ServiceUnavailable
        """
        preview = previews.readable_preview(
            db.session(), template_id=template_id, signature=request.args.get("sig"), actor=optional_user
        )
        headers = {"Cache-Control": PREVIEW_CACHE_CONTROL}
        if request.if_none_match.contains_weak(preview.etag):
            response = Response(status=304, headers=headers)
            del response.headers["Content-Type"]
        else:
            source = preview.source()
            db.session().commit()  # no transaction stays open while a worker draws
            png = rendering.sample_preview(source, user=preview.owner)
            response = Response(png, mimetype="image/png", headers=headers)
        response.set_etag(preview.etag)
        return response
