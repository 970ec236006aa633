"""The fonts installed on this machine, as fontconfig (and so Pango and cairo) sees them.

Read once per process with `fc-list`: the system fonts come from Debian packages and do not change
while the service runs. Uploaded fonts never appear here: they are registered inside the rendering
process only, under internal family names (see `api.fonts.validation.upload_family`).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

log = logging.getLogger(__name__)

# Family names given to uploads; never a system family, whatever fc-list reports.
INTERNAL_FAMILY_PREFIX = "BadgesUpload-"

_FIELDS = ("family", "style", "weight", "slant", "width", "index", "variable", "file")
# The file goes last: a path is the only field that might contain the separator.
_FORMAT = "|".join(f"%{{{name}}}" for name in _FIELDS) + "\n"
_FC_LIST_TIMEOUT = 60

# fontconfig's weight scale against OpenType's (FcWeightToOpenType): Pango converts with this
# table, so a face's weight here is the one a Pango font description must ask for.
_FC_TO_OPENTYPE = (
    (0, 100),
    (40, 200),
    (50, 300),
    (55, 350),
    (75, 380),
    (80, 400),
    (100, 500),
    (180, 600),
    (200, 700),
    (205, 800),
    (210, 900),
    (215, 1000),
)


@dataclass(frozen=True)
class InstalledFace:
    """One face fc-list reports: a file, or one face of a collection."""

    families: tuple[str, ...]  # the first is the name most programs show
    style: str
    weight: int  # OpenType scale, 100..1000
    italic: bool  # italic or oblique
    width: int  # fontconfig scale: 100 is normal, 87 semi-condensed, 75 condensed
    index: int  # face number inside a collection (.ttc), 0 for a single font
    file: str


def opentype_weight(fc_weight: float) -> int:
    """fontconfig's weight (80 regular, 200 bold) on the OpenType scale (400, 700)."""
    if fc_weight <= _FC_TO_OPENTYPE[0][0]:
        return _FC_TO_OPENTYPE[0][1]
    for (fc_low, ot_low), (fc_high, ot_high) in pairwise(_FC_TO_OPENTYPE):
        if fc_weight <= fc_high:
            return round(ot_low + (fc_weight - fc_low) * (ot_high - ot_low) / (fc_high - fc_low))
    return _FC_TO_OPENTYPE[-1][1]


def _run_fc_list() -> str:
    executable = shutil.which("fc-list")
    if executable is None:
        log.warning("fc-list not found: no system fonts are known (install fontconfig)")
        return ""
    # Fixed arguments, no shell: nothing from a request reaches this command line.
    result = subprocess.run(  # noqa: S603
        [executable, "--format", _FORMAT],
        capture_output=True,
        encoding="utf-8",  # fontconfig writes UTF-8 whatever the locale
        errors="replace",
        check=True,
        timeout=_FC_LIST_TIMEOUT,
    )
    return result.stdout


def _parse(line: str) -> InstalledFace | None:
    parts = line.split("|", len(_FIELDS) - 1)
    if len(parts) != len(_FIELDS):
        return None
    values = dict(zip(_FIELDS, parts, strict=True))
    if values["variable"] == "True":
        # The variable face itself (weight is a range); its named instances come as faces of
        # their own. None is installed by the Debian packages this service uses.
        return None
    try:
        weight = opentype_weight(float(values["weight"]))
        slant = int(values["slant"])
        width = int(values["width"] or 100)
        index = int(values["index"] or 0)
    except ValueError:
        return None
    families = tuple(name.strip() for name in values["family"].split(",") if name.strip())
    if not families or not values["file"]:
        return None
    return InstalledFace(
        families=families,
        style=values["style"].split(",")[0].strip(),
        weight=weight,
        italic=slant > 0,
        width=width,
        index=index,
        file=values["file"],
    )


@cache
def installed_faces() -> tuple[InstalledFace, ...]:
    """Every face fontconfig knows, each file and collection index once, in a stable order."""
    faces: dict[tuple[str, int], InstalledFace] = {}
    for line in _run_fc_list().splitlines():
        face = _parse(line)
        if face is not None:
            faces.setdefault((face.file, face.index), face)
    return tuple(sorted(faces.values(), key=lambda face: (face.file, face.index)))


@cache
def system_families() -> frozenset[str]:
    """Every installed family name, case-folded (all names a face has, in every language)."""
    return frozenset(
        family.casefold()
        for face in installed_faces()
        for family in face.families
        if not family.startswith(INTERNAL_FAMILY_PREFIX)
    )


def shadows_system_family(family: str) -> bool:
    """Whether `family` copies the name of an installed family (case-insensitive).

    An upload named "DejaVu Sans" is still stored under its own internal family name, so it can
    never replace the system font in a badge; callers may want to tell the user all the same.
    """
    return " ".join(family.split()).casefold() in system_families()


def is_installed_file(family: str, sha256: str) -> bool:
    """Whether `sha256` is the digest of an installed file of `family` (that very font, unchanged)."""
    wanted = " ".join(family.split()).casefold()
    files = {face.file for face in installed_faces() if wanted in (name.casefold() for name in face.families)}
    return any(_file_sha256(path) == sha256 for path in files)


@cache
def _file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
