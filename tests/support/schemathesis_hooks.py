"""The `st` process's hooks module (SCHEMATHESIS_HOOKS) for tests/faults/test_schemathesis.py.

Two jobs:

1. Authentication. The auth provider logs in the test's administrator and caches the tokens, and
   logs in again after any call that revokes them (logout, a password change or reset), so no
   operation is left with only 401s. POST /auth/refresh gets the refresh token, every other
   operation the access token.

2. Positive cases that are really valid. A case schemathesis generates as *positive* satisfies
   the schema, but some rules cannot be written in OpenAPI 3.0, and a schema-valid request that
   breaks one is rightly a 422 (or a 404). So that the run reaches the logic behind every
   operation instead of its validation, `map_case` makes each positive case keep those rules,
   changing as little of what was generated as it can:
   - rules between fields: `ends_at` after `starts_at` (events), `sales_ends_at` after
     `sales_starts_at` and a price that fits the ticket's type (tickets);
   - file formats (a schema says bytes): an attendee list, an SVG, a font, a PNG background, a
     ZIP of photos (with the built-in `photo` template, matched by the `name` column);
   - stored state: identifiers in paths name resources that exist (an event, ticket, template,
     font, finished job, download token, preview signature; a DELETE gets a resource made for
     it), a new ticket order names every ticket of the event once, options name a template,
     columns and an event that exist, and tokens for verification and password reset are ones
     the service signed (minted here with the service's own code, its database and secret).
   Negative cases, and the parts of a case generated as negative, are left as generated.

Everything here runs in the `st` process, which this module's import configures; the pytest
process never imports it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase

BASE_URL = os.environ["BADGES_ST_BASE_URL"]
EMAIL = os.environ["BADGES_ST_EMAIL"]
PASSWORD = os.environ["BADGES_ST_PASSWORD"]
TIMEOUT = 60

# Calls after which the cached tokens no longer work.
REVOKING = {("POST", "/auth/logout"), ("PATCH", "/users/me"), ("POST", "/auth/password-reset/confirm")}

BUILT_IN_TEMPLATES = ("classic", "minimal", "modern")
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
DAY = dt.timedelta(days=1)
MAX_PRICE = Decimal("99999999.99")
CELL_LIMIT = 1000

# An organiser's plain SVG: no data-* attributes, one placeholder.
PLAIN_TEMPLATE = """<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <!-- {tag} -->
  <rect width="90" height="55" fill="#f4f4f4"/>
  <text x="45" y="30" font-family="DejaVu Sans" font-size="7" text-anchor="middle">{{{{name}}}}</text>
</svg>
"""
ATTENDEES_CSV = "name,organization\nAda Lovelace,Analytical Engines\nGrace Hopper,Navy\n"


def login(base_url: str, email: str, password: str) -> dict[str, Any]:
    response = requests.post(
        f"{base_url}/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@schemathesis.auth(refresh_interval=None)
class FreshLogin:
    """Tokens of the test's administrator, renewed after any call that revokes them."""

    tokens: dict[str, Any] | None = None

    @classmethod
    def current(cls) -> dict[str, Any]:
        if cls.tokens is None:
            cls.tokens = login(BASE_URL, EMAIL, PASSWORD)
        return cls.tokens

    def get(self, case: Any, context: Any) -> dict[str, Any]:
        return FreshLogin.current()

    def set(self, case: Any, data: dict[str, Any], context: Any) -> None:
        operation = (case.method.upper(), case.path)
        kind = "refresh_token" if operation == ("POST", "/auth/refresh") else "access_token"
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data[kind]}"}
        if operation in REVOKING:
            # Calls run one at a time (--workers 1): the next one logs in again.
            FreshLogin.tokens = None


def api(method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call as the administrator, for making the resources that cases then name."""
    headers = {"Authorization": f"Bearer {FreshLogin.current()['access_token']}"}
    response = requests.request(method, f"{BASE_URL}{path}", headers=headers, timeout=TIMEOUT, **kwargs)
    if response.status_code == 401:  # revoked by a case since; log in once more
        FreshLogin.tokens = None
        headers = {"Authorization": f"Bearer {FreshLogin.current()['access_token']}"}
        response = requests.request(method, f"{BASE_URL}{path}", headers=headers, timeout=TIMEOUT, **kwargs)
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
    return response


def exists(path: str) -> bool:
    return (
        requests.get(
            f"{BASE_URL}{path}",
            headers={"Authorization": f"Bearer {FreshLogin.current()['access_token']}"},
            timeout=TIMEOUT,
        ).status_code
        == 200
    )


def new_event() -> str:
    body = {
        "name": "Schemathesis Conf",
        "starts_at": "2027-06-01T09:00:00Z",
        "ends_at": "2027-06-02T18:00:00Z",
    }
    return str(api("POST", "/events", json=body).json()["id"])


# The service runs with WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 (tests/faults/test_schemathesis.py);
# nothing listens on the discard port, so deliveries fail fast and are retried, harmlessly.
WEBHOOK_URL = "http://127.0.0.1:9/schemathesis-hooks"
WEBHOOK_EVENTS = ("job.succeeded", "job.failed", "job.cancelled")


def new_webhook() -> str:
    body = {"url": WEBHOOK_URL, "events": list(WEBHOOK_EVENTS)}
    return str(api("POST", "/webhooks", json=body).json()["id"])


def new_ticket(event_id: str) -> str:
    return str(api("POST", f"/events/{event_id}/tickets", json={"name": "Standard"}).json()["id"])


def new_template(tag: str) -> dict[str, Any]:
    svg = PLAIN_TEMPLATE.format(tag=tag).encode()
    files = {"file": ("badge.svg", svg, "image/svg+xml")}
    return dict(api("POST", "/badge-templates", files=files).json())


def new_font(path: Path) -> str:
    files = {"file": (path.name, path.read_bytes(), "font/ttf")}
    return str(api("POST", "/fonts", files=files).json()["id"])


# The second name is long enough to wrap: a flagged badge, so the job has a proof sheet.
JOB_ATTENDEES = [
    {"name": "Ada Lovelace"},
    {"name": "María Fernanda de los Ángeles Castellanos-Villanueva y Rodríguez-Santamaría"},
]


def new_job(*, wait: bool) -> dict[str, Any]:
    body = {"attendees": JOB_ATTENDEES, "options": {"template": "classic"}}
    job = dict(api("POST", "/badge-jobs", json=body).json())
    deadline = time.monotonic() + TIMEOUT
    while wait and job["status"] not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = dict(api("GET", f"/badge-jobs/{job['id']}").json())
    assert not wait or job["status"] == "succeeded", job
    return job


class World:
    """Resources made on first use for cases to name, and made again when a case deleted one (the
    stateful phase deletes what list operations show it)."""

    def __init__(self) -> None:
        self._made: dict[str, Any] = {}

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def _alive(self, name: str, make: Callable[[], Any], path: Callable[[Any], str]) -> Any:
        if name in self._made and exists(path(self._made[name])):
            return self._made[name]
        self._made[name] = make()
        return self._made[name]

    def event_id(self) -> str:
        return str(self._alive("event", new_event, lambda made: f"/events/{made}"))

    def ticket_id(self) -> str:
        event_id = self.event_id()
        return str(
            self._alive(
                "ticket", lambda: new_ticket(event_id), lambda made: f"/events/{event_id}/tickets/{made}"
            )
        )

    def template(self) -> dict[str, Any]:
        return dict(
            self._alive(
                "template", lambda: new_template("kept"), lambda made: f"/badge-templates/{made['id']}"
            )
        )

    def font_id(self) -> str:
        return str(self._alive("font", lambda: new_font(DEJAVU_SANS), lambda made: f"/fonts/{made}"))

    def webhook_id(self) -> str:
        return str(self._alive("webhook", new_webhook, lambda made: f"/webhooks/{made}"))

    def delivery_id(self, webhook_id: str) -> str:
        """A delivery of the webhook: a finished job's event (the webhook takes every event)."""
        items = api("GET", f"/webhooks/{webhook_id}/deliveries").json()["items"]
        if not items:
            new_job(wait=True)
            items = api("GET", f"/webhooks/{webhook_id}/deliveries").json()["items"]
        return str(items[0]["id"])

    def job(self) -> dict[str, Any]:
        return dict(self._alive("job", lambda: new_job(wait=True), lambda made: f"/badge-jobs/{made['id']}"))

    def background_png(self) -> bytes:
        def draw() -> bytes:
            import cairosvg

            svg = (
                b'<svg xmlns="http://www.w3.org/2000/svg" width="90" height="55">'
                b'<rect width="90" height="55" fill="#36c"/></svg>'
            )
            return bytes(cairosvg.svg2png(bytestring=svg))

        return bytes(self._once("png", draw))

    @staticmethod
    def event_ticket_ids(event_id: str) -> list[str] | None:
        """Every ticket of the event in its order; None when it is not one of the administrator's."""
        ids: list[str] = []
        url = f"/events/{event_id}/tickets?per_page=100"
        headers = {"Authorization": f"Bearer {FreshLogin.current()['access_token']}"}
        while url:
            response = requests.get(f"{BASE_URL}{url}", headers=headers, timeout=TIMEOUT)
            if response.status_code != 200:
                return None
            ids += [ticket["id"] for ticket in response.json()["items"]]
            following = response.links.get("next", {}).get("url", "")
            url = following.split("/api/v1", 1)[1] if following else ""
        return ids

    def signed_token(self, kind: str) -> str:
        """A verification token for an unverified account, or a reset token for another account's
        current password, made with the service's own code against its database and secret."""
        from api.app import create_app
        from api.auth.service import PASSWORD_RESET_PURPOSE
        from api.core.security import fingerprint, make_signed_token
        from api.extensions import db
        from api.users.models import User
        from api.users.service import EMAIL_VERIFY_PURPOSE

        app = self._once("app", create_app)
        email = self._once(kind, lambda: self._register(kind))
        with app.app_context():
            user = db.session.query(User).filter_by(email=email).one()
            if kind == "verify":
                return make_signed_token(EMAIL_VERIFY_PURPOSE, {"uid": str(user.id), "email": email})
            payload = {"uid": str(user.id), "pw": fingerprint(user.password_hash)}
            db.session.remove()
            return make_signed_token(PASSWORD_RESET_PURPOSE, payload)

    @staticmethod
    def _register(kind: str) -> str:
        email = f"{kind}-{uuid.uuid4().hex[:12]}@example.org"
        body = {"email": email, "name": f"Schemathesis {kind}", "password": "a-long-enough-password"}
        response = requests.post(f"{BASE_URL}/users", json=body, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return email


WORLD = World()


def _positive_at(case: Any, location: ParameterLocation) -> bool:
    meta = case.meta
    return (
        meta is not None
        and meta.generation.mode == GenerationMode.POSITIVE
        and not meta.is_negative_at(location)
    )


# ---- rules between fields ------------------------------------------------------------------


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _shifted(value: dt.datetime, by: dt.timedelta) -> str | None:
    try:
        moved = value + by
    except OverflowError:
        return None
    return moved.isoformat() if 1900 <= moved.astimezone(dt.UTC).year <= 9998 else None


def keep_window_order(body: dict[str, Any], first: str, last: str) -> None:
    """`last` after `first`: swap them, or move one by a day; in a partial edit that names only
    one (where the stored other would decide), add the other a day away."""
    start, end = _instant(body.get(first)), _instant(body.get(last))
    if start is not None and end is not None:
        if end < start:
            body[first], body[last] = body[last], body[first]
        elif end == start:
            later = _shifted(start, DAY)
            if later is not None:
                body[last] = later
            else:
                body[first] = _shifted(end, -DAY)
    elif start is not None and last not in body:
        later = _shifted(start, DAY)
        if later is not None:
            body[last] = later
        else:
            body[first], body[last] = _shifted(start, -DAY), body[first]
    elif end is not None and first not in body:
        earlier = _shifted(end, -DAY)
        if earlier is not None:
            body[first] = earlier
        else:
            body[first], body[last] = body[last], _shifted(end, DAY)


def _as_price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        return Decimal("12.50")
    if not price.is_finite():
        return Decimal("12.50")
    price = abs(price).quantize(Decimal("0.01")) if abs(price) < MAX_PRICE else MAX_PRICE
    return price


def keep_ticket_rules(ticket: dict[str, Any], *, partial: bool) -> None:
    keep_window_order(ticket, "sales_starts_at", "sales_ends_at")
    if "position" in ticket:
        ticket["position"] = 0  # 0..n: how many tickets the event has is stored state
    kind = ticket.get("type")
    if kind is None and partial and "price" not in ticket:
        return
    if "price" in ticket and kind is None and partial:
        ticket["type"] = kind = "donation"  # the stored type is unknown; a donation takes any price
    if kind == "free" or (kind is None and not partial):
        if "price" in ticket:
            ticket["price"] = 0 if isinstance(ticket["price"], int | float) else "0"
        return
    price = _as_price(ticket.get("price", "10"))
    if kind == "paid" and price == 0:
        price = Decimal("10.00")
    original = ticket.get("price")
    ticket["price"] = (
        float(price) if isinstance(original, int | float) and not isinstance(original, bool) else str(price)
    )


# ---- options and attendees ---------------------------------------------------------------


def fit_attendees(attendees: Any, *, drop_ticket: bool) -> list[dict[str, Any]]:
    """Flat records whose keys are distinct when trimmed and casefolded, each with a name."""
    fitted = []
    for record in attendees if isinstance(attendees, list) else []:
        row: dict[str, Any] = {}
        seen: set[str] = set()
        for key, value in (record if isinstance(record, dict) else {}).items():
            name = str(key).strip()
            folded = name.casefold()
            if not name or folded in seen or (drop_ticket and folded == "ticket"):
                continue
            seen.add(folded)
            if isinstance(value, dict | list):
                value = json.dumps(value)[:CELL_LIMIT]
            row[key if key == name else name] = value
        row = {key: value for key, value in row.items() if key.casefold() != "name"}
        row["name"] = "Ada Lovelace"
        fitted.append(row)
    return fitted or [{"name": "Ada Lovelace"}]


def fit_options(options: Any, *, can_have_background: bool) -> dict[str, Any]:
    if not isinstance(options, dict):
        return {"template": "classic"}
    fitted = dict(options)
    if fitted.get("template") not in (*BUILT_IN_TEMPLATES, WORLD.template()["id"]):
        fitted["template"] = "classic"
    fitted.pop("columns", None)  # template field -> column: both must exist
    styles = fitted.get("fields")
    if isinstance(styles, dict):
        first = next(iter(styles.values()), None)
        fitted["fields"] = {"name": {**first, "font": None}} if isinstance(first, dict) else {}
    if isinstance(fitted.get("qr"), dict):
        fitted["qr"] = {**fitted["qr"], "field": "name"}
    if fitted.get("event_id") is not None:
        fitted["event_id"] = WORLD.event_id()
    sort = fitted.get("sort")
    if isinstance(sort, str):
        fitted["sort"] = "name"
    elif isinstance(sort, list):
        fitted["sort"] = ["name"] if sort else []
    if isinstance(fitted.get("photo_column"), str):
        fitted["photo_column"] = "name"  # the column photos are matched by: one that exists
    if isinstance(fitted.get("file_name"), str):
        fitted["file_name"] = "name"  # the column each file of a ZIP is named by: one that exists
    if "sheet" in fitted:
        fitted["sheet"] = fit_sheet(fitted["sheet"])
    if not can_have_background:
        fitted.pop("background", None)
    return fit_sides(fitted)


def fit_sides(options: dict[str, Any]) -> dict[str, Any]:
    if options.get("sides") == "both":
        options["template"] = "classic"  # the stored upload is one-sided; the built-ins have a back
        if options.get("duplex") == "fold":
            options["sheet"] = "one-per-page"  # a folded A6 badge (105 x 296 mm) fits no grid on A4
    return options


def fit_sheet(sheet: Any) -> Any:
    if isinstance(sheet, str) and sheet.split("-", 1)[0] in ("avery", "herma"):
        return "one-per-page"  # a maker's label may be smaller than the template
    if isinstance(sheet, str) and sheet != "one-per-page" and not sheet.startswith("auto-"):
        # A preset's fixed grid may not take the template's size; `auto-<paper>` fits what fits.
        return f"auto-{sheet.split('-', 1)[0]}"
    if isinstance(sheet, dict):
        return {
            **sheet,
            # A built-in badge is A6 or so: one per page is what every paper takes.
            **{key: 1 for key in ("columns", "rows") if key in sheet},
            **{key: 5 for key in ("margin_mm", "gap_mm") if key in sheet},
        }
    return sheet


# ---- per operation ---------------------------------------------------------------------------


def fit_path(case: Any, *, query_positive: bool) -> None:
    params = case.path_parameters
    if params is None:
        return
    deleting = case.method.upper() == "DELETE"
    last = case.path.rstrip("/").rsplit("/", 1)[-1]
    if "event_id" in params:
        params["event_id"] = new_event() if deleting and last == "{event_id}" else WORLD.event_id()
    if "ticket_id" in params:
        params["ticket_id"] = new_ticket(WORLD.event_id()) if deleting else WORLD.ticket_id()
    if "template_id" in params:
        template = new_template(uuid.uuid4().hex) if deleting else WORLD.template()
        params["template_id"] = template["id"]
        if last == "preview" and query_positive:
            signature = template["preview_url"].split("sig=", 1)[1]
            case.query = {**(case.query or {}), "sig": signature}
    if "font_id" in params:
        params["font_id"] = new_font(DEJAVU_SERIF) if deleting else WORLD.font_id()
    if "job_id" in params:
        params["job_id"] = new_job(wait=False)["id"] if deleting else WORLD.job()["id"]
    if "token" in params:
        params["token"] = WORLD.job()["result"]["download_token"]
    if "webhook_id" in params:
        params["webhook_id"] = new_webhook() if deleting else WORLD.webhook_id()
    if "delivery_id" in params:
        params["delivery_id"] = WORLD.delivery_id(params["webhook_id"])


def fit_event(case: Any, body: dict[str, Any]) -> None:
    keep_window_order(body, "starts_at", "ends_at")


def fit_new_tickets(case: Any, body: Any) -> None:
    for ticket in body if isinstance(body, list) else [body]:
        if isinstance(ticket, dict):
            keep_ticket_rules(ticket, partial=False)


def fit_ticket_edit(case: Any, body: dict[str, Any]) -> None:
    keep_ticket_rules(body, partial=True)


def fit_ticket_order(case: Any, body: dict[str, Any]) -> None:
    ids = WORLD.event_ticket_ids(str((case.path_parameters or {}).get("event_id")))
    if ids is not None:
        body["ticket_ids"] = list(reversed(ids))


def fit_template_upload(case: Any, body: dict[str, Any]) -> None:
    # Each upload its own content: the same SVG twice is the same stored template.
    tag = hashlib.sha256(repr(body).encode()).hexdigest()
    body["file"] = PLAIN_TEMPLATE.format(tag=tag).encode()
    if "back" in body:
        # The back side: an SVG of the front's size.
        body["back"] = PLAIN_TEMPLATE.format(tag=f"back {tag}").encode()


def fit_font_upload(case: Any, body: dict[str, Any]) -> None:
    body["file"] = DEJAVU_SANS.read_bytes()


def fit_job(case: Any, body: dict[str, Any]) -> None:
    if case.media_type != "multipart/form-data":
        fit_json_badges(case, body)
        return
    body["attendees"] = ATTENDEES_CSV.encode()
    body["options"] = fit_options(body.get("options"), can_have_background="background" in body)
    if "background" in body:
        body["background"] = WORLD.background_png()
    if "photos" in body:
        body["photos"] = photos_zip()
        body["options"]["template"] = "photo"  # photos need a template with a data-photo box
        body["options"]["photo_column"] = "name"


def photos_zip() -> bytes:
    """A real ZIP with one PNG, named after the first attendee (photos match the `name` column
    when options name no other, without the extension and case)."""
    import io
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        # A fixed date: the same case must send the same bytes (its Idempotency-Key stands for them).
        member = zipfile.ZipInfo("Ada Lovelace.png", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(member, WORLD.background_png(), zipfile.ZIP_DEFLATED)
    return output.getvalue()


def fit_json_badges(case: Any, body: dict[str, Any]) -> None:
    body["options"] = fit_options(body.get("options"), can_have_background=False)
    if body.get("side") == "back":
        body["options"]["template"] = "classic"  # a preview of the back needs a template with one
    dropping = body["options"].get("event_id") is not None
    body["attendees"] = fit_attendees(body.get("attendees"), drop_ticket=dropping)
    if isinstance(body.get("row"), int):
        body["row"] = min(body["row"], len(body["attendees"]) - 1)


def fit_webhook(case: Any, body: dict[str, Any]) -> None:
    """A URL the service admits (a random one names a host to look up, or a private address), and
    events named once each, at least one on creation."""
    if "url" in body or case.method.upper() == "POST":
        body["url"] = WEBHOOK_URL
    if "events" in body or case.method.upper() == "POST":
        named = body.get("events") if isinstance(body.get("events"), list) else []
        events = [event for event in WEBHOOK_EVENTS if event in named]
        body["events"] = events or ["job.succeeded"]


BODY_FITTERS: dict[tuple[str, str], Callable[[Any, Any], None]] = {
    ("POST", "/events"): fit_event,
    ("PATCH", "/events/{event_id}"): fit_event,
    ("POST", "/events/{event_id}/tickets"): fit_new_tickets,
    ("PATCH", "/events/{event_id}/tickets/{ticket_id}"): fit_ticket_edit,
    ("PUT", "/events/{event_id}/tickets/order"): fit_ticket_order,
    ("POST", "/badge-templates"): fit_template_upload,
    ("POST", "/fonts"): fit_font_upload,
    ("POST", "/badge-jobs"): fit_job,
    ("POST", "/badge-previews"): fit_json_badges,
    ("POST", "/webhooks"): fit_webhook,
    ("PATCH", "/webhooks/{webhook_id}"): fit_webhook,
}


def fit_body(case: Any) -> None:
    fitter = BODY_FITTERS.get((case.method.upper(), case.path))
    # A body of another type than the schema's is a negative case's, left as it is.
    if fitter is not None and (
        isinstance(case.body, dict) or (isinstance(case.body, list) and fitter is fit_new_tickets)
    ):
        fitter(case, case.body)


def fit_case(case: Any) -> Any:
    # `case.meta` revalidates the case whenever a part changed since it was last read, and takes a
    # body holding file bytes for invalid: so every question is asked before anything changes.
    stateful = case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL
    path, query, header, body = (
        _positive_at(case, location)
        for location in (
            ParameterLocation.PATH,
            ParameterLocation.QUERY,
            ParameterLocation.HEADER,
            ParameterLocation.BODY,
        )
    )
    if path and not stateful:
        fit_path(case, query_positive=query)
    if body:
        fit_body(case)
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if header and case.path == "/badge-jobs" and isinstance(key, str):
        # One key, one content: the key stands for this body (the same body twice is a replay).
        headers["Idempotency-Key"] = hashlib.sha256(f"{key}{case.body!r}".encode()).hexdigest()
    # What was changed here is what the case is, as it is for schemathesis's own auth and
    # overrides: a positive case stays positive. (A private method, of the pinned 4.32.5.)
    case._record_starting_state()
    return case


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    return fit_case(case)


@schemathesis.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    # The examples phase runs no map_case hooks: its cases are fitted here.
    for case in examples:
        fit_case(case)


# Tokens that work once (a reset binds to the current password) are made as the case is sent, so
# that a case sent again (a check's replay, a shrinking step) carries a token that still works.
TOKEN_KINDS = {("POST", "/users/verify"): "verify", ("POST", "/auth/password-reset/confirm"): "reset"}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    meta = case._meta  # not `case.meta`: reading that would revalidate the case now
    if (
        meta is not None
        and meta.phase.name == TestPhase.STATEFUL
        and case.media_type == "multipart/form-data"
    ):
        # The stateful phase writes linked values (an event id into options) into a multipart
        # body after generation; schemathesis cannot validate a body holding file bytes, so that
        # edit alone would relabel a positive case negative. The body stays what it was made as.
        case._record_starting_state()
    operation = (case.method.upper(), case.path)
    if (
        operation in TOKEN_KINDS
        and _positive_at(case, ParameterLocation.BODY)
        and isinstance(case.body, dict)
    ):
        case.body["token"] = WORLD.signed_token(TOKEN_KINDS[operation])


if os.environ.get("BADGES_ST_DIAG"):

    @schemathesis.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        if case.meta and case.meta.generation.mode == GenerationMode.POSITIVE and response.status_code >= 400:
            with open(os.environ["BADGES_ST_DIAG"], "a") as out:
                out.write(f"{case.method} {case.path} {response.status_code} {response.text[:300]}\n")
                out.write(f"   body={str(case.body)[:300]} path={case.path_parameters}\n")
