"""The proof report: what happened to each attendee's badge that an organiser may want to check.

A finding is one thing about one field of one badge (a name shrunk to 14 pt, wrapped to two
lines, shortened with an ellipsis, drawn partly from a fallback font, missing characters) or about
the badge as a whole (a QR code too dense to scan at its printed size, an image missing or
upscaled). Badges are identified as the organiser knows them: the row number in their spreadsheet
(or the attendee's position in a JSON list), with the page and slot where the badge was printed.

Levels say what to do: "info" needs no look (a name shrunk a little), "warning" deserves a look
before printing (a name wrapped: is the break where it should be?), "error" means the badge is not
as the organiser meant it (a name shortened, characters missing). Flagged badges (warning or error)
go on the proof sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["info", "warning", "error"]

KIND_LEVELS: dict[str, Level] = {
    "shrunk": "info",
    "fallback_font": "info",
    "wrapped": "warning",
    "image_missing": "warning",
    "image_upscaled": "warning",
    "ellipsized": "error",
    "missing_glyphs": "error",
    "qr_too_dense": "error",
}
KINDS = tuple(KIND_LEVELS)
FLAGGED_LEVELS = frozenset({"warning", "error"})


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # one of KINDS
    message: str  # a sentence an organiser reads: "shrunk to 14.5 pt to fit"
    field: str | None = None  # the template field; None for the badge as a whole
    size_pt: float | None = None  # the size the text was drawn at, in points
    lines: int | None = None  # the lines the text was wrapped to
    characters: str | None = None  # the characters concerned, for fallback_font and missing_glyphs
    font: str | None = None  # the font they were drawn from, for fallback_font

    @property
    def level(self) -> Level:
        return KIND_LEVELS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "level": self.level, "field": self.field}
        data["message"] = self.message
        for name in ("size_pt", "lines", "characters", "font"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True, slots=True)
class BadgeFindings:
    """Every finding of one badge, and where the badge is: in the list and in the PDF."""

    row: int  # the attendee's row as the organiser numbers it (spreadsheet row, or JSON position)
    page: int  # 1-based page of the PDF the badge is on
    slot: int  # 1-based slot on that page, row by row
    findings: tuple[Finding, ...]

    @property
    def flagged(self) -> bool:
        return any(finding.level in FLAGGED_LEVELS for finding in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "page": self.page,
            "slot": self.slot,
            "findings": [finding.as_dict() for finding in self.findings],
        }


def count_by_kind(badges: Iterable[BadgeFindings]) -> dict[str, int]:
    """How many findings of each kind, every kind present (zero when none)."""
    counts = Counter(finding.kind for badge in badges for finding in badge.findings)
    return {kind: counts.get(kind, 0) for kind in KINDS}


# Details kept per job, for flagged and for info-only badges each: every badge is counted, but a
# 100,000-badge job with a finding on every badge would otherwise hold them all until it ends.
MAX_DETAILED = 10_000


@dataclass
class FindingsTally:
    """Findings of a job as its badges are rendered: counts over all, details up to a cap.

    Flagged badges have their own cap, so info-only badges (names shrunk a little) cannot crowd
    out the badges the proof sheet is for.
    """

    max_detailed: int = MAX_DETAILED
    badges: list[BadgeFindings] = field(default_factory=list)  # kept details, in print order
    counts: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    omitted: int = 0  # badges with findings whose details were not kept
    _kept_info: int = 0

    def add(self, badge: BadgeFindings) -> None:
        self.counts.update(finding.kind for finding in badge.findings)
        if badge.flagged:
            self.flagged += 1
            keep = self.flagged <= self.max_detailed
        else:
            self._kept_info += 1
            keep = self._kept_info <= self.max_detailed
        if keep:
            self.badges.append(badge)
        else:
            self.omitted += 1

    def count_by_kind(self) -> dict[str, int]:
        return {kind: self.counts.get(kind, 0) for kind in KINDS}
