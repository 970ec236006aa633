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

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

Level = Literal["info", "warning", "error"]

KIND_LEVELS: dict[str, Level] = {
    "shrunk": "info",
    "fallback_font": "info",
    "wrapped": "warning",
    "image_missing": "warning",
    "image_upscaled": "warning",
    "photo_missing": "warning",
    "photos_unused": "info",
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


# Details kept per job, for flagged and for info-only badges each: every badge is counted, and
# details are kept for as many badges as a job may have (BADGE_JOB_MAX_ROWS is at most 100,000),
# compactly (about 30 bytes a badge, see FindingsTally), so a report omits nothing within limits.
MAX_DETAILED = 100_000

# What the tally keeps per badge, in one flat array of 32-bit numbers: the row, the page, the slot,
# how many findings, then each finding's number in the tally's list of distinct findings.
_HEAD = 4


class BadgeList(Sequence[BadgeFindings]):
    """The badges a tally kept, in print order, as a read-only sequence of BadgeFindings made on
    demand from the compact arrays; it pickles as those arrays (a job's summary crosses a pipe)."""

    __slots__ = ("_findings", "_records", "_starts")

    def __init__(self, findings: list[Finding], records: array[int], starts: array[int]) -> None:
        self._findings = findings  # distinct findings, each once
        self._records = records  # per badge: row, page, slot, n, then n finding numbers
        self._starts = starts  # where each badge's record starts in `_records`

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> BadgeFindings: ...

    @overload
    def __getitem__(self, index: slice) -> list[BadgeFindings]: ...

    def __getitem__(self, index: int | slice) -> BadgeFindings | list[BadgeFindings]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        start = self._starts[index]
        records = self._records
        row, page, slot, count = records[start : start + _HEAD]
        first = start + _HEAD
        found = tuple(self._findings[number] for number in records[first : first + count])
        return BadgeFindings(row, page, slot, found)

    def __iter__(self) -> Iterator[BadgeFindings]:
        for index in range(len(self._starts)):
            yield self[index]

    def kinds(self, index: int) -> frozenset[str]:
        """The kinds of findings the badge at `index` has, without making its BadgeFindings."""
        start = self._starts[index]
        first = start + _HEAD
        numbers = self._records[first : first + self._records[start + 3]]
        return frozenset(self._findings[number].kind for number in numbers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # a view of a tally that still grows

    def __repr__(self) -> str:
        return f"<BadgeList of {len(self)} badges>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (BadgeList, (self._findings, self._records, self._starts))


@dataclass
class FindingsTally:
    """Findings of a job as its badges are rendered: counts over all, details up to a cap.

    Flagged badges have their own cap, so info-only badges (names shrunk a little) cannot crowd
    out the badges the proof sheet is for. Details are kept compact, not as objects: each distinct
    finding once (badges share them: "shrunk to 14.5 pt" is one finding on many badges), and per
    badge its row, page, slot and finding numbers in a flat array of 32-bit numbers. `badges`
    gives them back as BadgeFindings, in print order.
    """

    max_detailed: int = MAX_DETAILED
    counts: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    omitted: int = 0  # badges with findings whose details were not kept
    _kept_info: int = 0
    _findings: list[Finding] = field(default_factory=list)
    _numbers: dict[Finding, int] = field(default_factory=dict)
    _records: array[int] = field(default_factory=lambda: array("i"))
    _starts: array[int] = field(default_factory=lambda: array("I"))

    def __post_init__(self) -> None:
        self._view = BadgeList(self._findings, self._records, self._starts)

    @property
    def badges(self) -> BadgeList:
        """The kept badges, in print order (a view: it grows as the tally does)."""
        return self._view

    def add(self, badge: BadgeFindings) -> None:
        self.counts.update(finding.kind for finding in badge.findings)
        if badge.flagged:
            self.flagged += 1
            keep = self.flagged <= self.max_detailed
        else:
            self._kept_info += 1
            keep = self._kept_info <= self.max_detailed
        if not keep:
            self.omitted += 1
            return
        self._starts.append(len(self._records))
        self._records.extend((badge.row, badge.page, badge.slot, len(badge.findings)))
        self._records.extend(self._number(finding) for finding in badge.findings)

    def absorb(self, other: FindingsTally) -> None:
        """Add the badges of `other` (the tally of the pages after this one's) after this one's."""
        kept_counts: Counter[str] = Counter()
        kept_flagged = 0
        for badge in other.badges:
            self.add(badge)
            kept_counts.update(finding.kind for finding in badge.findings)
            kept_flagged += badge.flagged
        # What `other` counted without keeping the details, counted here the same way.
        self.counts.update(other.counts - kept_counts)
        self.flagged += other.flagged - kept_flagged
        self.omitted += other.omitted

    def _number(self, finding: Finding) -> int:
        number = self._numbers.get(finding)
        if number is None:
            number = self._numbers[finding] = len(self._findings)
            self._findings.append(finding)
        return number

    def count_by_kind(self) -> dict[str, int]:
        return {kind: self.counts.get(kind, 0) for kind in KINDS}
