"""List responses: `{items, total, page, per_page}` plus an RFC 8288 Link header.

Page maths and the header from plain values only; reading `page` and `per_page` from a request is
api.http's job (`page_request`, `link_header`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# Far past any real list, and small enough that OFFSET never overflows a 64-bit integer.
MAX_PAGE = 1_000_000


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


def page_links(page: PageRequest, total: int, *, base_url: str, args: Mapping[str, str]) -> str:
    """The RFC 8288 Link header of a page: first, last and, where they exist, prev and next.

    `args` are the list's other query arguments (filters); they come first and keep their order,
    paging comes last.
    """
    last = max(1, -(-total // page.per_page))
    links = {"first": 1, "last": last}
    if page.page > 1:
        links["prev"] = min(page.page - 1, last)
    if page.page < last:
        links["next"] = page.page + 1
    kept = {k: v for k, v in args.items() if k not in {"page", "per_page"}}
    parts = []
    for rel, number in links.items():
        query = urlencode({**kept, "page": number, "per_page": page.per_page})
        parts.append(f'<{base_url}?{query}>; rel="{rel}"')
    return ", ".join(parts)


def page_body(items: list[dict[str, Any]], total: int, page: PageRequest) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page.page, "per_page": page.per_page}
