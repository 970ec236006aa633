from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import jwt_required
from marshmallow import ValidationError as MarshmallowValidationError

from api import rendering
from api.auth.tokens import current_user, optional_user
from api.badge_templates import previews, service
from api.badge_templates.schemas import BadgeTemplateSchema, BadgeTemplateUploadSchema
from api.core.dumping import dumper
from api.core.pagination import link_header, page_body, page_request
from api.core.schemas import flatten_messages
from api.errors import UnsupportedMediaTypeError, ValidationError
from api.extensions import db
from api.http import Resource, api, no_content, respond
from api.links import absolute_url

ns = api.namespace("badge-templates", description="Badge templates")
template_schema = BadgeTemplateSchema()
dump_templates = dumper(template_schema)

PREVIEW_CACHE_CONTROL = "private, max-age=86400"


def read_upload() -> tuple[bytes, str]:
    """The SVG and the template's name from a multipart form with a `file` part and an optional `name`."""
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
    for unknown in sorted(set(request.files) - {"file"}):
        errors[unknown] = ["Unknown field."]
    form = {key: value for key, value in request.form.items() if key != "file"}
    # A form's empty text field means "no name": the file name is used, as when the part is left out.
    if not form.get("name", "x").strip():
        del form["name"]
    try:
        loaded = BadgeTemplateUploadSchema().load(form)
    except MarshmallowValidationError as error:
        errors.update(flatten_messages(error.messages))
        loaded = {}
    if errors:
        raise ValidationError(errors)
    upload = files[0]
    # One byte past the limit is enough to know the file is over it.
    svg = upload.stream.read(service.MAX_SVG_BYTES + 1)
    return svg, loaded.get("name") or service.name_from_filename(upload.filename)


@ns.route("", endpoint="badge_templates")
class BadgeTemplates(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The built-in templates, then the current user's uploads, newest first."""
        page = page_request()
        templates, total = service.list_templates(db.session(), actor=current_user(), page=page)
        body = page_body(dump_templates(templates), total, page)
        return respond(body, headers={"Link": link_header(page, total)})

    @jwt_required()
    def post(self) -> Response:
        """Upload an SVG template; a render worker compiles it under limits before it is stored."""
        svg, name = read_upload()
        template = service.create_template(db.session(), actor=current_user(), svg=svg, name=name)
        location = absolute_url("api.badge_template", template_id=template.id)
        return respond(template_schema.dump(template), 201, headers={"Location": location})


@ns.route("/<string:template_id>", endpoint="badge_template")
class BadgeTemplate(Resource):
    @jwt_required()
    def get(self, template_id: str) -> Response:
        """A built-in template or one of the current user's uploads."""
        template = service.get_template(db.session(), actor=current_user(), template_id=template_id)
        return respond(template_schema.dump(template))

    @jwt_required()
    def delete(self, template_id: str) -> Response:
        """Delete an uploaded template; built-in ones are a 403."""
        service.delete_template(db.session(), actor=current_user(), template_id=template_id)
        return no_content()


@ns.route("/<string:template_id>/preview", endpoint="badge_template_preview")
class BadgeTemplatePreview(Resource):
    def get(self, template_id: str) -> Response:
        """The template filled with sample values, as PNG; works in a plain <img src>."""
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
