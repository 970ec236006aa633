"""CORS for /api/*: which origins may call the API from a browser, and two fixes on top of
Flask-Cors for what browsers actually do.

- Every /api/* answer says `Vary: Origin`, with or without an Origin header. Flask-Cors adds it
  only when an allowed Origin came with the request, so a browser that cached a preview fetched by
  an `<img>` (no Origin) would serve that copy, without CORS headers, to a later `fetch()` of the
  same URL from the app, and report a CORS failure.
- A preflight (OPTIONS with Access-Control-Request-Method) to any /api/* path is answered 204,
  even where no route matches (a malformed id). The browser then sends the real request and the
  app sees the API's own 404 problem, instead of a preflight failure it cannot read.
"""

from __future__ import annotations

from flask import Flask, Response, request

from api.extensions import cors

API_PATHS = "/api/"
# Badge-Findings: a preview's proof report, read by the app beside the image.
EXPOSED_HEADERS = ["Location", "Content-Disposition", "Link", "Retry-After", "ETag", "Badge-Findings"]
# Last-Event-ID: a fetch() that reads the live build log resumes with it, as EventSource does.
ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "Range",
    "Last-Event-ID",
]


def init_cors(app: Flask) -> None:
    # Registered before Flask-Cors's own hooks: before_request hooks run in order, so the preflight
    # answer is made first; after_request hooks run in reverse, so Flask-Cors decorates it.
    app.before_request(_answer_preflight)
    app.after_request(_vary_on_origin)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=app.config["CORS_ALLOW_CREDENTIALS"],
        expose_headers=EXPOSED_HEADERS,
        allow_headers=ALLOWED_HEADERS,
        max_age=600,
        always_send=False,  # no Origin header, no CORS headers: curl and scripts get plain responses
    )


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _answer_preflight() -> Response | None:
    if not (_is_preflight() and request.path.startswith(API_PATHS)):
        return None
    # Flask-Cors adds the Access-Control-* headers when the origin is allowed; for another origin
    # the answer carries none and the browser refuses the request, as it should.
    return Response(status=204)


def _vary_on_origin(response: Response) -> Response:
    if request.path.startswith(API_PATHS):
        response.vary.add("Origin")
    return response
