"""A job's proof report: which badges need a look before printing. No HTTP here.

The worker stores the report (every badge with a finding, see api.render.findings) beside the PDF,
the proof sheet of the flagged badges as a second PDF, and the counts on the job's row, so a job's
answer shows them without reading a file. The files live in the job's folder and go with it
(cancel, retention).

The report is two files, written as the badges are read from the render's summary (nothing is
held per badge) and read a page at a time (a 100,000-badge report is about 25 MB; a page reads
a few KB of it):
- `report.jsonl`: the summary as one line of JSON, then one line per badge with findings, in
  print order;
- `report.index`: a little-endian header (format, badges in the report), then per badge the
  offset of its line (8 bytes), then per badge the kinds of its findings as bits of KINDS (2
  bytes), then the end offset. A page of the whole report reads two offsets and one byte range; a
  filtered page scans the kinds (2 bytes a badge) and reads each of its badges' lines.
Jobs made before this layout have a single `report.json`, read whole.
"""

from __future__ import annotations

import json
import struct
import sys
import uuid
from array import array
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from api.badges.downloads import DownloadFile, proof_download
from api.badges.models import UNFINISHED_STATUSES, BadgeJob, JobStatus
from api.badges.service import (
    owned_job,
    proof_key,
    report_index_key,
    report_key,
    report_lines_key,
)
from api.core.pagination import PageRequest
from api.core.storage import Storage, StorageError, storage
from api.errors import ConflictError, GoneError, NotFoundError, ValidationError
from api.render.findings import FLAGGED_LEVELS, KIND_LEVELS, KINDS, BadgeFindings, Finding
from api.render.tasks import RenderSummary
from api.users.models import User

LEVELS = ("info", "warning", "error")
LOGGED_BADGES = 5  # flagged badges the build log names; the report has them all
# A preview's findings travel in a response header; proxies refuse long header sections (nginx
# buffers 4 KB by default), so this one stays well under that.
FINDINGS_HEADER_MAX = 2048

# How the build log counts each kind: (one, several).
KIND_PHRASES = {
    "shrunk": ("text shrunk to fit", "texts shrunk to fit"),
    "wrapped": ("text wrapped", "texts wrapped"),
    "ellipsized": ("text cut short with an ellipsis", "texts cut short with an ellipsis"),
    "missing_glyphs": ("text with characters no font has", "texts with characters no font has"),
    "fallback_font": ("text partly in a fallback font", "texts partly in a fallback font"),
    "qr_too_dense": ("QR code too dense to scan", "QR codes too dense to scan"),
    "image_missing": ("image missing", "images missing"),
    "image_upscaled": ("image upscaled past print resolution", "images upscaled past print resolution"),
    "photo_missing": ("photo missing (placeholder printed)", "photos missing (placeholder printed)"),
    "photos_unused": ("photo list with unused photos", "photo lists with unused photos"),
}


# Writing (the worker) ----------------------------------------------------------------------------


INDEX_FORMAT = 1
_INDEX_HEADER = struct.Struct("<II")  # format, badges in the report
_KIND_BITS = {kind: 1 << position for position, kind in enumerate(KINDS)}
assert len(KINDS) <= 16, "the index keeps a badge's kinds in 2 bytes"


def store_report(
    store: Storage, job_id: uuid.UUID, summary: RenderSummary, proof: Path, scratch: Path
) -> None:
    """The report beside the PDF, and the proof sheet when a badge was flagged. `scratch` is a
    path prefix for the files while they are written (in storage's scratch folder)."""
    lines, index = scratch.with_name(scratch.name + ".jsonl"), scratch.with_name(scratch.name + ".index")
    try:
        write_report(summary, lines, index)
        store.put_file(report_lines_key(job_id), lines)
        store.put_file(report_index_key(job_id), index)
    finally:
        lines.unlink(missing_ok=True)
        index.unlink(missing_ok=True)
    if summary.proof_pages and proof.exists():
        store.put_file(proof_key(job_id), proof)


def write_report(summary: RenderSummary, lines_path: Path, index_path: Path) -> None:
    """Write the report's two files (see the module's docstring), one badge at a time."""
    badges = summary.findings
    head = {
        "badges": summary.badges,
        "flagged": summary.flagged,
        "counts": summary.counts,
        "job_findings": [finding.as_dict() for finding in summary.job_findings],
        "omitted": summary.findings_omitted,
        "items": len(badges),
    }
    offsets, kinds = array("Q"), array("H")
    with lines_path.open("wb") as output:
        output.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
        for badge in badges:
            offsets.append(output.tell())
            mask = 0
            for finding in badge.findings:
                mask |= _KIND_BITS[finding.kind]
            kinds.append(mask)
            output.write(json.dumps(badge.as_dict(), ensure_ascii=False).encode() + b"\n")
        offsets.append(output.tell())
    if sys.byteorder == "big":  # pragma: no cover
        offsets.byteswap()
        kinds.byteswap()
    with index_path.open("wb") as output:
        output.write(_INDEX_HEADER.pack(INDEX_FORMAT, len(badges)))
        offsets[:-1].tofile(output)
        kinds.tofile(output)
        offsets[-1:].tofile(output)


def summary_lines(summary: RenderSummary) -> list[tuple[str, str]]:
    """The findings as build log lines (type, message): the counts, then the first flagged badges."""
    # A job-wide finding's message names what it is about ("the background image ...").
    lines = [(_log_type(finding.level), _sentence(finding.message)) for finding in summary.job_findings]
    flagged_kinds = {kind: n for kind, n in summary.counts.items() if n and KIND_LEVELS.get(kind) != "info"}
    info_kinds = {kind: n for kind, n in summary.counts.items() if n and KIND_LEVELS.get(kind) == "info"}
    if not summary.flagged:
        also = f" ({_counted(info_kinds)})" if info_kinds else ""
        return [*lines, ("INFO", f"Findings: no badge needs a look{also}.")]
    badges = "badge needs" if summary.flagged == 1 else "badges need"
    message = f"Findings: {summary.flagged:,} {badges} a look: {_counted(flagged_kinds)}"
    if info_kinds:
        message += f"; also {_counted(info_kinds)}"
    lines.append(("WARNING", f"{message}. See the report and the proof sheet."))
    shown = [badge for badge in summary.findings if badge.flagged][:LOGGED_BADGES]
    lines += [("WARNING", _badge_line(badge)) for badge in shown]
    more = summary.flagged - len(shown)
    if more > 0:
        lines.append(("WARNING", f"... and {more:,} more in the report."))
    return lines


def _counted(counts: dict[str, int]) -> str:
    parts = []
    for kind, number in counts.items():
        one, several = KIND_PHRASES.get(kind, (kind, kind))
        parts.append(f"{number:,} {one if number == 1 else several}")
    return ", ".join(parts)


def _badge_line(badge: BadgeFindings) -> str:
    flagged = [finding for finding in badge.findings if finding.level in FLAGGED_LEVELS]
    what = "; ".join(_finding_text(finding) for finding in flagged)
    return f"Row {badge.row} (page {badge.page}, slot {badge.slot}): {what}."


def _finding_text(finding: Finding) -> str:
    return f"{finding.field}: {finding.message}" if finding.field else finding.message


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _log_type(level: str) -> str:
    return "WARNING" if level in FLAGGED_LEVELS else "INFO"


def findings_header(badge: BadgeFindings) -> str:
    """A previewed badge's findings as compact ASCII JSON for a header, at most FINDINGS_HEADER_MAX
    characters: past it the last findings are left out and `truncated` says so."""
    findings = [finding.as_dict() for finding in badge.findings]
    while True:
        value: dict[str, Any] = {"row": badge.row, "flagged": badge.flagged, "findings": findings}
        if len(findings) < len(badge.findings):
            value["truncated"] = True
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
        if len(text) <= FINDINGS_HEADER_MAX or not findings:
            return text
        findings = findings[:-1]


# Reading (the API) -------------------------------------------------------------------------------


def job_report(
    session: Session,
    *,
    actor: User,
    job_id: uuid.UUID,
    page: PageRequest,
    levels: list[str],
    kinds: list[str],
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The report's summary, one page of its badges (those with a finding of a `levels` level
    and a `kinds` kind, when given), and how many badges match."""
    _check_choices("level", levels, LEVELS)
    _check_choices("kind", kinds, KINDS)
    job = _reported_job(session, actor=actor, job_id=job_id)
    store = storage()
    try:
        if not store.exists(report_index_key(job.id)) and store.exists(report_key(job.id)):
            return _whole_report(store, job.id, page, levels, kinds)
        with store.open(report_lines_key(job.id)) as lines, store.open(report_index_key(job.id)) as index:
            return _report_page(lines, index, page, _wanted_kinds(levels, kinds))
    except (StorageError, ValueError, KeyError, TypeError, struct.error):
        # A report that cannot be read is as good as deleted: the job itself still has its counts.
        raise _files_gone() from None


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    summary = {name: document[name] for name in ("badges", "flagged", "counts", "job_findings")}
    summary["omitted"] = document.get("omitted", 0)
    return summary


def _wanted_kinds(levels: list[str], kinds: list[str]) -> int | None:
    """The kinds a badge must have one of to match, as bits; None when every badge matches.

    A finding's level follows from its kind, so "a finding of a chosen level and a chosen kind"
    is "a finding of one of these kinds".
    """
    if not levels and not kinds:
        return None
    bits = 0
    for kind, level in KIND_LEVELS.items():
        if (not levels or level in levels) and (not kinds or kind in kinds):
            bits |= _KIND_BITS[kind]
    return bits


def _report_page(
    lines: IO[bytes], index: IO[bytes], page: PageRequest, wanted: int | None
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    summary = _summary(json.loads(lines.readline()))
    version, count = _INDEX_HEADER.unpack(index.read(_INDEX_HEADER.size))
    if version != INDEX_FORMAT:
        raise ValueError(f"report index format {version}")
    offsets_at, kinds_at = _INDEX_HEADER.size, _INDEX_HEADER.size + 8 * count
    if wanted is None:
        total = count
        first, last = min(page.offset, count), min(page.offset + page.per_page, count)
        positions = list(range(first, last))
    else:
        index.seek(kinds_at)
        masks = _read_array("H", index, count)
        matching = [position for position, mask in enumerate(masks) if mask & wanted]
        total = len(matching)
        positions = matching[page.offset : page.offset + page.per_page]
    items: list[dict[str, Any]] = []
    for start, end in _line_spans(index, offsets_at, kinds_at + 2 * count, count, positions):
        lines.seek(start)
        items.extend(json.loads(line) for line in lines.read(end - start).splitlines())
    return summary, items, total


def _line_spans(
    index: IO[bytes], offsets_at: int, end_at: int, count: int, positions: list[int]
) -> list[tuple[int, int]]:
    """Byte ranges of report.jsonl holding the badges at `positions` (ascending), one range per
    run of consecutive badges: an unfiltered page is one read."""
    spans: list[tuple[int, int]] = []
    run_start = previous = None
    for position in [*positions, None]:
        if position is not None and previous is not None and position == previous + 1:
            previous = position
            continue
        if run_start is not None and previous is not None:
            spans.append(
                (
                    _offset(index, offsets_at, end_at, count, run_start),
                    _offset(index, offsets_at, end_at, count, previous + 1),
                )
            )
        run_start = previous = position
    return spans


def _offset(index: IO[bytes], offsets_at: int, end_at: int, count: int, position: int) -> int:
    """Where badge `position`'s line starts in report.jsonl; `count` gives the end of the last."""
    index.seek(end_at if position == count else offsets_at + 8 * position)
    (offset,) = struct.unpack("<Q", index.read(8))
    return int(offset)


def _read_array(code: str, source: IO[bytes], count: int) -> array[int]:
    values = array(code)
    values.frombytes(source.read(values.itemsize * count))
    if len(values) != count:
        raise ValueError("report index cut short")
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return values


def _whole_report(
    store: Storage, job_id: uuid.UUID, page: PageRequest, levels: list[str], kinds: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """A report of a job made before report.jsonl: one JSON document, read whole."""
    document = json.loads(store.read_bytes(report_key(job_id)))
    badges = [item for item in document["items"] if _matches(item, levels, kinds)]
    return _summary(document), badges[page.offset : page.offset + page.per_page], len(badges)


def proof_file(session: Session, *, actor: User, job_id: uuid.UUID) -> DownloadFile:
    """The job's proof sheet; a 404 `no_flagged_badges` when no badge needed a look."""
    job = _reported_job(session, actor=actor, job_id=job_id)
    found = proof_download(job)
    if found is None:
        raise NotFoundError(
            "No badge of this job needs a look, so it has no proof sheet.", code="no_flagged_badges"
        )
    if not storage().exists(found.key):
        raise _files_gone()
    return found


def _reported_job(session: Session, *, actor: User, job_id: uuid.UUID) -> BadgeJob:
    """The actor's job, if it has a report to read: 409 before it succeeded, 410 once deleted."""
    job = owned_job(session, actor=actor, job_id=job_id)
    if job.status in UNFINISHED_STATUSES:
        raise ConflictError(
            f"The job is {job.status}; its report is made when it succeeds. Poll the job.",
            code="job_not_finished",
        )
    if job.status != JobStatus.SUCCEEDED:
        raise ConflictError(
            f"The job {job.status}, so it has no report; only a job that succeeded has one.",
            code="job_not_succeeded",
        )
    if job.file_deleted_at is not None:
        raise _files_gone()
    if job.finding_counts is None:
        raise NotFoundError(
            "This job was made before proof reports existed; generate the badges again for one.",
            code="report_not_found",
        )
    return job


def _files_gone() -> GoneError:
    return GoneError("The job's files were deleted; generate the badges again.", code="file_deleted")


def _check_choices(name: str, chosen: list[str], allowed: tuple[str, ...]) -> None:
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise ValidationError({name: [f"Unknown: {', '.join(unknown)}. Choose from {', '.join(allowed)}."]})


def _matches(item: dict[str, Any], levels: list[str], kinds: list[str]) -> bool:
    """A badge matches when one of its findings has a chosen level and a chosen kind."""
    return any(
        (not levels or finding["level"] in levels) and (not kinds or finding["kind"] in kinds)
        for finding in item["findings"]
    )
