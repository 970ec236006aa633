"""Make uploaded fonts visible to Pango in this process, before first use.

fontconfig keeps an application font set beside the system fonts: FcConfigAppFontAddFile adds a
file to it for this process only. Pango's font map caches what fontconfig listed when it was made,
so after adding, the default PangoCairo font map is dropped and the next layout makes a new one.
Uploaded fonts carry a family name unique to the upload (api.fonts.inspect.upload_family), so
adding one can never change how any other text is drawn.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Mapping
from pathlib import Path

import pangocairocffi

_lock = threading.Lock()
_registered: set[str] = set()


def _fontconfig() -> ctypes.CDLL:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    library = ctypes.CDLL(name)
    library.FcConfigGetCurrent.restype = ctypes.c_void_p
    library.FcConfigAppFontAddFile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    library.FcConfigAppFontAddFile.restype = ctypes.c_int
    return library


def register_fonts(fonts: Mapping[str, bytes], folder: str | Path) -> None:
    """Write each font (internal family -> TrueType/OpenType bytes) to `folder` and add it to
    fontconfig for this process; families added before are skipped."""
    with _lock:
        new = {family: data for family, data in fonts.items() if family not in _registered}
        if not new:
            return
        library = _fontconfig()
        config = library.FcConfigGetCurrent()
        directory = Path(folder)
        directory.mkdir(parents=True, exist_ok=True)
        for family, data in new.items():
            # OpenType with CFF outlines starts with "OTTO"; fontconfig reads either by content.
            path = directory / f"{family}{'.otf' if data[:4] == b'OTTO' else '.ttf'}"
            if not path.exists():
                path.write_bytes(data)
            if not library.FcConfigAppFontAddFile(config, str(path).encode()):
                raise ValueError(f"fontconfig refused the font {family}")
            _registered.add(family)
        # A new default font map on next use, which lists the fonts just added.
        pangocairocffi.pangocairo.pango_cairo_font_map_set_default(pangocairocffi.ffi.NULL)


def is_registered(family: str) -> bool:
    return family in _registered
