"""Make uploaded fonts visible to Pango in this process, before first use.

Called in render workers only. fontconfig keeps an application font set beside the system fonts:
FcConfigAppFontAddFile adds a file to it for this process only. Pango's font map caches what
fontconfig listed when it was made, so after adding, the default PangoCairo font map is dropped
and the next layout makes a new one. Uploaded fonts carry a family name unique to the upload
(api.fonts.validation.upload_family), so adding one can never change how any other text is drawn.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Mapping

from api.render import pango

_lock = threading.Lock()
_registered: set[str] = set()
_descriptors: list[int] = []


def _fontconfig() -> ctypes.CDLL:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    library = ctypes.CDLL(name)
    library.FcConfigGetCurrent.restype = ctypes.c_void_p
    library.FcConfigAppFontAddFile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    library.FcConfigAppFontAddFile.restype = ctypes.c_int
    return library


def register_fonts(fonts: Mapping[str, bytes]) -> None:
    """Add each font (internal family -> TrueType/OpenType bytes) to fontconfig for this process;
    families added before are skipped.

    Each font lives in an anonymous memory file (memfd) that this process keeps open, and
    fontconfig reads it through /proc/self/fd: nothing is written to disk, and the memory is
    returned when the render worker exits, however it exits.
    """
    with _lock:
        new = {family: data for family, data in fonts.items() if family not in _registered}
        if not new:
            return
        library = _fontconfig()
        config = library.FcConfigGetCurrent()
        for family, data in new.items():
            descriptor = os.memfd_create(family)
            os.write(descriptor, data)
            _descriptors.append(descriptor)
            if not library.FcConfigAppFontAddFile(config, f"/proc/self/fd/{descriptor}".encode()):
                raise ValueError(f"fontconfig refused the font {family}")
            _registered.add(family)
        # A new default font map on next use, which lists the fonts just added.
        pango.pangocairo.pango_cairo_font_map_set_default(pango.ffi.NULL)
