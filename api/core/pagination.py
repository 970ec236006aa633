"""List responses: `{items, total, page, per_page}` plus an RFC 8288 Link header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.errors import ValidationError
from api.links import absolute_path_url


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# Far past any real list, and small enough that OFFSET never overflows a 64-bit integer.
MAX_PAGE = 1_000_000


def query_int(name: str, default: int, maximum: int, *, minimum: int = 1) -> int:
    """A whole number from the query string, `minimum` to `maximum`; anything else is a 422."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # isdigit() alone accepts "²" and other Unicode digits that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) < minimum:
        raise ValidationError({name: [f"Must be a whole number of at least {minimum}."]})
    if int(raw) > maximum:
        raise ValidationError({name: [f"Must be at most {maximum}."]})
    return int(raw)


def page_request() -> PageRequest:
    """Read `page` and `per_page` from the query string; per_page above the cap is a 422."""
    per_page = query_int(
        "per_page", current_app.config["PER_PAGE_DEFAULT"], current_app.config["PER_PAGE_MAX"]
    )
    return PageRequest(page=query_int("page", 1, MAX_PAGE), per_page=per_page)


def paginate(session: Session, query: Select[Any], page: PageRequest) -> tuple[list[Any], int]:
    """One page of `query` (a select of one entity) and how many rows it has in all.

    One statement: every row carries the total as a window count, which SQL computes before
    LIMIT and OFFSET. Only a page past the end, with no row to carry it, counts separately.
    """
    total_column = func.count().over().label("total")
    rows = session.execute(query.add_columns(total_column).limit(page.per_page).offset(page.offset)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0].total)
    if page.offset == 0:
        return [], 0
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return [], total


def link_header(page: PageRequest, total: int) -> str:
    last = max(1, -(-total // page.per_page))
    links = {"first": 1, "last": last}
    if page.page > 1:
        links["prev"] = min(page.page - 1, last)
    if page.page < last:
        links["next"] = page.page + 1
    # Other query arguments (filters) come first and keep their order; paging comes last.
    args = {k: v for k, v in request.args.items() if k not in {"page", "per_page"}}
    base = absolute_path_url(request.path)
    parts = []
    for rel, number in links.items():
        query = urlencode({**args, "page": number, "per_page": page.per_page})
        parts.append(f'<{base}?{query}>; rel="{rel}"')
    return ", ".join(parts)


def page_body(items: list[dict[str, Any]], total: int, page: PageRequest) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page.page, "per_page": page.per_page}
