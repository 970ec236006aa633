"""A job's proof report: which badges need a look before printing. No HTTP here.

The worker stores the report (every badge with a finding, see api.render.findings) as JSON beside
the PDF, the proof sheet of the flagged badges as a second PDF, and the counts on the job's row,
so a job's answer shows them without reading a file. The API reads the report page by page.
Both files live in the job's folder and go with it (cancel, retention).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.badges.models import BadgeJob
from api.badges.service import DownloadFile, owned_job, proof_download, proof_key, report_key
from api.core.pagination import PageRequest
from api.core.storage import LocalStorage, StorageError, storage
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
}


# Writing (the worker) ----------------------------------------------------------------------------


def store_report(store: LocalStorage, job_id: uuid.UUID, summary: RenderSummary, proof: Path) -> None:
    """The report beside the PDF, and the proof sheet when a badge was flagged."""
    document = {
        "badges": summary.badges,
        "flagged": summary.flagged,
        "counts": summary.counts,
        "job_findings": [finding.as_dict() for finding in summary.job_findings],
        "omitted": summary.findings_omitted,
        "items": [badge.as_dict() for badge in summary.findings],
    }
    store.put_bytes(report_key(job_id), json.dumps(document, ensure_ascii=False).encode())
    if summary.proof_pages and proof.exists():
        store.put_file(proof_key(job_id), proof)


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
    try:
        document = json.loads(storage().read_bytes(report_key(job.id)))
        summary = {name: document[name] for name in ("badges", "flagged", "counts", "job_findings")}
        summary["omitted"] = document.get("omitted", 0)
        badges = [item for item in document["items"] if _matches(item, levels, kinds)]
    except (StorageError, ValueError, KeyError, TypeError):
        # A report that cannot be read is as good as deleted: the job itself still has its counts.
        raise _files_gone() from None
    return summary, badges[page.offset : page.offset + page.per_page], len(badges)


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
    if job.status in ("queued", "running"):
        raise ConflictError(
            f"The job is {job.status}; its report is made when it succeeds. Poll the job.",
            code="job_not_finished",
        )
    if job.status != "succeeded":
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
